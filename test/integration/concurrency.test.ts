import { describe, expect, it } from 'vitest'
import { auth, type TestApp, useTestApp } from '../support/app/test-app.ts'

// Races beyond those in pins.test.ts: every cap holds when the requests arrive together.

const app = (env: Record<string, string> = {}) =>
  useTestApp({ RATE_LIMIT_PER_KEY: '100000', RATE_LIMIT_PER_IP: '100000', ...env })
const post = (t: TestApp, url: string, payload?: object) =>
  t.app.inject({ method: 'POST', url, headers: auth, ...(payload ? { payload } : {}) })
const wrong = (pin: string) => pin.replace(/^./, (d) => String((Number(d) + 1) % 10))

describe('concurrency', () => {
  it('50 parallel PIN requests for one number: exactly PHONE_MAX_SENDS SMS', async () => {
    const t = await app()
    const results = await Promise.all(Array.from({ length: 50 }, () => post(t, '/v1/pins', { phone: '+819012600001' })))
    expect(results.filter((r) => r.statusCode === 201)).toHaveLength(5)
    expect(results.filter((r) => r.json().code === 'PHONE_SEND_LIMIT')).toHaveLength(45)
    expect(t.sms.sent).toHaveLength(5)
  })

  it('50 parallel resends of one challenge: exactly PIN_MAX_SENDS SMS in all', async () => {
    const t = await app({ PIN_RESEND_COOLDOWN_SECONDS: '0', PHONE_MAX_SENDS: '100' })
    const { challengeId } = (await post(t, '/v1/pins', { phone: '+819012600002' })).json()
    const results = await Promise.all(Array.from({ length: 50 }, () => post(t, `/v1/pins/${challengeId}/resend`)))
    expect(results.filter((r) => r.statusCode === 200)).toHaveLength(4)
    expect(t.sms.sent).toHaveLength(5)
    expect((await t.app.verification.status(challengeId))?.sends).toBe(5)
  })

  it('50 parallel checks, the right PIN among wrong ones: at most one approval, never past the attempt cap', async () => {
    const t = await app()
    const phone = '+819012600003'
    const { challengeId } = (await post(t, '/v1/pins', { phone })).json()
    const pin = t.sms.lastPin(phone)
    const pins = Array.from({ length: 50 }, (_, i) => (i % 10 === 0 ? pin : wrong(pin)))
    const results = await Promise.all(pins.map((p) => post(t, `/v1/pins/${challengeId}/verify`, { pin: p })))
    const statuses = results.map((r) => r.json().status ?? r.json().code)
    expect(statuses.filter((s) => s === 'approved').length).toBeLessThanOrEqual(1)
    expect(statuses.filter((s) => s === 'rejected').length).toBeLessThanOrEqual(4)
    // Either the right PIN won before the cap (challenge gone) or the cap locked it first.
    const state = await t.app.verification.status(challengeId)
    if (statuses.includes('approved')) expect(state).toBeUndefined()
    else expect(state).toMatchObject({ status: 'locked', attempts: 5 })
  })
})
