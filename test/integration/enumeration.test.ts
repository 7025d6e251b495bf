import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { auth, buildTestApp, type TestApp } from '../support/app/test-app.ts'
import { registerCaller } from '../support/app/callers.ts'

// No enumeration: asking a PIN for an enrolled caller and for a number nobody knows must look the
// same from outside: the same status, the same body shape and headers, and timing within noise.

let t: TestApp
const ROUNDS = 40
const known = Array.from({ length: ROUNDS }, (_, i) => `+81901240${String(i).padStart(4, '0')}`)
const unknown = Array.from({ length: ROUNDS }, (_, i) => `+81901250${String(i).padStart(4, '0')}`)

beforeAll(async () => {
  t = await buildTestApp({ RATE_LIMIT_PER_KEY: '100000', RATE_LIMIT_PER_IP: '100000', SMS_PREFIX_MAX_SENDS: '1000' })
  const profile = { firstName: 'Hanako', lastName: 'Sato', custLevel: 'Gold', language: 'ja' }
  for (const phone of known) await registerCaller(t, phone, { ...profile, email: `${phone.slice(1)}@example.jp` })
})
afterAll(() => t.app.close())

const issue = async (phone: string, extra: object = {}) => {
  const started = performance.now()
  const res = await t.app.inject({ method: 'POST', url: '/v1/pins', headers: auth, payload: { phone, ...extra } })
  return { res, ms: performance.now() - started }
}
const shape = (body: Record<string, unknown>) => Object.fromEntries(Object.entries(body).map(([k, v]) => [k, typeof v]))
const headerNames = (h: Record<string, unknown>) =>
  Object.keys(h)
    .filter((k) => !['date', 'x-request-id'].includes(k))
    .sort()
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!

describe('a PIN request for a known caller and for an unknown number', () => {
  it('same status, body shape, values that do not depend on the caller, and headers', async () => {
    for (const extra of [{}, { enrol: true }, { locale: 'en' }]) {
      const [k, u] = [await issue(known.pop()!, extra), await issue(unknown.pop()!, extra)]
      expect(k.res.statusCode).toBe(201)
      expect(u.res.statusCode).toBe(201)
      expect(shape(k.res.json())).toEqual(shape(u.res.json()))
      expect(k.res.json().sendsLeft).toBe(u.res.json().sendsLeft)
      expect(headerNames(k.res.headers)).toEqual(headerNames(u.res.headers))
    }
  })

  it('takes the same time within noise (medians of interleaved requests, a generous bound)', async () => {
    const times = { known: [] as number[], unknown: [] as number[] }
    await issue('+819012599999') // warm up
    // Interleaved, and alternating which goes first, so drift and warm-up fall on both alike.
    for (let i = 0; known.length > 0 && unknown.length > 0; i++) {
      const order = i % 2 === 0 ? (['known', 'unknown'] as const) : (['unknown', 'known'] as const)
      for (const kind of order) times[kind].push((await issue((kind === 'known' ? known : unknown).pop()!)).ms)
    }
    const [k, u] = [median(times.known), median(times.unknown)]
    // Both paths make the same Redis calls; only noise should separate them. A lookup that
    // short-circuited for unknown numbers would show as a steady gap, which this still catches.
    expect(
      Math.abs(k - u) < 1 || Math.max(k, u) / Math.min(k, u) < 1.5,
      `medians: known ${k.toFixed(2)} ms, unknown ${u.toFixed(2)} ms`,
    ).toBe(true)
  })
})
