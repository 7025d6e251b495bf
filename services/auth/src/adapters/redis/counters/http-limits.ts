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
}

// Pairs kept (oldest dropped first, losing their unused tokens): a few hundred KB at most.
const MAX_PAIRS = 4096
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
  const leases = new Map<string, Lease>()
  const { keyMax, ipMax, windowMs, leaseMs } = settings
  const counters = (id: string) => {
    const cut = id.indexOf('\n')
    return keys.rateLimit.forRequest(id.slice(0, cut), id.slice(cut + 1))
  }

  function refill(id: string, lease: Lease): Promise<HttpLimitRefusal | undefined> {
    const now = performance.now()
    if (leaseMs > 0 && lease.served > 0) {
      const rate = lease.served / Math.max(1, now - lease.since)
      lease.want = Math.max(1, Math.min(Math.ceil(rate * leaseMs), lease.want * GROWTH, MAX_LEASE))
    }
    lease.served = 0
    lease.since = now
    const sentAt = now
    const args = { keyMax, ipMax, windowMs, want: lease.want }
    const pending = leaseHttpLimits(redis, counters(id), args)
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

  async function wait(id: string, lease: Lease): Promise<HttpLimitRefusal | undefined> {
    for (;;) {
      const refused = await (lease.refill ?? refill(id, lease))
      if (refused) return refused
      if (spend(lease)) return undefined
    }
  }

  function spend(lease: Lease): boolean {
    if (lease.tokens <= 0 || performance.now() >= lease.until) return false
    lease.tokens--
    lease.served++
    return true
  }

  return {
    take(keyName: string, ip: string): Promise<HttpLimitRefusal | undefined> | undefined {
      const id = `${keyName}\n${ip}`
      let lease = leases.get(id)
      if (lease === undefined) {
        if (leases.size >= MAX_PAIRS) leases.delete(leases.keys().next().value as string)
        lease = { tokens: 0, until: 0, refill: undefined, served: 0, since: performance.now(), want: 1 }
        leases.set(id, lease)
      }
      if (!spend(lease)) return wait(id, lease)
      // Ahead of time, in the background: a failed refill is retried by the request that needs it.
      if (leaseMs > 0 && lease.refill === undefined && lease.tokens * LOW_WATER <= lease.want)
        refill(id, lease).catch(() => undefined)
      return undefined
    },
  }
}
