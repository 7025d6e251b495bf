import { randomUUID } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { lexEvent } from '../support/events/lex-events.ts'
import { auth, useTestApp, keysOf, rateLimitKeysOf, type TestApp } from '../support/app/test-app.ts'

// Finding 4 of the security review: the channel routes had no limit at all for any key.
async function app(env: Record<string, string>) {
  return useTestApp({ RATE_LIMIT_PER_KEY: '100000', RATE_LIMIT_PER_IP: '100000', ...env })
}

const connectEvent = (contactId: string, phone: string, action = 'lookup') => ({
  Name: 'ContactFlowEvent',
  Details: {
    ContactData: {
      ContactId: contactId,
      Channel: 'VOICE',
      CustomerEndpoint: { Address: phone, Type: 'TELEPHONE_NUMBER' },
    },
    Parameters: { action },
  },
})
const connect = (t: TestApp, contactId: string, phone: string, action?: string) =>
  t.app.inject({
    method: 'POST',
    url: '/v1/channels/connect',
    headers: auth,
    payload: connectEvent(contactId, phone, action),
  })
const lex = (t: TestApp, sessionId: string, email: string) =>
  t.app.inject({
    method: 'POST',
    url: '/v1/channels/lex',
    headers: auth,
    payload: lexEvent({ intent: 'OrderFood', sessionId, sessionAttributes: { email } }),
  })

describe('channel limits (CHANNEL_RATE_LIMIT_*)', () => {
  it('per key: a sweep of lookups over a number range is cut off, with retryAfterSeconds in the map', async () => {
    const t = await app({ CHANNEL_RATE_LIMIT_PER_KEY: '5', CHANNEL_RATE_LIMIT_WINDOW_SECONDS: '30' })
    const results = []
    for (let i = 0; i < 8; i++)
      results.push((await connect(t, `sweep-${i}`, `+8190123400${String(i).padStart(2, '0')}`)).json())
    expect(results.slice(0, 5).every((r) => r.lambdaResult === 'Success')).toBe(true)
    for (const r of results.slice(5)) {
      expect(r).toEqual({
        lambdaResult: 'Error',
        errorCode: 'RATE_LIMITED',
        retryAfterSeconds: expect.stringMatching(/^[1-9][0-9]*$/),
      })
      expect(Number(r.retryAfterSeconds)).toBeLessThanOrEqual(30)
    }
  })

  it('per contact and per caller number: one forged contact or one number cannot loop, others are unaffected', async () => {
    const t = await app({ CHANNEL_RATE_LIMIT_PER_CONVERSATION: '3', CHANNEL_RATE_LIMIT_PER_NUMBER: '5' })
    const codes = async (n: number, f: () => ReturnType<typeof connect>) => {
      const out = []
      for (let i = 0; i < n; i++) out.push((await f()).json().errorCode ?? 'ok')
      return out
    }
    expect(await codes(4, () => connect(t, 'loop', '+819012340101'))).toEqual(['ok', 'ok', 'ok', 'RATE_LIMITED'])
    // Every request counts for the number, refused ones too (like the HTTP limits): 5 in all.
    expect(await codes(2, () => connect(t, randomUUID(), '+819012340101'))).toEqual(['ok', 'RATE_LIMITED'])
    expect(await codes(1, () => connect(t, randomUUID(), '+819012340102'))).toEqual(['ok'])
  })

  it("a lookup past the limits gets no part of the caller's profile, though it is read alongside them", async () => {
    const t = await app({ CHANNEL_RATE_LIMIT_PER_NUMBER: '2' })
    const phone = '+819012340103'
    const put = await t.app.inject({
      method: 'PUT',
      url: `/v1/callers/${phone}`,
      headers: auth,
      payload: { firstName: 'Hanako', lastName: 'Sato', custLevel: 'Gold', language: 'ja' },
    })
    expect(put.statusCode).toBe(201)
    const answers = []
    for (let i = 0; i < 3; i++) answers.push((await connect(t, randomUUID(), phone)).json())
    expect(answers.slice(0, 2).map((a) => a.firstName)).toEqual(['Hanako', 'Hanako'])
    expect(answers[2]).toEqual({
      lambdaResult: 'Error',
      errorCode: 'RATE_LIMITED',
      retryAfterSeconds: expect.stringMatching(/^[1-9][0-9]*$/),
    })
  })

  it('Lex: per conversation, a Close/Failed saying when to try again', async () => {
    const t = await app({ CHANNEL_RATE_LIMIT_PER_CONVERSATION: '2' })
    const id = randomUUID()
    const statuses = [(await lex(t, id, 'a@example.com')).statusCode, (await lex(t, id, 'a@example.com')).statusCode]
    const refused = await lex(t, id, 'a@example.com')
    expect(statuses).toEqual([200, 200])
    // Answered like every Lex outcome: a Close/Failed saying when to try again.
    expect(refused.statusCode).toBe(200)
    expect(refused.json().sessionState.dialogAction.type).toBe('Close')
    expect(refused.json().messages[0].content).toMatch(/too many requests.*try again in 1 minute/)
    expect((await lex(t, randomUUID(), 'a@example.com')).statusCode).toBe(200)
  })

  it('per key SMS budget: sendPins over many number blocks stop at SMS_KEY_MAX_SENDS, before the daily budget others share', async () => {
    const t = await app({
      SMS_KEY_MAX_SENDS: '3',
      SMS_DAILY_LIMIT: '100',
      API_KEYS: 'shim-a:shim-a-key-0123456789ab:channels,shim-b:shim-b-key-0123456789ab:channels',
    })
    const send = (key: string, i: number) =>
      t.app.inject({
        method: 'POST',
        url: '/v1/channels/connect',
        headers: { authorization: `Bearer ${key}` },
        payload: connectEvent(randomUUID(), `+8190${String(1000 + i)}5678`, 'sendPin'),
      })
    const results = []
    for (let i = 0; i < 5; i++) results.push((await send('shim-a-key-0123456789ab', i)).json())
    expect(results.map((r) => r.errorCode ?? r.lambdaResult)).toEqual([
      'Success',
      'Success',
      'Success',
      'CLIENT_SEND_LIMIT',
      'CLIENT_SEND_LIMIT',
    ])
    expect(Number(results[3].retryAfterSeconds)).toBeGreaterThan(0)
    expect(t.sms.sent).toHaveLength(3)
    const day = await t.app.redis.get(t.app.keys.dailySends(new Date().toISOString().slice(0, 10)))
    expect(Number(day)).toBe(3) // the refused sends spent nothing of the day
    // Another key still has its own allowance.
    expect((await send('shim-b-key-0123456789ab', 9)).json().lambdaResult).toBe('Success')
  })

  it('Lex turns with an e-mail nobody is registered with cost nothing in Redis, and say so', async () => {
    const t = await app({})
    const before = await keysOf(t)
    for (let i = 0; i < 20; i++) {
      const r = await lex(t, randomUUID(), `nobody-${i}@example.com`)
      expect(r.statusCode).toBe(200)
      expect(r.json().sessionState.intent.state).toBe('Failed')
    }
    // No session (only the channel counters, which expire with their window, moved).
    expect(await keysOf(t)).toEqual(before)
    for (const k of await rateLimitKeysOf(t)) expect(await t.app.redis.pttl(k)).toBeGreaterThan(0)
    expect(t.sms.sent).toHaveLength(0)
  })
})
