import { PIN, benchCaller, phoneAt, seedCallers, seedChallenges, type BenchContext } from './fixtures.ts'

export interface MemoryFigure {
  /** Sum of MEMORY USAGE over the item's own keys (what the target is judged on). */
  bytes: number
  /** MEMORY USAGE of each of the item's own keys. */
  keys: Record<string, number>
  /** Keys of the phone number written alongside the first item for it (not in `bytes`). */
  alongside: Record<string, number>
  /** INFO used_memory growth per item over `sample` items: everything, dict and expiry entries included. */
  usedMemoryPerItem: number
  sample: number
}

const usedMemory = async (ctx: BenchContext) => Number(/used_memory:(\d+)/.exec(await ctx.redis.info('memory'))?.[1])
// SAMPLES 0: count every field of the hash, not an estimate from a few.
export const memoryUsage = async (ctx: BenchContext, key: string) =>
  Number(await ctx.redis.memory('USAGE', key, 'SAMPLES', 0))

async function usages(ctx: BenchContext, keys: Record<string, string>): Promise<Record<string, number>> {
  const out: Record<string, number> = {}
  for (const [label, key] of Object.entries(keys)) out[label] = await memoryUsage(ctx, key)
  return out
}

/** Grows Redis by `sample` items (one per phone number), then measures the keys of the first. */
export async function measureMemory(
  ctx: BenchContext,
  sample: number,
  add: (count: number) => Promise<void>,
  keysOfFirst: () => { own: Record<string, string>; alongside?: Record<string, string> },
): Promise<MemoryFigure> {
  const before = await usedMemory(ctx)
  await add(sample)
  const after = await usedMemory(ctx)
  const { own, alongside = {} } = keysOfFirst()
  const keys = await usages(ctx, own)
  return {
    bytes: Object.values(keys).reduce((a, b) => a + b, 0),
    keys,
    alongside: await usages(ctx, alongside),
    usedMemoryPerItem: Math.round((after - before) / sample),
    sample,
  }
}

/**
 * A pending challenge: its hash. The first PIN to a number also starts the phone's
 * send counter (the failure counter appears only after a wrong code): reported alongside.
 */
export async function perPendingChallenge(ctx: BenchContext, sample = 5_000): Promise<MemoryFigure> {
  let first = ''
  return measureMemory(
    ctx,
    sample,
    async (n) => {
      first = (await seedChallenges(ctx, n, { block: 20, pin: PIN }))[0] ?? ''
    },
    () => {
      const k = ctx.keys.forChallenge(first)
      return { own: { challenge: k.challenge }, alongside: { 'phone send counter': k.sends } }
    },
  )
}

/** An imported caller with an e-mail: the caller hash and the e-mail index. */
export async function perEnrolledCaller(ctx: BenchContext, sample = 2_000): Promise<MemoryFigure> {
  const phone = phoneAt(21, 0)
  return measureMemory(
    ctx,
    sample,
    async (n) => {
      await seedCallers(ctx, n, 21)
    },
    () => ({
      own: {
        caller: ctx.keys.caller(phone),
        'e-mail index': ctx.keys.email(benchCaller(phone, 21_000_000).email ?? ''),
      },
    }),
  )
}
