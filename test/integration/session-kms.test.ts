import { randomUUID } from 'node:crypto'
import { Writable } from 'node:stream'
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it, onTestFinished } from 'vitest'
import { buildApp } from '../../services/auth/src/app.ts'
import { loadConfig } from '../../services/auth/src/config.ts'
import { loggerOptions } from '../../services/auth/src/logging.ts'
import { encryptPin, OTHER_KEY, PIN_KEY, tamper, useKmsStandIn } from '../support/stand-ins/kms-client.ts'
import type { KmsStandIn } from '../support/stand-ins/kms-stand-in.ts'
import { lexEvent, slot, type Json } from '../support/events/lex-events.ts'
import {
  TEST_API_KEY,
  TEST_SECRET,
  auth,
  buildTestApp,
  recordingSms,
  type TestApp,
  useTestApp,
} from '../support/app/test-app.ts'
import { phoneSequence } from '../support/app/phones.ts'
import { registerCustomer } from '../support/app/callers.ts'
import { postLex } from '../support/app/channels.ts'

// The Lex bot's text modality: the client encrypts the PIN with KMS (EncryptionContext
// {challengeId}) and sends the ciphertext. Real @aws-sdk/client-kms on both sides, against
// the wire-level KMS stand-in (real AES-GCM, so tampering and wrong contexts really fail).

const KEY = PIN_KEY
let kms: KmsStandIn
let t: TestApp
const nextPhone = phoneSequence('80', 30000000)
const wrong = (pin: string) => pin.replace(/^./, (d) => String((Number(d) + 1) % 10))

const encrypt = (plaintext: string, challengeId: string, keyId = KEY) => encryptPin(kms, plaintext, challengeId, keyId)

/** A phone session with a PIN sent: its id, challenge id and the PIN. */
async function pinnedSession(app: TestApp) {
  const phone = nextPhone()
  const { sessionId } = (
    await app.app.inject({ method: 'POST', url: '/v1/sessions', headers: auth, payload: { phone } })
  ).json()
  const sent = await app.app.inject({ method: 'POST', url: `/v1/sessions/${sessionId}/pin`, headers: auth })
  expect(sent.statusCode).toBe(201)
  return { sessionId: sessionId as string, challengeId: sent.json().challengeId as string, pin: app.sms.lastPin(phone) }
}

const verify = (app: TestApp, sessionId: string, payload: object) =>
  app.app.inject({ method: 'POST', url: `/v1/sessions/${sessionId}/pin/verify`, headers: auth, payload })
const attempts = async (app: TestApp, challengeId: string) => (await app.app.verification.status(challengeId))?.attempts

useKmsStandIn((stand) => (kms = stand))
beforeAll(async () => {
  t = await buildTestApp({
    KMS_KEY_ID: KEY,
    KMS_TIMEOUT_MS: '300',
    PIN_RESEND_COOLDOWN_SECONDS: '0',
    PHONE_MAX_SENDS: '50',
  })
})
afterAll(() => t.app.close())
beforeEach(() => kms.setDown(false))

describe('POST /v1/sessions/{id}/pin/verify with encryptedPin', () => {
  it('decrypts with the pinned key and the challenge as context, and authenticates the session', async () => {
    const s = await pinnedSession(t)
    const before = kms.decryptCount()
    const res = await verify(t, s.sessionId, { encryptedPin: await encrypt(s.pin, s.challengeId) })
    expect(res.statusCode).toBe(200)
    expect(res.json()).toEqual({ status: 'approved', attemptsLeft: 4, authenticated: true })
    expect(kms.decryptCount()).toBe(before + 1)
  })

  it('a wrong PIN, encrypted properly, is just a wrong PIN', async () => {
    const s = await pinnedSession(t)
    const res = await verify(t, s.sessionId, { encryptedPin: await encrypt(wrong(s.pin), s.challengeId) })
    expect(res.json()).toEqual({ status: 'rejected', attemptsLeft: 4, authenticated: false })
  })

  it.each([
    ['tampered', async (pin: string, id: string) => tamper(await encrypt(pin, id))],
    [
      'made for another challenge',
      async (pin: string) => encrypt(pin, `${'B'.repeat(16)}${randomUUID().replace(/-/g, '').slice(0, 22)}`),
    ],
    ['made under another key', async (pin: string, id: string) => encrypt(pin, id, OTHER_KEY)],
  ])('%s ciphertext: 400 INVALID_CIPHERTEXT, counted as a failed attempt', async (_name, make) => {
    const s = await pinnedSession(t)
    const res = await verify(t, s.sessionId, { encryptedPin: await make(s.pin, s.challengeId) })
    expect(res.statusCode).toBe(400)
    expect(res.json()).toEqual({
      code: 'INVALID_CIPHERTEXT',
      message: expect.stringContaining('counted as a wrong PIN (4 attempts left)'),
    })
    expect(await attempts(t, s.challengeId)).toBe(1)
    // The real PIN still works, one attempt down.
    expect((await verify(t, s.sessionId, { encryptedPin: await encrypt(s.pin, s.challengeId) })).json()).toMatchObject({
      status: 'approved',
      attemptsLeft: 3,
    })
  })

  it('unreadable ciphertexts lock the challenge like wrong PINs do', async () => {
    const strict = await useTestApp({ KMS_KEY_ID: KEY, PIN_MAX_ATTEMPTS: '2' })
    const s = await pinnedSession(strict)
    expect(
      (await verify(strict, s.sessionId, { encryptedPin: tamper(await encrypt(s.pin, s.challengeId)) })).statusCode,
    ).toBe(400)
    const last = await verify(strict, s.sessionId, { encryptedPin: tamper(await encrypt(s.pin, s.challengeId)) })
    expect(last.json().message).toMatch(/the challenge is now locked/)
    const right = await verify(strict, s.sessionId, { encryptedPin: await encrypt(s.pin, s.challengeId) })
    expect(right.json()).toMatchObject({ status: 'locked', authenticated: false })
    expect(Number(right.headers['retry-after'])).toBeGreaterThan(0)
  })

  it('input that is not a ciphertext at all: 400 INVALID_CIPHERTEXT, KMS not asked, nothing counted', async () => {
    const s = await pinnedSession(t)
    const before = kms.decryptCount()
    for (const encryptedPin of ['not base64!', 'abc', '====', 'QUJD\n', 'Ａ'.repeat(8), 'A'.repeat(8196)]) {
      const res = await verify(t, s.sessionId, { encryptedPin })
      expect(res.statusCode).toBe(400)
      expect(['INVALID_CIPHERTEXT', 'VALIDATION_FAILED']).toContain(res.json().code)
    }
    expect(kms.decryptCount()).toBe(before)
    expect(await attempts(t, s.challengeId)).toBe(0)
  })

  it('a genuine ciphertext of something that is not a PIN: 400 INVALID_PIN_FORMAT, not counted', async () => {
    const s = await pinnedSession(t)
    for (const plaintext of ['abcdef', `${s.pin} `, '１２３４５６', '']) {
      const res = await verify(t, s.sessionId, { encryptedPin: await encrypt(plaintext, s.challengeId) })
      expect(res.statusCode).toBe(400)
      expect(res.json().code).toBe('INVALID_PIN_FORMAT')
    }
    expect(await attempts(t, s.challengeId)).toBe(0)
  })

  it('KMS down: 503 DEPENDENCY_UNAVAILABLE, no attempt used, not authenticated; works once KMS is back', async () => {
    const s = await pinnedSession(t)
    const encryptedPin = await encrypt(s.pin, s.challengeId)
    kms.setDown(true)
    const res = await verify(t, s.sessionId, { encryptedPin })
    expect(res.statusCode).toBe(503)
    expect(res.json().code).toBe('DEPENDENCY_UNAVAILABLE')
    expect(await attempts(t, s.challengeId)).toBe(0)
    expect((await t.app.inject({ url: `/v1/sessions/${s.sessionId}`, headers: auth })).json().authenticated).toBe(false)
    kms.setDown(false)
    expect((await verify(t, s.sessionId, { encryptedPin })).json()).toMatchObject({
      status: 'approved',
      attemptsLeft: 4,
    })
  })

  it('KMS hanging: 503 within the configured time box (KMS_TIMEOUT_MS x KMS_MAX_ATTEMPTS), no attempt used', async () => {
    const s = await pinnedSession(t)
    const encryptedPin = await encrypt(s.pin, s.challengeId)
    kms.failNext(2, 'hang')
    const started = Date.now()
    const res = await verify(t, s.sessionId, { encryptedPin })
    expect(res.statusCode).toBe(503)
    expect(Date.now() - started).toBeLessThan(2500)
    expect(await attempts(t, s.challengeId)).toBe(0)
  })

  it('without KMS_KEY_ID: 400 ENCRYPTION_NOT_CONFIGURED saying so, nothing counted', async () => {
    const plain = await useTestApp()
    const s = await pinnedSession(plain)
    const res = await verify(plain, s.sessionId, { encryptedPin: await encrypt(s.pin, s.challengeId) })
    expect(res.statusCode).toBe(400)
    expect(res.json()).toEqual({
      code: 'ENCRYPTION_NOT_CONFIGURED',
      message: expect.stringMatching(/KMS_KEY_ID is not set/),
    })
    expect(await attempts(plain, s.challengeId)).toBe(0)
  })

  it('exactly one of pin and encryptedPin', async () => {
    const s = await pinnedSession(t)
    for (const payload of [{}, { pin: s.pin, encryptedPin: await encrypt(s.pin, s.challengeId) }]) {
      const res = await verify(t, s.sessionId, payload)
      expect(res.statusCode).toBe(400)
      expect(res.json().code).toBe('VALIDATION_FAILED')
    }
    expect(await attempts(t, s.challengeId)).toBe(0)
  })
})

describe('Lex text modality: encryptedPin session attribute', () => {
  async function lexCustomer(app: TestApp) {
    const profile = { firstName: 'K', lastName: 'M', custLevel: 'Gold', language: 'en' }
    const { phone, email } = await registerCustomer(app, nextPhone(), profile)
    const sessionId = randomUUID()
    const say = (attrs: Record<string, string> = {}, slots: Record<string, Json> = { Food: slot('pizza') }) =>
      postLex(app, lexEvent({ intent: 'OrderFood', sessionId, sessionAttributes: { email, ...attrs }, slots }))
    const asked = await say()
    return {
      phone,
      say,
      challengeId: asked.sessionState.sessionAttributes.uuid as string,
      pin: () => app.sms.lastPin(phone),
    }
  }

  it('a right encrypted PIN verifies and orders; the one-shot attribute is not echoed back', async () => {
    const c = await lexCustomer(t)
    const r = await c.say({ encryptedPin: await encrypt(c.pin(), c.challengeId) })
    expect(r.sessionState.intent.state).toBe('Fulfilled')
    expect(r.sessionState.sessionAttributes.auth).toBe('true')
    expect(r.sessionState.sessionAttributes).not.toHaveProperty('encryptedPin')
  })

  it('a tampered one counts as wrong: a fresh PIN is sent and asked for', async () => {
    const c = await lexCustomer(t)
    const r = await c.say({ encryptedPin: tamper(await encrypt(c.pin(), c.challengeId)) })
    expect(r.sessionState.dialogAction).toEqual({ type: 'ElicitSlot', slotToElicit: 'Pin' })
    expect(r.messages[0].content).toMatch(/^I couldn't read that PIN\. I've sent a new PIN/)
    expect(await attempts(t, c.challengeId)).toBe(1)
    expect((await c.say({ encryptedPin: await encrypt(c.pin(), c.challengeId) })).sessionState.intent.state).toBe(
      'Fulfilled',
    )
  })

  it('KMS down: Close/Failed "try again", no attempt used, and the unchecked attribute is dropped', async () => {
    const c = await lexCustomer(t)
    const encryptedPin = await encrypt(c.pin(), c.challengeId)
    kms.setDown(true)
    const r = await c.say({ encryptedPin })
    expect(r.sessionState.intent.state).toBe('Failed')
    expect(r.messages[0].content).toMatch(/something went wrong on our side/)
    expect(r.sessionState.sessionAttributes).not.toHaveProperty('encryptedPin')
    expect(await attempts(t, c.challengeId)).toBe(0)
  })

  it('without KMS_KEY_ID: Close/Failed saying encrypted PINs are not accepted', async () => {
    const plain = await useTestApp()
    const c = await lexCustomer(plain)
    const r = await c.say({ encryptedPin: await encrypt(c.pin(), c.challengeId) })
    expect(r.sessionState.intent.state).toBe('Failed')
    expect(r.messages[0].content).toMatch(/can't accept encrypted PINs/)
  })
})

describe('logs', () => {
  it('never contain a PIN, a ciphertext, a full phone number or an e-mail address, even at trace level', async () => {
    let logs = ''
    const stream = new Writable({
      write(chunk, _enc, done) {
        logs += String(chunk)
        done()
      },
    })
    const config = loadConfig({
      NODE_ENV: 'test',
      REDIS_URL: inject('redisUrl'),
      REDIS_MODE: inject('redisMode'),
      REDIS_KEY_PREFIX: `t${randomUUID().slice(0, 8)}:`,
      PIN_HMAC_SECRET: TEST_SECRET,
      API_KEYS: TEST_API_KEY,
      KMS_KEY_ID: KEY,
      PIN_RESEND_COOLDOWN_SECONDS: '0',
    })
    const sms = recordingSms()
    const app = await buildApp({ config, sms, logger: { ...loggerOptions('trace'), stream } })
    onTestFinished(() => app.close())
    const logged: TestApp = { app, config, sms, prefix: config.redis.keyPrefix, logs: () => logs }
    const c = await registerCustomer(logged, nextPhone(), {
      firstName: 'L',
      lastName: 'G',
      custLevel: 'x',
      language: 'en',
    })
    const event = (attrs: Record<string, string>, slots: Record<string, Json> = {}) =>
      postLex(
        logged,
        lexEvent({
          intent: 'OrderFood',
          sessionId: 'log-session-1',
          sessionAttributes: { email: c.email, ...attrs },
          slots,
        }),
      )
    const challengeId = (await event({})).sessionState.sessionAttributes.uuid
    const first = sms.lastPin(c.phone)
    await event({}, { Pin: slot(wrong(first)) })
    const tampered = tamper(await encrypt(sms.lastPin(c.phone), challengeId))
    await event({ encryptedPin: tampered })
    const encrypted = await encrypt(sms.lastPin(c.phone), challengeId)
    kms.setDown(true)
    await event({ encryptedPin: encrypted })
    kms.setDown(false)
    expect((await event({ encryptedPin: encrypted }, { Food: slot('pizza') })).sessionState.intent.state).toBe(
      'Fulfilled',
    )
    const s = await pinnedSession(logged)
    expect((await verify(logged, s.sessionId, { pin: s.pin })).json().status).toBe('approved')

    // The paths ran and were logged (the KMS outage at error level), without the secrets.
    expect(logs).toContain('"lex":{"outcome":"DEPENDENCY_UNAVAILABLE"}')
    for (const secret of [
      first,
      ...sms.sent.map((m) => m.body.match(/\d{6}/)![0]),
      tampered,
      encrypted,
      c.phone,
      c.phone.slice(1),
      c.email,
    ]) {
      expect(logs).not.toContain(secret)
    }
  })
})
