import { describe, expect, it } from 'vitest'
import { auth, keysOf, type TestApp, useTestApp, shareTestApp } from '../support/app/test-app.ts'

let t: TestApp
shareTestApp({ METRICS_PURPOSES: 'login' }, (app) => (t = app))

const json = { ...auth, 'content-type': 'application/json' }

describe('authentication', () => {
  it('every /v1 route wants a valid bearer key: 401 UNAUTHORIZED otherwise, and nothing is sent', async () => {
    for (const headers of [
      {},
      { authorization: 'Bearer wrong-key-0123456789abc' },
      { authorization: 'Basic dXNlcjpwYXNz' },
      { authorization: 'bearer' },
    ]) {
      for (const [method, url] of [
        ['GET', '/v1/callers/+819012345678'],
        ['POST', '/v1/pins'],
        ['POST', `/v1/pins/${'a'.repeat(38)}/verify`],
      ] as const) {
        const res = await t.app.inject({
          method,
          url,
          headers,
          payload: method === 'POST' ? { phone: '+819012345678', pin: '123456' } : undefined,
        })
        expect(res.statusCode, `${method} ${url}`).toBe(401)
        expect(res.json()).toEqual({ code: 'UNAUTHORIZED', message: expect.any(String) })
      }
    }
    expect(t.sms.sent).toHaveLength(0)
  })

  it('health and readiness need no key', async () => {
    expect((await t.app.inject({ url: '/healthz' })).json()).toEqual({ status: 'ok' })
    expect((await t.app.inject({ url: '/readyz' })).statusCode).toBe(200)
  })
})

describe('bad input: a 4xx with a stable code, nothing written, nothing sent', () => {
  const cases: Array<{
    name: string
    payload: string
    headers?: Record<string, string>
    url?: string
    status: number
    code: string
  }> = [
    { name: 'number where a string belongs', payload: '{"phone":819012345678}', status: 400, code: 'INVALID_PHONE' },
    { name: 'not E.164 after normalisation', payload: '{"phone":"+81 90"}', status: 400, code: 'INVALID_PHONE' },
    { name: 'full-width digits', payload: '{"phone":"+８１９０１２３４５６７８"}', status: 400, code: 'INVALID_PHONE' },
    { name: 'extra key', payload: '{"phone":"+819012345678","admin":true}', status: 400, code: 'VALIDATION_FAILED' },
    {
      name: 'prototype pollution',
      payload: '{"phone":"+819012345678","__proto__":{"enrol":true}}',
      status: 400,
      code: 'INVALID_JSON',
    },
    {
      name: 'constructor pollution',
      payload: '{"phone":"+819012345678","constructor":{"prototype":{"x":1}}}',
      status: 400,
      code: 'INVALID_JSON',
    },
    { name: 'broken JSON', payload: '{"phone":', status: 400, code: 'INVALID_JSON' },
    {
      name: 'enrol as a string',
      payload: '{"phone":"+819012345678","enrol":"true"}',
      status: 400,
      code: 'VALIDATION_FAILED',
    },
    {
      name: 'unknown locale',
      payload: '{"phone":"+819012345678","locale":"xx"}',
      status: 400,
      code: 'VALIDATION_FAILED',
    },
    {
      name: 'wrong content type',
      payload: 'phone=+819012345678',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      status: 415,
      code: 'UNSUPPORTED_MEDIA_TYPE',
    },
    {
      name: 'text/plain',
      payload: '{"phone":"+819012345678"}',
      headers: { 'content-type': 'text/plain' },
      status: 415,
      code: 'UNSUPPORTED_MEDIA_TYPE',
    },
    {
      name: 'oversized body',
      payload: JSON.stringify({ phone: '+819012345678', purpose: 'x'.repeat(40_000) }),
      status: 413,
      code: 'BODY_TOO_LARGE',
    },
  ]
  for (const c of cases) {
    it(`POST /v1/pins: ${c.name} -> ${c.status} ${c.code}`, async () => {
      const before = await keysOf(t)
      const res = await t.app.inject({
        method: 'POST',
        url: c.url ?? '/v1/pins',
        headers: { ...json, ...c.headers },
        payload: c.payload,
      })
      expect(res.statusCode).toBe(c.status)
      expect(res.json()).toEqual({ code: c.code, message: expect.any(String) })
      expect(res.body).not.toMatch(/at .*\.ts:\d+/) // no stack traces
      expect(await keysOf(t)).toEqual(before)
      expect(t.sms.sent).toHaveLength(0)
    })
  }

  it('PINs of the wrong length, non-ASCII or non-string, burn no attempt', async () => {
    const { challengeId } = (
      await t.app.inject({ method: 'POST', url: '/v1/pins', headers: auth, payload: { phone: '+819012349999' } })
    ).json()
    const pin = t.sms.lastPin()
    for (const bad of ['12345', '1234567', '１２３４５６', '12 456', '', 'abcdef']) {
      const res = await t.app.inject({
        method: 'POST',
        url: `/v1/pins/${challengeId}/verify`,
        headers: auth,
        payload: { pin: bad },
      })
      expect(res.statusCode, bad).toBe(400)
      expect(res.json().code, bad).toBe('INVALID_PIN_FORMAT')
    }
    const numeric = await t.app.inject({
      method: 'POST',
      url: `/v1/pins/${challengeId}/verify`,
      headers: json,
      payload: `{"pin":${Number(pin)}}`,
    })
    expect(numeric.json().code).toBe('INVALID_PIN_FORMAT')
    expect((await t.app.verification.status(challengeId))?.attempts).toBe(0)
    expect(
      (
        await t.app.inject({ method: 'POST', url: `/v1/pins/${challengeId}/verify`, headers: auth, payload: { pin } })
      ).json(),
    ).toMatchObject({ status: 'approved', attemptsLeft: 4 })
  })

  it('unknown routes are 404 NOT_FOUND in the same error shape', async () => {
    const res = await t.app.inject({ url: '/v2/anything', headers: auth })
    expect(res.statusCode).toBe(404)
    expect(res.json()).toEqual({ code: 'NOT_FOUND', message: expect.any(String) })
  })
})

describe('observability', () => {
  it('request logs name the route, not the URL: no number, session or challenge id in them', async () => {
    const logged = await useTestApp({ DEFAULT_COUNTRY: 'JP' }, { logs: true })
    for (const url of [
      '/v1/callers/090-8765-4321',
      '/v1/callers/(090)8765.4321',
      '/v1/callers/+81%2090%208765%204321',
    ]) {
      expect((await logged.app.inject({ url, headers: auth })).statusCode).toBe(404)
    }
    await logged.app.inject({
      method: 'POST',
      url: `/v1/pins/${'Z'.repeat(38)}/verify`,
      headers: auth,
      payload: { pin: '123456' },
    })
    await logged.app.inject({ url: '/nowhere/090-8765-4321' })
    const logs = logged.logs()
    expect(logs).toContain('"url":"/v1/callers/:phone"')
    expect(logs).toContain('"url":"/v1/pins/:challengeId/verify"')
    expect(logs).not.toMatch(/8765|Z{38}/)
  })

  it('every response carries a request id, and an incoming x-request-id is kept', async () => {
    expect((await t.app.inject({ url: '/healthz' })).headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/)
    expect(
      (await t.app.inject({ url: '/healthz', headers: { 'x-request-id': 'abc-123' } })).headers['x-request-id'],
    ).toBe('abc-123')
  })

  it('/metrics counts PINs issued and verified, and never shows a PIN or number', async () => {
    const phone = '+819012348888'
    const { challengeId } = (
      await t.app.inject({ method: 'POST', url: '/v1/pins', headers: auth, payload: { phone, purpose: 'login' } })
    ).json()
    const pin = t.sms.lastPin(phone)
    await t.app.inject({ method: 'POST', url: `/v1/pins/${challengeId}/verify`, headers: auth, payload: { pin } })
    const metrics = (await t.app.inject({ url: '/metrics' })).body
    expect(metrics).toMatch(/pinline_pins_issued_total\{purpose="login"\} 1/)
    expect(metrics).toMatch(/pinline_pin_verifications_total\{result="approved"\} [1-9]/)
    expect(metrics).toMatch(/pinline_http_request_duration_seconds_bucket\{.*route="\/v1\/pins\/:challengeId\/verify"/)
    expect(metrics).not.toContain(pin)
    expect(metrics).not.toContain('819012348888')
  })

  it('serves the OpenAPI document and the interactive docs', async () => {
    expect((await t.app.inject({ url: '/openapi.json' })).json().openapi).toMatch(/^3\./)
    const docs = await t.app.inject({ url: '/docs/' })
    expect(docs.statusCode).toBe(200)
    expect(docs.headers['content-type']).toContain('text/html')
  })
})
