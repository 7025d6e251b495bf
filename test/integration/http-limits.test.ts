import { describe, expect, it } from 'vitest'
import { createHttpLimiter } from '../../services/auth/src/adapters/redis/counters/http-limits.ts'
import { rateLimitKeysOf, TEST_API_KEY, useTestApp } from '../support/app/test-app.ts'

const lookup = (t: Awaited<ReturnType<typeof useTestApp>>, ip: string) =>
  t.app.inject({
    url: '/v1/callers/+819012345678',
    headers: { authorization: `Bearer ${TEST_API_KEY}` },
    remoteAddress: ip,
  })

/** The per-key counter on Redis: the only rate-limit key without an address under it. */
async function perKeyCount(t: Awaited<ReturnType<typeof useTestApp>>): Promise<number> {
  const perKey = (await rateLimitKeysOf(t)).filter((k) => !k.includes(':ip:'))
  expect(perKey).toHaveLength(1)
  return Number(await t.app.redis.get(perKey[0]!))
}

describe('leased HTTP rate-limit budget', () => {
  it('RATE_LIMIT_LEASE_MS=0: every request, concurrent ones too, is counted on Redis as it comes, none ahead', async () => {
    const t = await useTestApp({ RATE_LIMIT_LEASE_MS: '0', RATE_LIMIT_PER_KEY: '1000' })
    const codes = await Promise.all(Array.from({ length: 40 }, () => lookup(t, '10.0.0.1').then((r) => r.statusCode)))
    expect(codes.every((c) => c === 404)).toBe(true)
    expect(await perKeyCount(t)).toBe(40)
  })

  it("one key's many client addresses do not push out another key's lease: its budget, counted on Redis, is not lost", async () => {
    const t = await useTestApp({})
    const limiter = createHttpLimiter(t.app.redis, t.app.keys, {
      keyMax: 1_000_000,
      ipMax: 1_000_000,
      windowMs: 60_000,
      leaseMs: 60_000, // a lease sized for a minute of traffic: it grows fourfold each refill
      waitMs: 5_000,
    })
    // The victim's pair builds a lease with budget in hand.
    for (let i = 0; i < 6; i++) expect(await limiter.take('victim', '10.0.0.1')).toBeUndefined()
    // Another key sweeps more client addresses than a key's table holds.
    for (let i = 0; i < 4200; i++) await limiter.take('sweeper', `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`)
    // The victim is still served from its lease, at once, without asking Redis.
    expect(limiter.take('victim', '10.0.0.1')).toBeUndefined()
  })
})
