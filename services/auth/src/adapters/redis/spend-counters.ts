import type { SpendCounter, SpendCounters } from '../../core/ports.ts'
import type { Keys } from './keys.ts'
import type { ScriptedRedis } from './scripts.ts'

/**
 * SpendCounters on Redis. A prefix or a day is shared by many numbers, so it cannot live in a
 * phone's slot: each counter is one key, changed by single-key scripts (Cluster-safe).
 */
export function createSpendCounters(redis: ScriptedRedis, keys: Keys): SpendCounters {
  const key = (c: SpendCounter) => {
    switch (c.kind) {
      case 'prefix': return keys.prefixSends(c.prefix)
      case 'day': return keys.dailySends(c.day)
      case 'voice_day': return keys.dailyCalls(c.day)
    }
  }
  return {
    async take(counter, max, windowMs) {
      const [taken, value] = await redis.plTakeCapped(key(counter), max, Math.max(1, Math.round(windowMs)))
      return taken === 1 ? { kind: 'taken' } : { kind: 'full', retryAfterMs: Number(value) }
    },
    async giveBack(counter) {
      await redis.plGiveBack(key(counter))
    },
  }
}
