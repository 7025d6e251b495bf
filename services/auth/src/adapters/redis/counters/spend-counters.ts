import type { RedisClient } from '../client.ts'
import type { SpendCounter, SpendCounters } from '../../../core/ports.ts'
import type { Keys } from '../keys.ts'
import { giveBack, takeCapped } from './scripts.ts'

/**
 * SpendCounters on Redis. A prefix or a day is shared by many numbers, so it cannot live in a
 * phone's slot: each counter is one key, changed by single-key scripts (Cluster-safe).
 */
export function createSpendCounters(redis: RedisClient, keys: Keys): SpendCounters {
  const key = (c: SpendCounter) => ({
    counter:
      c.kind === 'client'
        ? keys.clientSends(c.client)
        : c.kind === 'prefix'
          ? keys.prefixSends(c.prefix, c.known === true)
          : keys.dailySends(c.day),
  })
  return {
    async take(counter, max, windowMs) {
      const r = await takeCapped(redis, key(counter), { max, windowMs: Math.max(1, Math.round(windowMs)) })
      return r.taken ? { kind: 'taken' } : { kind: 'full', retryAfterMs: r.retryAfterMs }
    },
    async giveBack(counter) {
      await giveBack(redis, key(counter), {})
    },
  }
}
