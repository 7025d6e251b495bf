import { PIN, benchCaller, phoneAt, seedCallers, seedChallenges, type BenchContext } from './fixtures.ts'

export interface MemoryFigure {
  /** Sum of MEMORY USAGE over the keys one item adds (what the target is judged on). */
  bytes: number
  /** MEMORY USAGE of each of those keys. */
  keys: Record<string, number>
  /** INFO used_memory growth per item over `sample` items: adds the keyspace and expiry dict entries. */
  usedMemoryPerItem: number
  sample: number
}

const usedMemory = async (ctx: BenchContext) => Number(/used_memory:(\d+)/.exec(await ctx.redis.info('memory'))?.[1])
// SAMPLES 0: count every field of the hash, not an estimate from a few.
const usage = async (ctx: BenchContext, key: string) => Number(await ctx.redis.memory('USAGE', key, 'SAMPLES', 0))

/** Grows Redis by `sample` items, then measures the keys of the first of them. */
async function measure(ctx: BenchContext, sample: number, add: (count: number) => Promise<void>, keysOfFirst: () => Record<string, string>): Promise<MemoryFigure> {
  const before = await usedMemory(ctx)
  await add(sample)
  const after = await usedMemory(ctx)
  const keys: Record<string, number> = {}
  for (const [label, key] of Object.entries(keysOfFirst())) keys[label] = await usage(ctx, key)
  return { bytes: Object.values(keys).reduce((a, b) => a + b, 0), keys, usedMemoryPerItem: Math.round((after - before) / sample), sample }
}

/**
 * A pending challenge for a number that had none: the challenge hash and the phone's
 * send counter (the failure counter appears only after a wrong code).
 */
export async function perPendingChallenge(ctx: BenchContext, sample = 5_000): Promise<MemoryFigure> {
  let first = ''
  return measure(ctx, sample, async (n) => {
    first = (await seedChallenges(ctx, n, { block: 20, pin: PIN }))[0] ?? ''
  }, () => {
    const k = ctx.keys.forChallenge(first)
    return { challenge: k.challenge, 'phone send counter': k.sends }
  })
}

/** An imported caller with an e-mail: the caller hash and the e-mail index. */
export async function perEnrolledCaller(ctx: BenchContext, sample = 2_000): Promise<MemoryFigure> {
  const phone = phoneAt(21, 0)
  return measure(ctx, sample, async (n) => {
    await seedCallers(ctx, n, 21)
  }, () => ({ caller: ctx.keys.caller(phone), 'e-mail index': ctx.keys.email(benchCaller(phone, 21_000_000).email ?? '') }))
}
