import { describe, expect, it } from 'vitest'
import { auth, keysMatching, keysOf, type TestApp, useTestApp } from '../support/app/test-app.ts'
import { issuePin } from '../support/app/pins.ts'
import { eventually } from '../support/app/service-env.ts'

// SMS pumping: fraudsters make us text premium or foreign numbers they are paid for. The guards,
// in the order a request meets them: country allow-list, per-phone caps, prefix velocity, daily budget.

const app = useTestApp

const issue = (t: TestApp, phone: string) => issuePin(t.app, { phone })
const today = () => new Date().toISOString().slice(0, 10)
const counters = async (t: TestApp, phone: string) => ({
  prefix: Number((await t.app.redis.get(t.app.keys.prefixSends(phone.slice(0, -3)))) ?? 0),
  day: Number((await t.app.redis.get(t.app.keys.dailySends(today()))) ?? 0),
  phone: Number((await t.app.redis.get(`${t.prefix}{${t.app.keys.phoneId(phone)}}:sends`)) ?? 0),
})
const challengesOf = (t: TestApp, phone: string) => keysMatching(t, `${t.prefix}{${t.app.keys.phoneId(phone)}}:ch:*`)
const secondsToMidnightUtc = () => (86_400_000 - (Date.now() % 86_400_000)) / 1000

describe('destination country allow-list (SMS_ALLOWED_COUNTRIES)', () => {
  it('by default only JP: another country is 422 DESTINATION_NOT_ALLOWED, nothing written or sent', async () => {
    const t = await app()
    for (const phone of ['+447400123456', '+12025550123', '+33612345678']) {
      const res = await issue(t, phone)
      expect(res.statusCode).toBe(422)
      expect(res.json()).toEqual({ code: 'DESTINATION_NOT_ALLOWED', message: expect.any(String) })
    }
    expect(t.sms.sent).toEqual([])
    expect(await keysOf(t)).toEqual([])
    expect((await issue(t, '+819012345001')).statusCode).toBe(201)
  })

  it('numbers of no country (international networks, +882 / +979 / +800) are refused unless the list is *', async () => {
    const t = await app({ SMS_ALLOWED_COUNTRIES: 'JP, GB' })
    for (const phone of ['+8823451234567', '+979123456789', '+80012345678']) {
      expect((await issue(t, phone)).json().code).toBe('DESTINATION_NOT_ALLOWED')
    }
    expect(t.sms.sent).toEqual([])
    expect((await issue(t, '+447400123456')).statusCode).toBe(201)

    const anywhere = await app({ SMS_ALLOWED_COUNTRIES: '*' })
    expect((await issue(anywhere, '+8823451234567')).statusCode).toBe(201)
  })

  it("the country is the number's, not its calling code: +44 7911 is Guernsey, not GB", async () => {
    const t = await app({ SMS_ALLOWED_COUNTRIES: 'GB' })
    expect((await issue(t, '+447911123456')).json().code).toBe('DESTINATION_NOT_ALLOWED')
  })

  it('a resend obeys the list in force now: narrowed during an attack, the resend is refused and not counted', async () => {
    const wide = await app({ SMS_ALLOWED_COUNTRIES: 'JP,GB', PIN_RESEND_COOLDOWN_SECONDS: '0' })
    const phone = '+447400123457'
    const { challengeId } = (await issue(wide, phone)).json()
    const narrow = await app({
      REDIS_KEY_PREFIX: wide.prefix,
      SMS_ALLOWED_COUNTRIES: 'JP',
      PIN_RESEND_COOLDOWN_SECONDS: '0',
    })
    const res = await narrow.app.inject({ method: 'POST', url: `/v1/pins/${challengeId}/resend`, headers: auth })
    expect(res.statusCode).toBe(422)
    expect(res.json().code).toBe('DESTINATION_NOT_ALLOWED')
    expect(narrow.sms.sent).toEqual([])
    expect((await narrow.app.verification.status(challengeId))?.sends).toBe(1)
    expect((await counters(narrow, phone)).phone).toBe(1)
  })
})

describe('prefix velocity (SMS_PREFIX_MAX_SENDS per SMS_PREFIX_WINDOW_SECONDS)', () => {
  it('caps SMS to one block of numbers (the number without its last 3 digits), with Retry-After', async () => {
    const t = await app({ SMS_PREFIX_MAX_SENDS: '3', SMS_PREFIX_WINDOW_SECONDS: '600' })
    for (const phone of ['+819012345001', '+819012345002', '+819012345003'])
      expect((await issue(t, phone)).statusCode).toBe(201)
    const res = await issue(t, '+819012345999')
    expect(res.statusCode).toBe(429)
    expect(res.json().code).toBe('PREFIX_SEND_LIMIT')
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(590)
    expect(Number(res.headers['retry-after'])).toBeLessThanOrEqual(600)
    expect(t.sms.sent).toHaveLength(3)
    // The refused number was charged nothing: its challenge and per-phone count were taken back.
    expect(await challengesOf(t, '+819012345999')).toEqual([])
    expect(await counters(t, '+819012345999')).toEqual({ prefix: 3, day: 3, phone: 0 })
    // The next block is another prefix.
    expect((await issue(t, '+819012346001')).statusCode).toBe(201)
  })

  it('resends count against the prefix too', async () => {
    const t = await app({ SMS_PREFIX_MAX_SENDS: '2', PIN_RESEND_COOLDOWN_SECONDS: '0' })
    const { challengeId } = (await issue(t, '+819012347001')).json()
    expect(
      (await t.app.inject({ method: 'POST', url: `/v1/pins/${challengeId}/resend`, headers: auth })).statusCode,
    ).toBe(200)
    const third = await t.app.inject({ method: 'POST', url: `/v1/pins/${challengeId}/resend`, headers: auth })
    expect(third.statusCode).toBe(429)
    expect(third.json().code).toBe('PREFIX_SEND_LIMIT')
    expect((await t.app.verification.status(challengeId))?.sends).toBe(2) // the refused resend was undone
    expect(t.sms.sent).toHaveLength(2)
  })

  it('of 50 parallel requests to 50 numbers of one block, exactly SMS_PREFIX_MAX_SENDS get an SMS', async () => {
    const t = await app({ SMS_PREFIX_MAX_SENDS: '10' })
    const phones = Array.from({ length: 50 }, (_, i) => `+819012348${String(i).padStart(3, '0')}`)
    const results = await Promise.all(phones.map((p) => issue(t, p)))
    expect(results.filter((r) => r.statusCode === 201)).toHaveLength(10)
    expect(results.filter((r) => r.statusCode === 429 && r.json().code === 'PREFIX_SEND_LIMIT')).toHaveLength(40)
    expect(t.sms.sent).toHaveLength(10)
    expect(await counters(t, phones[0]!)).toMatchObject({ prefix: 10, day: 10 })
  })
})

describe('daily SMS budget (SMS_DAILY_LIMIT)', () => {
  it('over the budget: 503 SMS_BUDGET_EXCEEDED, Retry-After until midnight UTC, nothing sent or counted', async () => {
    const t = await app({ SMS_DAILY_LIMIT: '3' })
    for (const phone of ['+819011111001', '+819022222001', '+819033333001'])
      expect((await issue(t, phone)).statusCode).toBe(201)
    const res = await issue(t, '+819044444001')
    expect(res.statusCode).toBe(503)
    expect(res.json().code).toBe('SMS_BUDGET_EXCEEDED')
    const retryAfter = Number(res.headers['retry-after'])
    expect(retryAfter).toBeGreaterThan(0)
    expect(retryAfter).toBeLessThanOrEqual(Math.ceil(secondsToMidnightUtc()) + 1)
    expect(t.sms.sent).toHaveLength(3)
    expect(await challengesOf(t, '+819044444001')).toEqual([])
    expect(await counters(t, '+819044444001')).toEqual({ prefix: 0, day: 3, phone: 0 })
    // The counter itself expires at midnight UTC.
    expect(
      Math.abs((await t.app.redis.pttl(t.app.keys.dailySends(today()))) / 1000 - secondsToMidnightUtc()),
    ).toBeLessThan(5)
  })

  it("an upgrade carries today's count over from the key names of earlier versions, once: the budget does not start again", async () => {
    const env = { SMS_DAILY_LIMIT: '3', REDIS_KEY_PREFIX: `tadopt${Date.now()}:` }
    const first = await app(env)
    const { legacy } = first.app.keys.legacyDaily(today()).day
    await first.app.redis.set(legacy, '2', 'PX', 3_600_000) // what the earlier version had counted today
    const t = await app(env)
    await app(env) // a second process starting: the count is carried over once, not twice
    const day = async () => Number((await t.app.redis.get(t.app.keys.dailySends(today()))) ?? 0)
    await eventually(async () => (await day()) === 2)
    expect((await issue(t, '+819011111002')).statusCode).toBe(201)
    const res = await issue(t, '+819022222002')
    expect(res.statusCode).toBe(503)
    expect(res.json().code).toBe('SMS_BUDGET_EXCEEDED')
    expect(await day()).toBe(3)
    expect(t.sms.sent).toHaveLength(1)
  })

  it('50 parallel requests under a budget of 7: exactly 7 SMS', async () => {
    const t = await app({ SMS_DAILY_LIMIT: '7' })
    const phones = Array.from({ length: 50 }, (_, i) => `+8190${String(10 + i)}000001`) // 50 different blocks
    const results = await Promise.all(phones.map((p) => issue(t, p)))
    expect(results.filter((r) => r.statusCode === 201)).toHaveLength(7)
    expect(results.filter((r) => r.json().code === 'SMS_BUDGET_EXCEEDED')).toHaveLength(43)
    expect(t.sms.sent).toHaveLength(7)
    expect(Number(await t.app.redis.get(t.app.keys.dailySends(today())))).toBe(7)
  })
})

describe('order of checks and refunds', () => {
  it('a per-phone refusal happens before the prefix and the budget are counted', async () => {
    const t = await app({ PHONE_MAX_SENDS: '1' })
    const phone = '+819055555001'
    expect((await issue(t, phone)).statusCode).toBe(201)
    expect((await issue(t, phone)).json().code).toBe('PHONE_SEND_LIMIT')
    expect(await counters(t, phone)).toEqual({ prefix: 1, day: 1, phone: 1 })
  })

  it('an SMS the provider refuses is taken back from every counter', async () => {
    const t = await app()
    const phone = '+819066666001'
    t.sms.failNext(1)
    expect((await issue(t, phone)).json().code).toBe('SMS_SEND_FAILED')
    expect(await counters(t, phone)).toEqual({ prefix: 0, day: 0, phone: 0 })
  })

  it('refusals are counted by reason in /metrics (an alert on SMS pumping)', async () => {
    const t = await app({ SMS_PREFIX_MAX_SENDS: '1' })
    await issue(t, '+447400123456')
    await issue(t, '+819077777001')
    await issue(t, '+819077777002')
    const metrics = (await t.app.inject('/metrics')).body
    expect(metrics).toContain('pinline_sms_refused_total{reason="country"} 1')
    expect(metrics).toContain('pinline_sms_refused_total{reason="prefix"} 1')
  })
})
