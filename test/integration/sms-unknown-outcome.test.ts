import { setTimeout as sleep } from 'node:timers/promises'
import { describe, expect, it } from 'vitest'
import { SmsOutcomeUnknown } from '../../services/auth/src/core/ports.ts'
import { auth, useTestApp, recordingSms, type TestApp } from '../support/app/test-app.ts'
import { issuePin, verifyPin } from '../support/app/pins.ts'

// Finding 5 of the security review: a send whose outcome is unknown (the provider timed out
// after it may have accepted the SMS) must stay counted per number, prefix and day; only a
// definite refusal is taken back. The SNS wire path is in test/faults/sns-faults.test.ts.
const env = { PHONE_MAX_SENDS: '2', SMS_PREFIX_MAX_SENDS: '3', SMS_DAILY_LIMIT: '4' }
async function app() {
  return useTestApp(env, { sms: recordingSms() })
}
const issue = (t: TestApp, phone: string) => issuePin(t.app, { phone })
const counters = async (t: TestApp, phone: string) => ({
  prefix: Number((await t.app.redis.get(t.app.keys.prefixSends(phone.slice(0, -3)))) ?? 0),
  day: Number((await t.app.redis.get(t.app.keys.dailySends(new Date().toISOString().slice(0, 10)))) ?? 0),
})

describe('an SMS whose outcome is unknown stays counted', () => {
  it('per number, prefix and day: the caps hold however slow the provider is', async () => {
    const t = await app()
    t.sms.failNext(10, new SmsOutcomeUnknown('timed out once sent'))
    const phone = '+819044440001'
    const codes = []
    for (let i = 0; i < 4; i++) codes.push((await issue(t, phone)).json().code)
    expect(codes).toEqual(['SMS_SEND_FAILED', 'SMS_SEND_FAILED', 'PHONE_SEND_LIMIT', 'PHONE_SEND_LIMIT'])
    expect(await counters(t, phone)).toEqual({ prefix: 2, day: 2 })
    // Neighbours in the block: the prefix cap (3) is reached by the third unknown send.
    expect((await issue(t, '+819044440002')).json().code).toBe('SMS_SEND_FAILED')
    expect((await issue(t, '+819044440003')).json().code).toBe('PREFIX_SEND_LIMIT')
    // And the day (4): another block, one more unknown send, then the budget is spent.
    expect((await issue(t, '+819055550001')).json().code).toBe('SMS_SEND_FAILED')
    expect((await issue(t, '+819066660001')).json().code).toBe('SMS_BUDGET_EXCEEDED')
  })

  it('a definite refusal is still taken back from every counter', async () => {
    const t = await app()
    t.sms.failNext(2, new Error('provider refused'))
    const phone = '+819077770001'
    expect((await issue(t, phone)).json().code).toBe('SMS_SEND_FAILED')
    expect((await issue(t, phone)).json().code).toBe('SMS_SEND_FAILED')
    expect(await counters(t, phone)).toEqual({ prefix: 0, day: 0 })
    expect((await issue(t, phone)).statusCode).toBe(201)
    expect((await issue(t, phone)).statusCode).toBe(201)
  })

  it('the challenge is withdrawn either way: a code that does arrive grants nothing', async () => {
    const t = await app()
    const hold = t.sms.holdNext()
    const pending = issue(t, '+819088880001')
    await hold.reached
    hold.fail(new SmsOutcomeUnknown('timed out once sent'))
    expect((await pending).json().code).toBe('SMS_SEND_FAILED')
    const challenges = await t.app.redis.keys(`${t.prefix}*:ch:*`)
    expect(challenges).toEqual([])
  })
})

// Finding 3 of the 2026-12-01 review: on a resend, an unknown outcome used to restore the previous
// send time, PIN and send count, so the cooldown and the per-challenge cap never held.
describe('a resend whose outcome is unknown counts as a send of its challenge', () => {
  const resend = (t: TestApp, id: string) =>
    t.app.inject({ method: 'POST', url: `/v1/pins/${id}/resend`, headers: auth })
  const unknown = () => new SmsOutcomeUnknown('timed out once sent')
  const pinIn = (body: string) => body.match(/\b(\d{6})\b/)![1]!

  it('against the per-challenge send cap (PIN_MAX_SENDS)', async () => {
    const t = await useTestApp({ PIN_RESEND_COOLDOWN_SECONDS: '0', PIN_MAX_SENDS: '3', PHONE_MAX_SENDS: '10' })
    const issued = await issue(t, '+819011110001')
    expect(issued.statusCode).toBe(201)
    t.sms.failNext(10, unknown())
    const codes = []
    for (let i = 0; i < 4; i++) codes.push((await resend(t, issued.json().challengeId)).json().code)
    expect(codes).toEqual(['SMS_SEND_FAILED', 'SMS_SEND_FAILED', 'MAX_SENDS_REACHED', 'MAX_SENDS_REACHED'])
    expect(t.sms.attempted).toHaveLength(3)
  })

  it('against the cooldown; neither the previous PIN nor the one that may arrive verifies', async () => {
    const t = await useTestApp({ PIN_RESEND_COOLDOWN_SECONDS: '1' })
    const phone = '+819011110002'
    const { challengeId: id } = (await issue(t, phone)).json()
    const first = t.sms.lastPin(phone)
    await sleep(1100)
    t.sms.failNext(1, unknown())
    expect((await resend(t, id)).json().code).toBe('SMS_SEND_FAILED')
    const maybeArrived = pinIn(t.sms.attempted.at(-1)!.body)
    const again = await resend(t, id)
    expect(again.json().code).toBe('RESEND_COOLDOWN')
    expect(Number(again.headers['retry-after'])).toBeGreaterThan(0)
    expect(t.sms.attempted).toHaveLength(2)
    // The challenge is withdrawn: no PIN of it verifies until a resend that is delivered.
    expect((await verifyPin(t.app, id, first)).json().status).toBe('rejected')
    expect((await verifyPin(t.app, id, maybeArrived)).json().status).toBe('rejected')
    await sleep(1100)
    const resent = await resend(t, id)
    expect(resent.statusCode).toBe(200)
    expect(resent.json().sendsLeft).toBe(2) // of PIN_MAX_SENDS=5: the issue, the unknown send, this one
    expect((await verifyPin(t.app, id, t.sms.lastPin(phone))).json().status).toBe('approved')
  })
})
