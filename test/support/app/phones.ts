/**
 * A sequence of distinct, valid Japanese mobile numbers: +81 <prefix> <8 digits>, stepping by
 * a prime from `start`. Each test file draws from its own start, so per-number counters
 * (sends, failures, callers) never collide across files sharing one Redis.
 */
export function phoneSequence(prefix: '70' | '80' | '90', start: number): () => string {
  let n = 0
  return () => `+81${prefix}${String(start + n++ * 7919).slice(-8)}`
}
