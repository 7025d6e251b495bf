import { describe, expect, it } from 'vitest'
import { auth, keysMatching, keysOf, type TestApp, useTestApp, shareTestApp } from '../support/app/test-app.ts'
import { phoneSequence } from '../support/app/phones.ts'
import { registerCaller } from '../support/app/callers.ts'
import { issuePin, verifyPin } from '../support/app/pins.ts'

let t: TestApp
// A fresh valid Japanese mobile number per test, so per-phone counters never collide.
const nextPhone = phoneSequence('90', 10000000)

shareTestApp({}, (app) => (t = app))

const issue = (body: Record<string, unknown>) => issuePin(t.app, body)
const verify = (id: string, pin: string) => verifyPin(t.app, id, pin)
const wrong = (pin: string) => pin.replace(/^./, (d) => String((Number(d) + 1) % 10))

describe('POST /v1/pins', () => {
  it('sends a 6-digit PIN by SMS and returns a pending challenge, never the PIN', async () => {
    const phone = nextPhone()
    const res = await issue({ phone })
    expect(res.statusCode).toBe(201)
    const body = res.json()
    expect(body).toMatchObject({ status: 'pending', sendsLeft: 4 })
    expect(body.challengeId).toMatch(/^[A-Za-z0-9_-]{38}$/)
    expect(Date.parse(body.expiresAt) - Date.now()).toBeGreaterThan(290_000)
    expect(t.sms.sent).toHaveLength(1)
    expect(t.sms.sent[0]!.to).toBe(phone)
    const pin = t.sms.lastPin(phone)
    expect(pin).toMatch(/^\d{6}$/)
    expect(res.body).not.toContain(pin)
  })

  it('stores only an HMAC of the PIN, never the PIN, with a TTL', async () => {
    const phone = nextPhone()
    await issue({ phone })
    const pin = t.sms.lastPin(phone)
    for (const key of await keysOf(t)) {
      const type = await t.app.redis.type(key)
      const dump = type === 'hash' ? JSON.stringify(await t.app.redis.hgetall(key)) : String(await t.app.redis.get(key))
      expect(dump).not.toContain(pin)
      expect(await t.app.redis.pttl(key)).toBeGreaterThan(0)
    }
  })

  it('without a locale, writes to a known caller in their own language', async () => {
    const phone = nextPhone()
    await registerCaller(t, phone, { firstName: 'Aiko', lastName: 'Sato', custLevel: 'Gold', language: 'ja' })
    await issue({ phone })
    expect(t.sms.sent[0]!.body).toContain('認証コード')
  })

  it('normalises the number to E.164 before sending', async () => {
    const res = await issue({ phone: '+81 90-1234-0001' })
    expect(res.statusCode).toBe(201)
    expect(t.sms.sent[0]!.to).toBe('+819012340001')
  })

  it('writes the SMS in the requested language, with the lifetime and a do-not-share warning', async () => {
    await issue({ phone: nextPhone(), locale: 'ja' })
    expect(t.sms.sent[0]!.body).toMatch(/認証コード: \d{6}（有効期限5分）。このコードは誰にも教えないでください/)
    await issue({ phone: nextPhone() })
    expect(t.sms.sent[1]!.body).toMatch(/code is \d{6}\. It expires in 5 min\. Do not share it/)
  })
})

describe('POST /v1/pins/{id}/verify', () => {
  it('approves the right PIN once, and never twice', async () => {
    const phone = nextPhone()
    const { challengeId } = (await issue({ phone })).json()
    const pin = t.sms.lastPin(phone)
    const first = await verify(challengeId, pin)
    expect(first.statusCode).toBe(200)
    expect(first.json()).toMatchObject({ status: 'approved', attemptsLeft: 4 })
    const again = await verify(challengeId, pin)
    expect(again.statusCode).toBe(404)
    expect(again.json().code).toBe('CHALLENGE_NOT_FOUND')
  })

  it('of 20 parallel right answers, exactly one is approved', async () => {
    const phone = nextPhone()
    const { challengeId } = (await issue({ phone })).json()
    const pin = t.sms.lastPin(phone)
    const results = await Promise.all(Array.from({ length: 20 }, () => verify(challengeId, pin)))
    const approved = results.filter((r) => r.statusCode === 200 && r.json().status === 'approved')
    expect(approved).toHaveLength(1)
    expect(results.filter((r) => r.statusCode === 404)).toHaveLength(19)
  })

  it('a wrong PIN counts an attempt but never deletes the challenge', async () => {
    const phone = nextPhone()
    const { challengeId } = (await issue({ phone })).json()
    const pin = t.sms.lastPin(phone)
    expect((await verify(challengeId, wrong(pin))).json()).toEqual({ status: 'rejected', attemptsLeft: 4 })
    expect((await verify(challengeId, pin)).json()).toMatchObject({ status: 'approved', attemptsLeft: 3 })
  })

  it('locks after PIN_MAX_ATTEMPTS wrong PINs: then even the right PIN fails, with Retry-After', async () => {
    const phone = nextPhone()
    const { challengeId } = (await issue({ phone })).json()
    const pin = t.sms.lastPin(phone)
    const left = []
    for (let i = 0; i < 5; i++) left.push((await verify(challengeId, wrong(pin))).json())
    expect(left.map((r) => r.status)).toEqual(['rejected', 'rejected', 'rejected', 'rejected', 'locked'])
    expect(left.slice(0, 4).map((r) => r.attemptsLeft)).toEqual([4, 3, 2, 1])
    const right = await verify(challengeId, pin)
    expect(right.json()).toMatchObject({ status: 'locked', attemptsLeft: 0 })
    expect(Number(right.headers['retry-after'])).toBeGreaterThan(0)
  })

  it('parallel wrong PINs never exceed the attempt cap', async () => {
    const phone = nextPhone()
    const { challengeId } = (await issue({ phone })).json()
    const pin = t.sms.lastPin(phone)
    const results = await Promise.all(Array.from({ length: 30 }, () => verify(challengeId, wrong(pin))))
    expect(results.filter((r) => r.json().status === 'rejected')).toHaveLength(4)
    expect(results.filter((r) => r.json().status === 'locked')).toHaveLength(26)
    expect((await t.app.verification.status(challengeId))?.attempts).toBe(5)
  })

  it('with enrol: true, approval enrols the caller (New / Customer / Welcome) with a trust TTL', async () => {
    const phone = nextPhone()
    expect((await t.app.inject({ url: `/v1/callers/${phone}`, headers: auth })).statusCode).toBe(404)
    const { challengeId } = (await issue({ phone, enrol: true, locale: 'ja' })).json()
    const res = await verify(challengeId, t.sms.lastPin(phone))
    expect(res.json().caller).toMatchObject({
      phone,
      firstName: 'New',
      lastName: 'Customer',
      custLevel: 'Welcome',
      language: 'ja',
    })
    const lookup = await t.app.inject({ url: `/v1/callers/${phone}`, headers: auth })
    expect(lookup.statusCode).toBe(200)
    const days = (Date.parse(lookup.json().trustedUntil) - Date.now()) / 86_400_000
    expect(days).toBeGreaterThan(89.9)
    expect(days).toBeLessThanOrEqual(90)
  })

  it('a wrong PIN with enrol: true enrols no one', async () => {
    const phone = nextPhone()
    const { challengeId } = (await issue({ phone, enrol: true })).json()
    await verify(challengeId, wrong(t.sms.lastPin(phone)))
    expect((await t.app.inject({ url: `/v1/callers/${phone}`, headers: auth })).statusCode).toBe(404)
  })

  it('an expired challenge is not found', async () => {
    const short = await useTestApp({ PIN_TTL_SECONDS: '30' })
    const phone = nextPhone()
    const { challengeId } = (
      await short.app.inject({ method: 'POST', url: '/v1/pins', headers: auth, payload: { phone } })
    ).json()
    // Expire it the way Redis would at the TTL, without waiting 30 s.
    await short.app.redis.pexpire(short.app.keys.challenge(challengeId), 1)
    await new Promise((r) => setTimeout(r, 20))
    const res = await short.app.inject({
      method: 'POST',
      url: `/v1/pins/${challengeId}/verify`,
      headers: auth,
      payload: { pin: short.sms.lastPin(phone) },
    })
    expect(res.statusCode).toBe(404)
    expect(res.json().code).toBe('CHALLENGE_NOT_FOUND')
  })

  it('unknown and malformed challenge ids are 404 CHALLENGE_NOT_FOUND', async () => {
    for (const id of ['A'.repeat(38), 'nope', '../../etc']) {
      const res = await verify(encodeURIComponent(id), '123456')
      expect(res.statusCode).toBe(404)
      expect(res.json().code).toBe('CHALLENGE_NOT_FOUND')
    }
  })
})

describe('POST /v1/pins/{id}/resend', () => {
  it("goes in the language the PIN was issued in: a known caller's (a tag such as ja-JP), else the default", async () => {
    const fast = await useTestApp({ PIN_RESEND_COOLDOWN_SECONDS: '0' })
    const profile = { firstName: 'Aiko', lastName: 'Sato', custLevel: 'Gold' }
    const bodies = async (phone: string, language: string) => {
      await registerCaller(fast, phone, { ...profile, language })
      const { challengeId } = (await issuePin(fast.app, { phone })).json()
      const resent = await fast.app.inject({ method: 'POST', url: `/v1/pins/${challengeId}/resend`, headers: auth })
      expect(resent.statusCode).toBe(200)
      return fast.sms.sent.filter((m) => m.to === phone).map((m) => m.body)
    }
    const japanese = await bodies(nextPhone(), 'ja-JP')
    expect(japanese).toHaveLength(2)
    for (const body of japanese) expect(body).toContain('認証コード')
    // A language we do not write in: the default (English), on the issue and on the resend.
    const other = await bodies(nextPhone(), 'fr')
    expect(other).toHaveLength(2)
    for (const body of other) expect(body).not.toContain('認証コード')
    for (const body of other) expect(body).toMatch(/code/i)
  })

  it('refuses inside the cooldown with 429 RESEND_COOLDOWN and Retry-After', async () => {
    const phone = nextPhone()
    const { challengeId } = (await issue({ phone })).json()
    const res = await t.app.inject({ method: 'POST', url: `/v1/pins/${challengeId}/resend`, headers: auth })
    expect(res.statusCode).toBe(429)
    expect(res.json().code).toBe('RESEND_COOLDOWN')
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(25)
    expect(t.sms.sent).toHaveLength(1)
  })

  it('sends a new PIN (the old one stops working), keeps attempts used, and stops at PIN_MAX_SENDS', async () => {
    const fast = await useTestApp({ PIN_RESEND_COOLDOWN_SECONDS: '0', PIN_MAX_SENDS: '3', PHONE_MAX_SENDS: '10' })
    const phone = nextPhone()
    const call = (url: string, payload?: object) =>
      fast.app.inject({ method: 'POST', url, headers: auth, ...(payload ? { payload } : {}) })
    const { challengeId } = (await call('/v1/pins', { phone })).json()
    const first = fast.sms.lastPin(phone)
    expect((await call(`/v1/pins/${challengeId}/verify`, { pin: wrong(first) })).json().attemptsLeft).toBe(4)
    const resent = await call(`/v1/pins/${challengeId}/resend`)
    expect(resent.statusCode).toBe(200)
    expect(resent.json()).toMatchObject({ challengeId, sendsLeft: 1 })
    const second = fast.sms.lastPin(phone)
    if (second !== first) {
      expect((await call(`/v1/pins/${challengeId}/verify`, { pin: first })).json()).toMatchObject({
        status: 'rejected',
        attemptsLeft: 3,
      })
    }
    expect((await call(`/v1/pins/${challengeId}/resend`)).statusCode).toBe(200)
    const capped = await call(`/v1/pins/${challengeId}/resend`)
    expect(capped.statusCode).toBe(429)
    expect(capped.json().code).toBe('MAX_SENDS_REACHED')
    expect(capped.headers['retry-after']).toBeDefined()
    expect(fast.sms.sent).toHaveLength(3)
    expect((await call(`/v1/pins/${challengeId}/verify`, { pin: fast.sms.lastPin(phone) })).json().status).toBe(
      'approved',
    )
  })
})

describe('per-phone limits', () => {
  it('caps SMS per number per window (PHONE_MAX_SENDS) with Retry-After, and sends nothing more', async () => {
    const phone = nextPhone()
    for (let i = 0; i < 5; i++) expect((await issue({ phone })).statusCode).toBe(201)
    const res = await issue({ phone })
    expect(res.statusCode).toBe(429)
    expect(res.json().code).toBe('PHONE_SEND_LIMIT')
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(800)
    expect(t.sms.sent).toHaveLength(5)
  })

  it('counts failures per number across challenges; new challenges do not reset them', async () => {
    const app = await useTestApp({ PHONE_MAX_FAILURES: '6', PHONE_MAX_SENDS: '10' })
    const phone = nextPhone()
    const call = (url: string, payload: object) => app.app.inject({ method: 'POST', url, headers: auth, payload })
    const a = (await call('/v1/pins', { phone })).json().challengeId
    for (let i = 0; i < 4; i++) await call(`/v1/pins/${a}/verify`, { pin: wrong(app.sms.lastPin(phone)) })
    const b = (await call('/v1/pins', { phone })).json().challengeId
    const pinB = app.sms.lastPin(phone)
    expect((await call(`/v1/pins/${b}/verify`, { pin: wrong(pinB) })).json().status).toBe('rejected')
    // The sixth failure for this number locks it, though challenge b has attempts left.
    expect((await call(`/v1/pins/${b}/verify`, { pin: wrong(pinB) })).json().status).toBe('locked')
    expect((await call(`/v1/pins/${b}/verify`, { pin: pinB })).json().status).toBe('locked')
    const more = await call('/v1/pins', { phone })
    expect(more.statusCode).toBe(429)
    expect(more.json().code).toBe('PHONE_LOCKED')
    expect(Number(more.headers['retry-after'])).toBeGreaterThan(3000)
  })
})

describe('SMS provider failure', () => {
  it('answers 503 SMS_SEND_FAILED, leaves no challenge and does not count the send', async () => {
    const phone = nextPhone()
    t.sms.failNext(1)
    const res = await issue({ phone })
    expect(res.statusCode).toBe(503)
    expect(res.json().code).toBe('SMS_SEND_FAILED')
    expect(await t.app.redis.get(`${t.prefix}{${t.app.keys.phoneId(phone)}}:sends`)).toBe('0')
    expect(await keysMatching(t, `${t.prefix}{${t.app.keys.phoneId(phone)}}:ch:*`)).toEqual([])
    for (let i = 0; i < 5; i++) expect((await issue({ phone })).statusCode).toBe(201)
  })
})
