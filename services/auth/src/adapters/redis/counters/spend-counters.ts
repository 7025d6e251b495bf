import type { RedisClient } from '../client.ts'
import type { SpendCounter, SpendCounters } from '../../../core/ports.ts'
import type { Keys } from '../keys.ts'
import { adoptLegacyCount, giveBackSpend, takeSpend } from './scripts.ts'

/**
 * SpendCounters on Redis. A client, a prefix or a day is shared by many numbers, so it cannot live
 * in a phone's slot: the spend counters share one hash tag of their own (see keys.ts), and the ones
 * an SMS counts against are taken by one script (one slot, one round trip).
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
  // 1 to 3 counters as the script's three keys; the unused ones repeat the last (never touched).
  const slots = (names: string[]) => {
    if (names.length < 1 || names.length > 3) throw new Error(`spend counters: 1 to 3 at once, not ${names.length}`)
    const last = names[names.length - 1]!
    return { first: names[0]!, second: names[1] ?? last, third: names[2] ?? last }
  }
  return {
    async take(counters) {
      const at = (i: number) => counters[i] ?? counters[counters.length - 1]!
      const r = await takeSpend(redis, slots(counters.map((c) => name(c.counter))), {
        count: counters.length,
        firstMax: at(0).max,
        firstWindowMs: Math.max(1, Math.round(at(0).windowMs)),
        secondMax: at(1).max,
        secondWindowMs: Math.max(1, Math.round(at(1).windowMs)),
        thirdMax: at(2).max,
        thirdWindowMs: Math.max(1, Math.round(at(2).windowMs)),
      })
      if (r.taken) return { kind: 'taken' }
      return { kind: 'full', counter: at(r.full - 1).counter, retryAfterMs: r.retryAfterMs }
    },
    async giveBack(counters) {
      await giveBackSpend(redis, slots(counters.map(name)), { count: counters.length })
    },
  }
}

/**
 * Today's SMS and call counts as an earlier version kept them (before the {spend} tag), added once
 * to today's counters, so an upgrade does not start the daily budgets again from zero. Run at
 * start; another process that already carried them over is not counted twice (the mark). Counts
 * the old version's processes add after that, during a rolling deploy, are not carried.
 */
export async function adoptLegacyDailyCounts(
  redis: RedisClient,
  keys: Keys,
  now: number,
): Promise<Array<{ kind: 'day' | 'voice_day'; count: number }>> {
  const day = new Date(now).toISOString().slice(0, 10)
  const legacy = keys.legacyDaily(day)
  const adopted: Array<{ kind: 'day' | 'voice_day'; count: number }> = []
  for (const [kind, counter] of [
    ['day', keys.dailySends(day)],
    ['voice_day', keys.dailyCalls(day)],
  ] as const) {
    const { legacy: from, mark } = legacy[kind]
    const [count, ttlMs] = await Promise.all([redis.get(from), redis.pttl(from)])
    const n = Number(count ?? 0)
    if (n <= 0 || ttlMs <= 0) continue
    if ((await adoptLegacyCount(redis, { counter, mark }, { count: n, ttlMs })).adopted)
      adopted.push({ kind, count: n })
  }
  return adopted
}
