import { describe, expect, it } from 'vitest'
import { keysOf, rateLimitKeysOf, TEST_API_KEY, type TestApp, useTestApp } from '../support/app/test-app.ts'
import { connectEvent } from '../support/events/connect-events.ts'
import { lexEvent } from '../support/events/lex-events.ts'

const OTHER_KEY = 'other-key-0123456789abcdef'
const app = (env: Record<string, string>) => useTestApp({ API_KEYS: `${TEST_API_KEY},${OTHER_KEY}`, ...env })

const lookup = (t: TestApp, opts: { key?: string; ip?: string } = {}) =>
  t.app.inject({
    url: '/v1/callers/+819012345678',
    headers: { authorization: `Bearer ${opts.key ?? TEST_API_KEY}` },
    remoteAddress: opts.ip ?? '127.0.0.1',
  })
const times = async <T>(n: number, fn: () => Promise<T>) => {
  const out: T[] = []
  for (let i = 0; i < n; i++) out.push(await fn())
  return out
}

describe('HTTP rate limits (one script on Redis)', () => {
  it('per API key: past RATE_LIMIT_PER_KEY, 429 RATE_LIMITED with Retry-After; another key is unaffected', async () => {
    const t = await app({ RATE_LIMIT_PER_KEY: '3', RATE_LIMIT_PER_IP: '1000', RATE_LIMIT_WINDOW_SECONDS: '30' })
    const ips = ['10.0.0.1', '10.0.0.2', '10.0.0.3', '10.0.0.4'] // a key shared by many hosts
    const results = await Promise.all(ips.map((ip) => lookup(t, { ip })))
    expect(results.map((r) => r.statusCode).sort()).toEqual([404, 404, 404, 429])
    const refused = results.find((r) => r.statusCode === 429)!
    expect(refused.json()).toEqual({ code: 'RATE_LIMITED', message: expect.any(String) })
    const retryAfter = Number(refused.headers['retry-after'])
    expect(retryAfter).toBeGreaterThan(0)
    expect(retryAfter).toBeLessThanOrEqual(30)
    expect((await lookup(t, { key: OTHER_KEY })).statusCode).toBe(404)
  })

  it('per key identity, not per header: whitespace variants of one key (non-breaking spaces, tabs) share its allowance', async () => {
    const t = await app({ RATE_LIMIT_PER_KEY: '3', RATE_LIMIT_PER_IP: '1000', RATE_LIMIT_WINDOW_SECONDS: '30' })
    const variants = ['', ' ', '\t', '\u00a0', ' \u00a0', '\u00a0\u00a0', '\u00a0\t\u00a0', '  \u00a0  ']
    const codes = await times(variants.length, async () => {
      const suffix = variants.shift()!
      return (
        await t.app.inject({
          url: '/v1/callers/+819012345678',
          headers: { authorization: `Bearer ${TEST_API_KEY}${suffix}` },
        })
      ).statusCode
    })
    expect(codes).toEqual([404, 404, 404, 429, 429, 429, 429, 429])
  })

  it('per IP: past RATE_LIMIT_PER_IP one address is refused while another, on the same key, is served', async () => {
    const t = await app({ RATE_LIMIT_PER_KEY: '1000', RATE_LIMIT_PER_IP: '2' })
    expect((await times(3, () => lookup(t, { ip: '10.0.0.9' }))).map((r) => r.statusCode)).toEqual([404, 404, 429])
    expect((await lookup(t, { ip: '10.0.0.10' })).statusCode).toBe(404)
  })

  it('IPv6 clients are counted per /64: rotating addresses inside one network does not escape', async () => {
    const t = await app({ RATE_LIMIT_PER_KEY: '1000', RATE_LIMIT_PER_IP: '2' })
    const codes = await times(
      3,
      async () =>
        (await lookup(t, { ip: `2001:db8:1:2::${Math.floor(Math.random() * 0xffff).toString(16)}` })).statusCode,
    )
    expect(codes).toEqual([404, 404, 429])
  })

  it('the window resets: after RATE_LIMIT_WINDOW_SECONDS the client is served again', async () => {
    const t = await app({ RATE_LIMIT_PER_KEY: '1', RATE_LIMIT_WINDOW_SECONDS: '1' })
    expect((await lookup(t)).statusCode).toBe(404)
    expect((await lookup(t)).statusCode).toBe(429)
    await new Promise((r) => setTimeout(r, 1100))
    expect((await lookup(t)).statusCode).toBe(404)
  })

  it('a refused request does not reach the handler: no SMS, no challenge', async () => {
    const t = await app({ RATE_LIMIT_PER_KEY: '1' })
    const issue = () =>
      t.app.inject({
        method: 'POST',
        url: '/v1/pins',
        headers: { authorization: `Bearer ${TEST_API_KEY}` },
        payload: { phone: '+819012340077' },
      })
    expect((await issue()).statusCode).toBe(201)
    const keysBefore = await keysOf(t)
    const refused = await issue()
    expect(refused.statusCode).toBe(429)
    expect(refused.json().code).toBe('RATE_LIMITED')
    expect(t.sms.sent).toHaveLength(1)
    expect(await keysOf(t)).toEqual(keysBefore)
  })

  it('health, readiness, metrics and docs are exempt', async () => {
    const t = await app({ RATE_LIMIT_PER_KEY: '1', RATE_LIMIT_PER_IP: '1' })
    for (const url of ['/healthz', '/readyz', '/metrics', '/openapi.json']) {
      expect((await times(5, () => t.app.inject(url))).every((r) => r.statusCode === 200)).toBe(true)
    }
    expect(await rateLimitKeysOf(t)).toEqual([])
  })

  it("a wrong API key is refused (401) before any Redis work and does not use the client's allowance", async () => {
    const t = await app({ RATE_LIMIT_PER_KEY: '2', RATE_LIMIT_PER_IP: '2' })
    expect(
      (await times(5, () => lookup(t, { key: 'wrong-key-0123456789abcdef' }))).every((r) => r.statusCode === 401),
    ).toBe(true)
    expect(await rateLimitKeysOf(t)).toEqual([])
    expect((await lookup(t)).statusCode).toBe(404)
  })

  it('counters live under the namespace from keys.ts, hold no API key or address, and expire', async () => {
    const t = await app({})
    await lookup(t, { ip: '192.0.2.44' })
    const keys = await rateLimitKeysOf(t)
    expect(keys).toHaveLength(2)
    // One hash tag for both (the key's): one script, one slot, one round trip, on a cluster too.
    expect(new Set(keys.map((k) => /\{[^}]+\}/.exec(k)?.[0])).size).toBe(1)
    for (const key of keys) {
      expect(key.startsWith(`${t.prefix}rl:`)).toBe(true)
      expect(key).not.toContain(TEST_API_KEY)
      expect(key).not.toContain('192.0.2.44')
      expect(await t.app.redis.pttl(key)).toBeGreaterThan(0)
    }
  })
})

describe('the channel routes the Lambda shims call', () => {
  it('are not HTTP rate limited: every Lambda arrives from a few addresses with one key', async () => {
    const t = await app({ RATE_LIMIT_PER_KEY: '2', RATE_LIMIT_PER_IP: '2', RATE_LIMIT_WINDOW_SECONDS: '30' })
    const headers = { authorization: `Bearer ${TEST_API_KEY}` }
    const lookupEvent = connectEvent({ phone: '+819012345678', parameters: { action: 'lookup' } })
    const menuEvent = lexEvent({ intent: 'GetFoodMenu' })
    const connect = await times(5, () =>
      t.app.inject({ method: 'POST', url: '/v1/channels/connect', headers, payload: lookupEvent }),
    )
    expect(connect.map((r) => r.statusCode)).toEqual([200, 200, 200, 200, 200])
    expect(connect.map((r) => r.json().lambdaResult)).toEqual(['Success', 'Success', 'Success', 'Success', 'Success'])
    const lex = await times(5, () =>
      t.app.inject({ method: 'POST', url: '/v1/channels/lex', headers, payload: menuEvent }),
    )
    expect(lex.map((r) => r.statusCode)).toEqual([200, 200, 200, 200, 200])
    // The REST routes under the same key are limited.
    expect((await times(3, () => lookup(t))).map((r) => r.statusCode)).toEqual([404, 404, 429])
  })
})
