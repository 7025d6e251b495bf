import { describe, expect, it } from 'vitest'
import { SmsOutcomeUnknown } from '../../services/auth/src/core/ports.ts'
import { useTestApp, recordingSms, type TestApp } from '../support/app/test-app.ts'
import { issuePin } from '../support/app/pins.ts'

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
