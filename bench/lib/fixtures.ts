import type { RedisClient } from '../../services/auth/src/adapters/redis/client.ts'
import { createCallerRegistry } from '../../services/auth/src/adapters/redis/callers/registry.ts'
import { createChallengeStore } from '../../services/auth/src/adapters/redis/challenges/store.ts'
import type { Keys } from '../../services/auth/src/adapters/redis/keys.ts'
import { pinDigest, randomToken } from '../../services/auth/src/core/pin.ts'
import type { Caller, Limits } from '../../services/auth/src/core/ports.ts'

/** What a scenario's setup gets: Redis through the service's own adapters, and its budget. */
export interface BenchContext {
  redis: RedisClient
  keys: Keys
  /** The service's PIN_HMAC_SECRET, so seeded digests match what it computes. */
  secret: string
  /** The most requests a scenario can make (warm-up included), sized from the floor's rate. */
  budget: number
  /** One request to the service (with its API key), for setups that go through the API. */
  api(method: string, path: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> }>
}

/**
 * Valid, distinct Japanese mobile numbers: +81 90 <block> <6 digits>. Each scenario
 * draws from its own block (10..99), so no two scenarios share a number, a caller
 * or a per-phone counter.
 */
export function phoneAt(block: number, i: number): string {
  return `+8190${block}${String(i % 1_000_000).padStart(6, '0')}`
}

// Seeding writes as the service would but with caps out of the way: the bench
// measures the happy path of each request, not the caps.
const seedLimits: Limits = {
  maxAttempts: 10,
  maxSendsPerChallenge: 10,
  resendCooldownMs: 0,
  ttlMs: 600_000,
  phoneMaxFailures: 100,
  phoneFailureWindowSeconds: 3600,
  phoneMaxSends: 100,
  phoneSendWindowSeconds: 900,
  trustTtlSeconds: 0,
  phoneMaxConsecutiveFailures: 100,
  phoneConsecutiveWindowSeconds: 86_400,
  deliveryGraceMs: 10_000,
}

/** The PIN of every seeded challenge (PIN_LENGTH is 6 in the bench's service). */
export const PIN = '123456'

const BATCH = 2_000 // in flight at once; ioredis pipelines them on its one connection

async function inBatches<T>(count: number, make: (i: number) => Promise<T>): Promise<T[]> {
  const out: T[] = []
  for (let start = 0; start < count; start += BATCH) {
    const batch = Array.from({ length: Math.min(BATCH, count - start) }, (_, j) => make(start + j))
    out.push(...(await Promise.all(batch)))
  }
  return out
}

/** Pending, delivered challenges with a known PIN, one per phone of `block`, through the real store. */
export async function seedChallenges(
  ctx: BenchContext,
  count: number,
  opts: { block: number; pin: string; enrol?: boolean },
): Promise<string[]> {
  const store = createChallengeStore(ctx.redis, ctx.keys)
  const now = Date.now()
  return inBatches(count, async (i) => {
    const phone = phoneAt(opts.block, i)
    const id = store.challengeId(phone, randomToken())
    const digest = pinDigest(ctx.secret, id, opts.pin)
    const r = await store.create(
      {
        id,
        phone,
        digest,
        locale: 'en',
        purpose: 'bench',
        enrol: opts.enrol ?? false,
        now,
        expiresAt: now + seedLimits.ttlMs,
      },
      seedLimits,
    )
    if (r.kind !== 'created') throw new Error(`seeding challenge ${i} of block ${opts.block}: ${r.kind}`)
    await store.markDelivered(id, digest) // as after the SMS provider accepted it
    return id
  })
}

/** A caller as an admin import would write it (with an e-mail, so the index key exists too). */
export function benchCaller(phone: string, i: number): Caller {
  return {
    phone,
    firstName: 'Hanako',
    lastName: 'Yamada',
    custLevel: 'Gold',
    language: 'ja',
    email: `caller${i}@example.com`,
    enrolledAt: Date.now(),
  }
}

/** Enrolled callers on the phones of `block`, through the real registry; returns their numbers. */
export async function seedCallers(ctx: BenchContext, count: number, block: number): Promise<string[]> {
  const registry = createCallerRegistry(ctx.redis, ctx.keys)
  return inBatches(count, async (i) => {
    const phone = phoneAt(block, i)
    await registry.put(benchCaller(phone, block * 1_000_000 + i))
    return phone
  })
}
