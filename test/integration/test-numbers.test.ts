import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { auth, buildTestApp, keysOf, type TestApp } from '../support/app/test-app.ts'

// QA and app-store review log in with a fixed code: no SMS is sent, and every use is logged.
const TEST_PHONE = '+819099990001'
const CODE = '246810'

let t: TestApp
beforeAll(async () => {
  t = await buildTestApp(
    {
      TEST_NUMBERS: `${TEST_PHONE}:${CODE}, +81 90 9999 0002:135790`,
      PIN_RESEND_COOLDOWN_SECONDS: '0',
      PHONE_MAX_SENDS: '20',
    },
    { logs: true },
  )
})
afterAll(() => t.app.close())

const post = (url: string, payload?: object) =>
  t.app.inject({ method: 'POST', url, headers: auth, ...(payload ? { payload } : {}) })
const logLines = () =>
  t
    .logs()
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>)

describe('TEST_NUMBERS', () => {
  it('a test number gets its fixed code and no SMS; the code approves once, like any PIN', async () => {
    const res = await post('/v1/pins', { phone: TEST_PHONE })
    expect(res.statusCode).toBe(201)
    expect(t.sms.sent).toEqual([])
    const { challengeId } = res.json()
    expect((await post(`/v1/pins/${challengeId}/verify`, { pin: '000000' })).json().status).toBe('rejected')
    expect((await post(`/v1/pins/${challengeId}/verify`, { pin: CODE })).json().status).toBe('approved')
    expect((await post(`/v1/pins/${challengeId}/verify`, { pin: CODE })).statusCode).toBe(404)
  })

  it('a resend keeps the fixed code and sends nothing', async () => {
    const { challengeId } = (await post('/v1/pins', { phone: '+819099990002' })).json()
    expect((await post(`/v1/pins/${challengeId}/resend`)).statusCode).toBe(200)
    expect(t.sms.sent).toEqual([])
    expect((await post(`/v1/pins/${challengeId}/verify`, { pin: '135790' })).json().status).toBe('approved')
  })

  it('touches no SMS spend counter (nothing is sent), but the per-phone caps still apply', async () => {
    await post('/v1/pins', { phone: TEST_PHONE })
    const keys = await keysOf(t)
    expect(keys.some((k) => k.endsWith(`{d:${new Date().toISOString().slice(0, 10)}}:sends`))).toBe(false)
    expect(keys.some((k) => k.includes('{p:'))).toBe(false)
    expect(keys).toContain(`${t.prefix}{${t.app.keys.phoneId(TEST_PHONE)}}:sends`)
  })

  it('every use is logged, with the number masked and never the code', async () => {
    const { challengeId } = (await post('/v1/pins', { phone: TEST_PHONE })).json()
    await post(`/v1/pins/${challengeId}/resend`)
    await post(`/v1/pins/${challengeId}/verify`, { pin: CODE })
    const uses = logLines().filter((l) => l.msg === 'test number used: no SMS sent')
    expect(uses.map((l) => l.action)).toEqual(expect.arrayContaining(['issue', 'verify', 'resend']))
    expect(uses.every((l) => l.testNumber === '+********0001' || l.testNumber === '+********0002')).toBe(true)
    expect(t.logs()).not.toContain(TEST_PHONE)
    expect(t.logs()).not.toContain(CODE)
  })

  it('other numbers are unaffected: they get a random PIN by SMS', async () => {
    const res = await post('/v1/pins', { phone: '+819099990003' })
    expect(res.statusCode).toBe(201)
    expect(t.sms.sent).toHaveLength(1)
  })
})
