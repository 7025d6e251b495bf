import { describe, expect, it } from 'vitest'
import { freePort } from '../support/app/free-port.ts'
import { auth, keysOf, type TestApp, useTestApp, shareTestApp } from '../support/app/test-app.ts'
import { phoneSequence } from '../support/app/phones.ts'
import { registerCustomer } from '../support/app/callers.ts'
import { SESSION } from '../../services/auth/src/adapters/redis/sessions/fields.ts'

let t: TestApp
const nextPhone = phoneSequence('70', 40000000)
const wrong = (pin: string) => pin.replace(/^./, (d) => String((Number(d) + 1) % 10))

const call = (app: TestApp, method: 'GET' | 'POST', url: string, payload?: object) =>
  app.app.inject({ method, url, headers: auth, ...(payload ? { payload } : {}) })
const create = (payload: object, app = t) => call(app, 'POST', '/v1/sessions', payload)

/** A session for a phone number, verified with the PIN it was sent. */
async function verifiedSession(app = t) {
  const phone = nextPhone()
  const { sessionId } = (await create({ phone }, app)).json()
  await call(app, 'POST', `/v1/sessions/${sessionId}/pin`)
  const res = await call(app, 'POST', `/v1/sessions/${sessionId}/pin/verify`, { pin: app.sms.lastPin(phone) })
  expect(res.json().authenticated).toBe(true)
  return sessionId as string
}

shareTestApp({ PHONE_MAX_SENDS: '50' }, (app) => (t = app))

describe('POST /v1/sessions', () => {
  it('creates an unverified, empty session that expires SESSION_TTL_SECONDS (900) from now', async () => {
    const res = await create({ email: 'Someone@Example.com', locale: 'ja' })
    expect(res.statusCode).toBe(201)
    const body = res.json()
    expect(body).toEqual({
      sessionId: expect.stringMatching(/^[A-Za-z0-9_-]{22}$/),
      authenticated: false,
      locale: 'ja',
      items: [],
      expiresAt: expect.any(String),
    })
    expect(Date.parse(body.expiresAt) - Date.now()).toBeGreaterThan(895_000)
    expect(await t.app.redis.pttl(t.app.keys.session(body.sessionId))).toBeGreaterThan(895_000)
    expect((await call(t, 'GET', `/v1/sessions/${body.sessionId}`)).json()).toMatchObject({
      sessionId: body.sessionId,
      authenticated: false,
    })
  })

  it('refuses bad input with a clear 4xx and writes nothing', async () => {
    const fresh = await useTestApp()
    const cases: Array<[object, number, string]> = [
      [{}, 400, 'VALIDATION_FAILED'],
      [{ email: 'a@example.com', phone: '+819012345678' }, 400, 'VALIDATION_FAILED'],
      [{ email: 'not-an-email' }, 400, 'INVALID_EMAIL'],
      [{ phone: '12' }, 400, 'INVALID_PHONE'],
      [{ phone: '+８１９０１２３４５６７８' }, 400, 'INVALID_PHONE'],
      [{ email: 'a@example.com', locale: 'fr' }, 400, 'VALIDATION_FAILED'],
      [{ email: 'a@example.com', admin: true }, 400, 'VALIDATION_FAILED'],
      [{ email: 42 }, 400, 'INVALID_EMAIL'],
    ]
    for (const [payload, status, code] of cases) {
      const res = await create(payload, fresh)
      expect([res.statusCode, res.json().code]).toEqual([status, code])
    }
    expect(await keysOf(fresh)).toEqual([])
  })
})

describe('GET /v1/sessions/{id}', () => {
  it('404 SESSION_NOT_FOUND for unknown, malformed and expired sessions', async () => {
    for (const id of ['A'.repeat(22), 'nope', encodeURIComponent('../x')]) {
      const res = await call(t, 'GET', `/v1/sessions/${id}`)
      expect([res.statusCode, res.json().code]).toEqual([404, 'SESSION_NOT_FOUND'])
    }
  })

  it('the TTL slides with every use', async () => {
    const { sessionId } = (await create({ phone: nextPhone() })).json()
    await t.app.redis.pexpire(t.app.keys.session(sessionId), 5_000)
    await call(t, 'GET', `/v1/sessions/${sessionId}`)
    expect(await t.app.redis.pttl(t.app.keys.session(sessionId))).toBeGreaterThan(895_000)
  })

  it('but never past SESSION_MAX_AGE_SECONDS from creation', async () => {
    const short = await useTestApp({ SESSION_TTL_SECONDS: '600', SESSION_MAX_AGE_SECONDS: '900' })
    const { sessionId } = (await create({ phone: nextPhone() }, short)).json()
    const key = short.app.keys.session(sessionId)
    // As if it had been created 14 minutes ago: one minute of its life is left.
    await short.app.redis.hset(key, SESSION.createdAt, String(Date.now() - 14 * 60_000))
    const res = await call(short, 'GET', `/v1/sessions/${sessionId}`)
    expect(Date.parse(res.json().expiresAt) - Date.now()).toBeLessThanOrEqual(60_000)
    expect(await short.app.redis.pttl(key)).toBeLessThanOrEqual(60_000)
    await short.app.redis.hset(key, SESSION.createdAt, String(Date.now() - 16 * 60_000))
    expect((await call(short, 'GET', `/v1/sessions/${sessionId}`)).statusCode).toBe(404)
    expect(await short.app.redis.exists(key)).toBe(0)
  })
})

describe('POST /v1/sessions/{id}/pin', () => {
  it("sends the PIN to the phone registered for the session's e-mail, and says where (masked)", async () => {
    const { phone, email } = await registerCustomer(t, nextPhone(), {
      firstName: 'A',
      lastName: 'B',
      custLevel: 'x',
      language: 'ja',
    })
    const { sessionId } = (await create({ email: email.toUpperCase() })).json()
    const res = await call(t, 'POST', `/v1/sessions/${sessionId}/pin`)
    expect(res.statusCode).toBe(201)
    expect(res.json()).toEqual({
      challengeId: expect.stringMatching(/^[A-Za-z0-9_-]{38}$/),
      status: 'pending',
      channel: 'sms',
      expiresAt: expect.any(String),
      resendAvailableAt: expect.any(String),
      sendsLeft: 4,
      sentTo: `+${'*'.repeat(phone.length - 5)}${phone.slice(-4)}`,
    })
    expect(t.sms.sent.map((m) => m.to)).toEqual([phone])
    expect(res.body).not.toContain(t.sms.lastPin(phone))
    expect((await call(t, 'GET', `/v1/sessions/${sessionId}`)).json().challengeId).toBe(res.json().challengeId)
  })

  it('404 CONTACT_NOT_FOUND, telling the user to contact support, when no phone is registered for the e-mail', async () => {
    const { sessionId } = (await create({ email: 'unknown-person@example.com' })).json()
    const res = await call(t, 'POST', `/v1/sessions/${sessionId}/pin`)
    expect(res.statusCode).toBe(404)
    expect(res.json()).toEqual({ code: 'CONTACT_NOT_FOUND', message: expect.stringContaining('contact support') })
    expect(t.sms.sent).toHaveLength(0)
  })

  it('asking again inside the cooldown: 429 RESEND_COOLDOWN with Retry-After, no SMS', async () => {
    const { sessionId } = (await create({ phone: nextPhone() })).json()
    await call(t, 'POST', `/v1/sessions/${sessionId}/pin`)
    const again = await call(t, 'POST', `/v1/sessions/${sessionId}/pin`)
    expect([again.statusCode, again.json().code]).toEqual([429, 'RESEND_COOLDOWN'])
    expect(Number(again.headers['retry-after'])).toBeGreaterThan(25)
    expect(t.sms.sent).toHaveLength(1)
  })

  it('ten parallel requests for a new session send exactly one SMS, all for the same challenge', async () => {
    const phone = nextPhone()
    const { sessionId } = (await create({ phone })).json()
    const results = await Promise.all(
      Array.from({ length: 10 }, () => call(t, 'POST', `/v1/sessions/${sessionId}/pin`)),
    )
    const ids = new Set(results.filter((r) => r.statusCode === 201).map((r) => r.json().challengeId))
    expect(ids.size).toBe(1)
    // The others are told to wait: the PIN is still being sent, or was sent moments ago.
    expect(
      results.every((r) => r.statusCode === 201 || ['SMS_SEND_IN_PROGRESS', 'RESEND_COOLDOWN'].includes(r.json().code)),
    ).toBe(true)
    expect(t.sms.sent).toHaveLength(1)
  })

  it('SMS provider failure: 503 SMS_SEND_FAILED, nothing bound or counted, the next request works', async () => {
    const phone = nextPhone()
    const { sessionId } = (await create({ phone })).json()
    t.sms.failNext(1)
    const failed = await call(t, 'POST', `/v1/sessions/${sessionId}/pin`)
    expect([failed.statusCode, failed.json().code]).toEqual([503, 'SMS_SEND_FAILED'])
    expect((await call(t, 'GET', `/v1/sessions/${sessionId}`)).json()).not.toHaveProperty('challengeId')
    expect((await call(t, 'POST', `/v1/sessions/${sessionId}/pin`)).statusCode).toBe(201)
    expect(t.sms.sent).toHaveLength(1)
  })
})

describe('POST /v1/sessions/{id}/pin/verify', () => {
  it('wrong then right: rejected, then approved and authenticated; then 409 for more PINs', async () => {
    const phone = nextPhone()
    const { sessionId } = (await create({ phone })).json()
    const before = await call(t, 'POST', `/v1/sessions/${sessionId}/pin/verify`, { pin: '123456' })
    expect([before.statusCode, before.json().code]).toEqual([404, 'CHALLENGE_NOT_FOUND'])
    await call(t, 'POST', `/v1/sessions/${sessionId}/pin`)
    const pin = t.sms.lastPin(phone)
    expect((await call(t, 'POST', `/v1/sessions/${sessionId}/pin/verify`, { pin: wrong(pin) })).json()).toEqual({
      status: 'rejected',
      attemptsLeft: 4,
      authenticated: false,
    })
    expect((await call(t, 'POST', `/v1/sessions/${sessionId}/pin/verify`, { pin })).json()).toEqual({
      status: 'approved',
      attemptsLeft: 3,
      authenticated: true,
    })
    const session = (await call(t, 'GET', `/v1/sessions/${sessionId}`)).json()
    expect(session).toMatchObject({ authenticated: true })
    expect(session).not.toHaveProperty('challengeId')
    for (const url of [`/v1/sessions/${sessionId}/pin/verify`, `/v1/sessions/${sessionId}/pin`]) {
      const res = await call(t, 'POST', url, url.endsWith('verify') ? { pin } : undefined)
      expect([res.statusCode, res.json().code]).toEqual([409, 'SESSION_ALREADY_AUTHENTICATED'])
    }
  })

  it('of 20 parallel right PINs exactly one is approved, and the session is authenticated once', async () => {
    const phone = nextPhone()
    const { sessionId } = (await create({ phone })).json()
    await call(t, 'POST', `/v1/sessions/${sessionId}/pin`)
    const pin = t.sms.lastPin(phone)
    const results = await Promise.all(
      Array.from({ length: 20 }, () => call(t, 'POST', `/v1/sessions/${sessionId}/pin/verify`, { pin })),
    )
    expect(results.filter((r) => r.statusCode === 200 && r.json().status === 'approved')).toHaveLength(1)
    expect(results.every((r) => r.statusCode === 200 || [404, 409].includes(r.statusCode))).toBe(true)
  })

  it('locks with the challenge: then 429 CHALLENGE_LOCKED for a new PIN, with Retry-After', async () => {
    const phone = nextPhone()
    const { sessionId } = (await create({ phone })).json()
    await call(t, 'POST', `/v1/sessions/${sessionId}/pin`)
    const pin = t.sms.lastPin(phone)
    let last: Awaited<ReturnType<typeof call>> | undefined
    for (let i = 0; i < 5; i++)
      last = await call(t, 'POST', `/v1/sessions/${sessionId}/pin/verify`, { pin: wrong(pin) })
    expect(last!.json()).toMatchObject({ status: 'locked', attemptsLeft: 0, authenticated: false })
    expect(Number(last!.headers['retry-after'])).toBeGreaterThan(0)
    const more = await call(t, 'POST', `/v1/sessions/${sessionId}/pin`)
    expect([more.statusCode, more.json().code]).toEqual([429, 'CHALLENGE_LOCKED'])
    expect(t.sms.sent).toHaveLength(1)
  })

  it('malformed PINs: 400 INVALID_PIN_FORMAT, not counted', async () => {
    const phone = nextPhone()
    const { sessionId } = (await create({ phone })).json()
    const { challengeId } = (await call(t, 'POST', `/v1/sessions/${sessionId}/pin`)).json()
    for (const pin of ['12345', '1234567', '１２３４５６', 123456]) {
      const res = await call(t, 'POST', `/v1/sessions/${sessionId}/pin/verify`, { pin })
      expect(res.statusCode).toBe(400)
    }
    expect((await t.app.verification.status(challengeId))?.attempts).toBe(0)
  })
})

describe('POST /v1/sessions/{id}/items', () => {
  it('401 SESSION_NOT_AUTHENTICATED before the PIN, and nothing is added', async () => {
    const { sessionId } = (await create({ phone: nextPhone() })).json()
    const res = await call(t, 'POST', `/v1/sessions/${sessionId}/items`, { item: 'pizza' })
    expect([res.statusCode, res.json().code]).toEqual([401, 'SESSION_NOT_AUTHENTICATED'])
    expect((await call(t, 'GET', `/v1/sessions/${sessionId}`)).json().items).toEqual([])
  })

  it('adds by id or by name in any language, accumulating quantities, and stays authenticated', async () => {
    const sessionId = await verifiedSession()
    expect((await call(t, 'POST', `/v1/sessions/${sessionId}/items`, { item: 'pizza' })).statusCode).toBe(201)
    await call(t, 'POST', `/v1/sessions/${sessionId}/items`, { item: 'ラーメン', quantity: 2 })
    const res = await call(t, 'POST', `/v1/sessions/${sessionId}/items`, { item: 'PIZZA', quantity: 3 })
    expect(res.statusCode).toBe(201)
    expect(res.json()).toMatchObject({
      sessionId,
      authenticated: true,
      items: [
        { id: 'pizza', name: 'Pizza', quantity: 4, price: 1200, currency: 'JPY' },
        { id: 'ramen', name: 'Ramen', quantity: 2, price: 950, currency: 'JPY' },
      ],
    })
  })

  it('422 UNKNOWN_MENU_ITEM; 422 ORDER_LIMIT_REACHED past 99 of one item; 400 for bad quantities', async () => {
    const sessionId = await verifiedSession()
    const url = `/v1/sessions/${sessionId}/items`
    const unknown = await call(t, 'POST', url, { item: 'lobster' })
    expect([unknown.statusCode, unknown.json().code]).toEqual([422, 'UNKNOWN_MENU_ITEM'])
    expect((await call(t, 'POST', url, { item: 'salad', quantity: 99 })).statusCode).toBe(201)
    const over = await call(t, 'POST', url, { item: 'salad' })
    expect([over.statusCode, over.json().code]).toEqual([422, 'ORDER_LIMIT_REACHED'])
    for (const quantity of [0, 100, 1.5, '2']) {
      expect((await call(t, 'POST', url, { item: 'salad', quantity })).statusCode).toBe(400)
    }
    expect((await call(t, 'GET', `/v1/sessions/${sessionId}`)).json().items).toEqual([
      { id: 'salad', name: 'Salad', quantity: 99, price: 700, currency: 'JPY' },
    ])
  })

  it('404 SESSION_NOT_FOUND for a session that does not exist', async () => {
    const res = await call(t, 'POST', `/v1/sessions/${'Z'.repeat(22)}/items`, { item: 'pizza' })
    expect([res.statusCode, res.json().code]).toEqual([404, 'SESSION_NOT_FOUND'])
  })
})

describe('Redis down', () => {
  it('503 DEPENDENCY_UNAVAILABLE; nothing sent', async () => {
    const down = await useTestApp({ REDIS_URL: `redis://127.0.0.1:${await freePort()}` })
    const created = await create({ phone: nextPhone() }, down)
    expect([created.statusCode, created.json().code]).toEqual([503, 'DEPENDENCY_UNAVAILABLE'])
    const read = await call(down, 'GET', `/v1/sessions/${'A'.repeat(22)}`)
    expect(read.statusCode).toBe(503)
    expect(down.sms.sent).toHaveLength(0)
  })
})
