import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { acceptedRequestId } from '../../services/auth/src/logging.ts'
import { auth, buildTestApp, type TestApp } from '../support/app/test-app.ts'

// Findings 9 and 10 of the security review: /metrics grew a series per client-chosen purpose
// (500 values, 504 series, never pruned); x-request-id was taken as-is (8 KB echoed and logged,
// a phone number and an e-mail in it reached the logs unmasked).
let t: TestApp
beforeAll(async () => {
  t = await buildTestApp(
    { METRICS_PURPOSES: 'login, signup', PHONE_MAX_SENDS: '100', SMS_PREFIX_MAX_SENDS: '1000' },
    { logs: true },
  )
})
afterAll(() => t.app.close())

describe('/metrics purpose label (METRICS_PURPOSES)', () => {
  it('50 client-chosen purposes make no new series: unknown ones count as other', async () => {
    for (let i = 0; i < 50; i++) {
      const res = await t.app.inject({
        method: 'POST',
        url: '/v1/pins',
        headers: auth,
        payload: { phone: `+8190123456${String(i).padStart(2, '0')}`, purpose: `p${i}-${'x'.repeat(20)}` },
      })
      expect(res.statusCode).toBe(201)
    }
    await t.app.inject({
      method: 'POST',
      url: '/v1/pins',
      headers: auth,
      payload: { phone: '+819012345699', purpose: 'login' },
    })
    const series = (await t.app.inject({ url: '/metrics' })).body
      .split('\n')
      .filter((l) => l.startsWith('pinline_pins_issued_total{'))
    expect(series.sort()).toEqual([
      'pinline_pins_issued_total{purpose="login"} 1',
      'pinline_pins_issued_total{purpose="other"} 50',
    ])
  })
})

describe('x-request-id', () => {
  const echo = async (id: string) =>
    (await t.app.inject({ url: '/healthz', headers: { 'x-request-id': id } })).headers['x-request-id'] as string

  it('a safe id (a UUID, or a short token) is kept', async () => {
    expect(await echo('0f8fad5b-d9cb-469f-a165-70867728950e')).toBe('0f8fad5b-d9cb-469f-a165-70867728950e')
    expect(await echo('req_abc-123.x:1')).toBe('req_abc-123.x:1')
  })

  it.each([
    ['8 KB', 'a'.repeat(8192)],
    ['a phone number', 'call-09012345678'],
    ['an e-mail address', 'hanako@example.com'],
    ['spaces and quotes', 'a b"c'],
    ['65 characters', 'a'.repeat(65)],
  ])('%s is replaced by a fresh UUID, in the response and the log', async (_name, id) => {
    const got = await echo(id)
    expect(got).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
    expect(t.logs()).not.toContain(id)
  })

  it('acceptedRequestId: several headers, or none, are not an id', () => {
    expect(acceptedRequestId(['a', 'b'])).toBeUndefined()
    expect(acceptedRequestId(undefined)).toBeUndefined()
    expect(acceptedRequestId('')).toBeUndefined()
  })
})
