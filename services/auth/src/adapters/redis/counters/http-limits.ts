import type { RedisClient } from '../client.ts'
import type { Keys } from '../keys.ts'
import { leaseHttpLimits } from './scripts.ts'

export interface HttpLimitSettings {
  keyMax: number
  ipMax: number
  windowMs: number
  /**
   * How much traffic a lease is sized for, in ms of the pair's recent rate (0: no leases, every
   * request is counted on Redis as it comes).
   */
  leaseMs: number
  /** How long a request may wait for its budget in all (refills included) before it fails (503). */
  waitMs: number
}

/** Why a request was refused: how long until the fuller window resets. */
export interface HttpLimitRefusal {
  retryAfterMs: number
}

interface Lease {
  /** Requests this process may still serve without asking Redis, until `until` (performance.now() ms). */
  tokens: number
  until: number
  /** The refill under way, shared by every request that waits for it. */
  refill: Promise<HttpLimitRefusal | undefined> | undefined
  /** Requests served since the last refill was sent, and when: the pair's rate sizes the next lease. */
  served: number
  since: number
  want: number
  /** Requests waiting for budget now: a refill asks for at least one token each. */
  waiters: number
}

// Pairs kept per API key (the least recently used dropped first, losing their unused tokens): each
// key has a table of its own, so one key's clients cannot push out another's. API keys are few
// (configured), so this is a few hundred KB a key at most.
const MAX_PAIRS_PER_KEY = 4096
// A lease grows at most fourfold per refill: a burst does not reserve a large share at once.
const GROWTH = 4
// A refill is sent ahead, in the background, once a quarter of the lease is left.
const LOW_WATER = 4
const MAX_LEASE = 10_000

/**
 * The HTTP rate limits (per API key, and per client address under it) with budget leased from
 * Redis in batches. Each (key, address) pair holds a lease: a number of requests counted on both
 * Redis counters ahead of time, spent here without a round trip, refilled in the background before
 * it runs out. A lease covers about `leaseMs` of the pair's recent traffic (one request when it is
 * quiet, so a slow client is counted request by request), at most an eighth of what is left in the
 * window (one at a time near the cap), and dies with the window it was counted in. So the caps hold
 * across the fleet exactly as before and are never exceeded; what a lease leaves unused when its
 * window ends, or when another process or address takes the rest, is refused early: at most about
 * `leaseMs` of each active pair's traffic per process and window (SECURITY.md).
 *
 * `take` answers `undefined` when the request may go (synchronously, the usual case), else a
 * promise of that answer or of a refusal. Redis errors reject it (the caller fails closed).
 */
export function createHttpLimiter(redis: RedisClient, keys: Keys, settings: HttpLimitSettings) {
  const tables = new Map<string, Map<string, Lease>>()
  const { keyMax, ipMax, windowMs, leaseMs, waitMs } = settings

  function refill(keyName: string, ip: string, lease: Lease): Promise<HttpLimitRefusal | undefined> {
    const now = performance.now()
    if (lease.served > 0) {
      const rate = lease.served / Math.max(1, now - lease.since)
      lease.want = Math.max(1, Math.min(Math.ceil(rate * leaseMs), lease.want * GROWTH, MAX_LEASE))
    }
    lease.served = 0
    lease.since = now
    const sentAt = now
    const args = { keyMax, ipMax, windowMs, want: Math.max(lease.want, lease.waiters) }
    const pending = leaseHttpLimits(redis, keys.rateLimit.forRequest(keyName, ip), args)
      .then((reply) => {
        if (!reply.ok) return { retryAfterMs: reply.retryAfterMs }
        // Tokens left from an ended window are dropped; the windows' remaining time is measured from
        // before the script ran, so a lease always ends before its windows do.
        const until = sentAt + reply.ttlMs
        lease.tokens = (lease.until > performance.now() ? lease.tokens : 0) + reply.granted
        lease.until = lease.tokens > reply.granted ? Math.min(lease.until, until) : until
        return undefined
      })
      .finally(() => {
        lease.refill = undefined
      })
    lease.refill = pending
    return pending
  }

  async function wait(keyName: string, ip: string, lease: Lease): Promise<HttpLimitRefusal | undefined> {
    const deadline = performance.now() + waitMs
    lease.waiters++
    try {
      for (;;) {
        if (performance.now() >= deadline) throw new Error(`no rate-limit budget answer within ${waitMs} ms`)
        const refused = await (lease.refill ?? refill(keyName, ip, lease))
        if (refused) {
          // A refused pair keeps no entry: only pairs that hold budget take room in the table.
          if (lease.tokens <= 0) forget(keyName, ip, lease)
          return refused
        }
        if (spend(lease)) return undefined
      }
    } finally {
      lease.waiters--
    }
  }

  function forget(keyName: string, ip: string, lease: Lease) {
    const table = tables.get(keyName)
    if (table?.get(ip) === lease) table.delete(ip)
  }

  function spend(lease: Lease): boolean {
    if (lease.tokens <= 0 || performance.now() >= lease.until) return false
    lease.tokens--
    lease.served++
    return true
  }

  /** Without leases: every request counted on Redis as it comes, one script each. */
  async function takeOne(keyName: string, ip: string): Promise<HttpLimitRefusal | undefined> {
    const args = { keyMax, ipMax, windowMs, want: 1 }
    const reply = await leaseHttpLimits(redis, keys.rateLimit.forRequest(keyName, ip), args)
    return reply.ok ? undefined : { retryAfterMs: reply.retryAfterMs }
  }

  return {
    take(keyName: string, ip: string): Promise<HttpLimitRefusal | undefined> | undefined {
      if (leaseMs <= 0) return takeOne(keyName, ip)
      let table = tables.get(keyName)
      if (table === undefined) {
        table = new Map()
        tables.set(keyName, table)
      }
      let lease = table.get(ip)
      if (lease === undefined) {
        if (table.size >= MAX_PAIRS_PER_KEY) table.delete(table.keys().next().value as string)
        lease = { tokens: 0, until: 0, refill: undefined, served: 0, since: performance.now(), want: 1, waiters: 0 }
      } else {
        // Least recently used first out: a busy pair is never the one dropped.
        table.delete(ip)
      }
      table.set(ip, lease)
      if (!spend(lease)) return wait(keyName, ip, lease)
      // Ahead of time, in the background: a failed refill is retried by the request that needs it.
      if (lease.refill === undefined && lease.tokens * LOW_WATER <= lease.want)
        refill(keyName, ip, lease).catch(() => undefined)
      return undefined
    },
  }
}
