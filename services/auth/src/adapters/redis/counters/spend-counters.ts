import type { RedisClient } from '../client.ts'
import type { SpendCounter, SpendCounters } from '../../../core/ports.ts'
import type { Keys } from '../keys.ts'
import { giveBack, takeCapped } from './scripts.ts'

/**
 * SpendCounters on Redis. A prefix or a day is shared by many numbers, so it cannot live in a
 * phone's slot: each counter is one key, changed by single-key scripts (Cluster-safe).
 */
export function createSpendCounters(redis: RedisClient, keys: Keys): SpendCounters {
  const name = (c: SpendCounter) => {
    switch (c.kind) {
      case 'client':
        return keys.clientSends(c.client)
      case 'prefix':
        return keys.prefixSends(c.prefix, c.known === true)
      case 'day':
        return keys.dailySends(c.day)
      case 'voice_day':
        return keys.dailyCalls(c.day)
    }
  }
  const key = (c: SpendCounter) => ({ counter: name(c) })
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
