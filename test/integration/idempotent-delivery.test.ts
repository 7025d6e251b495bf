import { randomUUID } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { createChallengeStore } from '../../services/auth/src/adapters/redis/challenges/store.ts'
import { pinDigest } from '../../services/auth/src/core/pin.ts'
import { connectEvent } from '../support/events/connect-events.ts'
import { lexEvent, slot } from '../support/events/lex-events.ts'
import { auth, TEST_SECRET, type TestApp, shareTestApp } from '../support/app/test-app.ts'
import { phoneSequence } from '../support/app/phones.ts'
import { registerCustomer } from '../support/app/callers.ts'
import { postConnect, postLex } from '../support/app/channels.ts'
import { CHALLENGE } from '../../services/auth/src/adapters/redis/challenges/fields.ts'
import { SESSION } from '../../services/auth/src/adapters/redis/sessions/fields.ts'

// An idempotent issue (Connect's sendPin keyed by the contact, an order session's PIN keyed by
// its generation) must never answer "sent" for a challenge whose SMS was not delivered:
// (a) the create script ran but its reply was lost (Redis slow), so nothing was ever sent;
// (b) the first request is still waiting on the SMS provider when the retry arrives.

let t: TestApp
const nextPhone = phoneSequence('70', 60000000)

shareTestApp({ PHONE_MAX_SENDS: '50' }, (app) => (t = app))

const grace = () => t.app.verification.policy.deliveryGraceMs

/**
 * Scenario (a): the challenge an idempotent issue would make, written `ageMs` ago by the create
 * script (a send counted for the number), whose SMS never went out.
 */
async function undelivered(phone: string, idempotencyKey: string, ageMs: number): Promise<string> {
  const store = createChallengeStore(t.app.redis, t.app.keys)
  const id = t.app.verification.challengeIdFor(phone, idempotencyKey)
  const at = Date.now() - ageMs
  const policy = t.app.verification.policy
  const out = await store.create(
    {
      id,
      phone,
      digest: pinDigest(TEST_SECRET, id, '000000'),
      locale: 'en',
      purpose: 'connect',
      enrol: true,
      now: at,
      expiresAt: at + policy.ttlMs,
    },
    policy,
  )
  expect(out.kind).toBe('created')
  return id
}

const connect = (event: unknown) => postConnect(t, event)

const sendsOf = async (id: string) => Number(await t.app.redis.hget(t.app.keys.challenge(id), CHALLENGE.sends))

/** A sendPin whose SMS the provider holds: `first` is its pending answer, once the send has started. */
async function sendPinHeld() {
  const phone = nextPhone()
  const event = connectEvent({ phone, parameters: { action: 'sendPin' } })
  const hold = t.sms.holdNext()
  const first = connect(event)
  await hold.reached
  return { phone, event, hold, first }
}

describe('Connect sendPin (idempotent per contact)', () => {
  it('(a) the challenge exists but its SMS never went out: a retry is SMS_SEND_IN_PROGRESS with retryAfterSeconds, not Success', async () => {
    const phone = nextPhone()
    const contactId = randomUUID()
    await undelivered(phone, `connect:${contactId}`, 0)
    const res = await connect(connectEvent({ phone, contactId, parameters: { action: 'sendPin' } }))
    expect(res).toEqual({
      lambdaResult: 'Error',
      errorCode: 'SMS_SEND_IN_PROGRESS',
      retryAfterSeconds: expect.stringMatching(/^\d+$/),
    })
    expect(Number(res.retryAfterSeconds)).toBeGreaterThan(0)
    expect(Number(res.retryAfterSeconds)).toBeLessThanOrEqual(Math.ceil(grace() / 1000))
    expect(t.sms.sent).toHaveLength(0)
  })

  it('(a) past the delivery grace: sendPin sends a fresh PIN on that challenge, counted as a send, and it verifies', async () => {
    const phone = nextPhone()
    const contactId = randomUUID()
    const id = await undelivered(phone, `connect:${contactId}`, grace() + 1000)
    const res = await connect(connectEvent({ phone, contactId, parameters: { action: 'sendPin' } }))
    expect(res).toMatchObject({ lambdaResult: 'Success', challengeId: id })
    expect(t.sms.sent.map((m) => m.to)).toEqual([phone])
    expect(await sendsOf(id)).toBe(2)
    // Delivered now: a further retry answers Success and sends nothing.
    expect((await connect(connectEvent({ phone, contactId, parameters: { action: 'sendPin' } }))).lambdaResult).toBe(
      'Success',
    )
    expect(t.sms.sent).toHaveLength(1)
    const verified = await connect(
      connectEvent({ phone, contactId, parameters: { action: 'verifyPin', pin: t.sms.lastPin(phone) } }),
    )
    expect(verified).toMatchObject({ pinVerified: 'True', status: 'approved' })
  })

  it('(b) a retry while the first sendPin waits on the provider is SMS_SEND_IN_PROGRESS; the provider then fails, and the next retry sends a PIN that verifies', async () => {
    const { phone, event, hold, first } = await sendPinHeld()
    const retry = await connect(event)
    expect(retry).toMatchObject({ lambdaResult: 'Error', errorCode: 'SMS_SEND_IN_PROGRESS' })
    hold.fail()
    expect(await first).toEqual({ lambdaResult: 'Error', errorCode: 'SMS_SEND_FAILED' })
    const again = await connect(event)
    expect(again.lambdaResult).toBe('Success')
    expect(t.sms.sent).toHaveLength(1)
    const verified = await connect({
      ...event,
      Details: { ...event.Details, Parameters: { action: 'verifyPin', pin: t.sms.lastPin(phone) } },
    })
    expect(verified).toMatchObject({ pinVerified: 'True', status: 'approved' })
  })

  it('(b) the provider then accepts: the retry after delivery answers Success with the same challenge and sends nothing more', async () => {
    const { event, hold, first } = await sendPinHeld()
    expect((await connect(event)).errorCode).toBe('SMS_SEND_IN_PROGRESS')
    hold.accept()
    const sent = await first
    expect(sent.lambdaResult).toBe('Success')
    const retry = await connect(event)
    expect(retry).toMatchObject({ lambdaResult: 'Success', challengeId: sent.challengeId })
    expect(t.sms.sent).toHaveLength(1)
  })
})

describe('REST order sessions: POST /v1/sessions/{id}/pin (idempotent per session generation)', () => {
  const post = (url: string, payload?: object) =>
    t.app.inject({ method: 'POST', url, headers: auth, ...(payload ? { payload } : {}) })

  async function session(phone: string) {
    const { sessionId } = (await post('/v1/sessions', { phone })).json()
    const nonce = await t.app.redis.hget(t.app.keys.session(sessionId), SESSION.nonce)
    return { sessionId: sessionId as string, key: ['session', sessionId, nonce, 0].join('\0') }
  }

  it('(a) the challenge exists but its SMS never went out: 409 SMS_SEND_IN_PROGRESS with Retry-After; past the grace, 201 with a fresh PIN that verifies', async () => {
    const phone = nextPhone()
    const s = await session(phone)
    const id = await undelivered(phone, s.key, 0)
    const early = await post(`/v1/sessions/${s.sessionId}/pin`)
    expect([early.statusCode, early.json().code]).toEqual([409, 'SMS_SEND_IN_PROGRESS'])
    expect(Number(early.headers['retry-after'])).toBeGreaterThan(0)
    expect(Number(early.headers['retry-after'])).toBeLessThanOrEqual(Math.ceil(grace() / 1000))
    expect(t.sms.sent).toHaveLength(0)
    // The same challenge, stale: as if the grace had passed.
    await t.app.redis.hset(t.app.keys.challenge(id), CHALLENGE.lastSentAt, String(Date.now() - grace() - 1000))
    const late = await post(`/v1/sessions/${s.sessionId}/pin`)
    expect(late.statusCode).toBe(201)
    expect(late.json().challengeId).toBe(id)
    expect(t.sms.sent.map((m) => m.to)).toEqual([phone])
    const verified = await post(`/v1/sessions/${s.sessionId}/pin/verify`, { pin: t.sms.lastPin(phone) })
    expect(verified.json()).toMatchObject({ status: 'approved', authenticated: true })
  })

  it('(b) asked again while the first request waits on the provider: 409 SMS_SEND_IN_PROGRESS; the provider fails, and the next request sends a PIN that verifies', async () => {
    const phone = nextPhone()
    const { sessionId } = await session(phone)
    const hold = t.sms.holdNext()
    const first = post(`/v1/sessions/${sessionId}/pin`)
    await hold.reached
    const retry = await post(`/v1/sessions/${sessionId}/pin`)
    expect([retry.statusCode, retry.json().code]).toEqual([409, 'SMS_SEND_IN_PROGRESS'])
    expect(Number(retry.headers['retry-after'])).toBeGreaterThan(0)
    hold.fail()
    expect((await first).statusCode).toBe(503)
    const again = await post(`/v1/sessions/${sessionId}/pin`)
    expect(again.statusCode).toBe(201)
    expect(t.sms.sent).toHaveLength(1)
    const verified = await post(`/v1/sessions/${sessionId}/pin/verify`, { pin: t.sms.lastPin(phone) })
    expect(verified.json()).toMatchObject({ status: 'approved', authenticated: true })
  })
})

describe('Lex OrderFood', () => {
  it('a PIN still on its way: the bot asks for it, saying it is on its way, and sends nothing more', async () => {
    const profile = { firstName: 'A', lastName: 'B', custLevel: 'C', language: 'en' }
    const { email } = await registerCustomer(t, nextPhone(), profile)
    const turn = {
      intent: 'OrderFood',
      sessionId: randomUUID(),
      sessionAttributes: { email },
      slots: { Food: slot('pizza') },
    }
    const say = () => postLex(t, lexEvent(turn))
    const hold = t.sms.holdNext()
    const first = say()
    await hold.reached
    const retry = await say()
    expect(retry.sessionState.dialogAction).toEqual({ type: 'ElicitSlot', slotToElicit: 'Pin' })
    expect(retry.messages[0].content).toMatch(/on its way/)
    hold.accept()
    expect((await first).sessionState.dialogAction.slotToElicit).toBe('Pin')
    expect(t.sms.sent).toHaveLength(1)
  })
})
