import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { connectEvent, expectStringMap } from '../support/events/connect-events.ts'
import { loadEvent } from '../support/events/load.ts'
import { freePort } from '../support/app/free-port.ts'
import { auth, buildTestApp, keysOf, type TestApp, useTestApp, shareTestApp } from '../support/app/test-app.ts'
import { phoneSequence } from '../support/app/phones.ts'
import { type CallerProfile, registerCaller } from '../support/app/callers.ts'
import { postConnect } from '../support/app/channels.ts'

let t: TestApp
// A fresh valid Japanese mobile number per test, so per-phone counters never collide.
const nextPhone = phoneSequence('70', 20000000)
const wrong = (pin: string) => pin.replace(/^./, (d) => String((Number(d) + 1) % 10))

const call = (event: unknown, app: TestApp = t) => postConnect(app, event)

shareTestApp({}, (app) => (t = app))

const TARO = { firstName: 'Taro', lastName: 'Yamada', custLevel: 'Gold', language: 'ja' }
/** A fresh number the registry knows, with this profile. */
async function knownPhone(profile: CallerProfile, app: TestApp = t) {
  const phone = nextPhone()
  await registerCaller(app, phone, profile)
  return phone
}

describe('the shared Connect fixtures, as they are', () => {
  it('Developer Guide event: its +1234567890 is not a valid number, so INVALID_PHONE and nothing written', async () => {
    const event = loadEvent('connect', 'connect-lambda-devguide-example')
    expect(await call(event)).toEqual({ lambdaResult: 'Error', errorCode: 'INVALID_PHONE' })
    expect(await call({ ...event, Details: { ...event.Details, Parameters: { action: 'sendPin' } } })).toEqual({
      lambdaResult: 'Error',
      errorCode: 'INVALID_PHONE',
    })
    expect(t.sms.sent).toHaveLength(0)
  })

  it('Powertools event with null CustomerEndpoint, Queue and SystemEndpoint: CALLER_NUMBER_UNAVAILABLE for every action', async () => {
    const fresh = await useTestApp()
    const event = loadEvent('connect', 'connect-powertools-min-nulls')
    for (const parameters of [
      {},
      { action: 'lookup' },
      { action: 'sendPin' },
      { action: 'verifyPin', pin: '123456' },
    ]) {
      expect(await call({ ...event, Details: { ...event.Details, Parameters: parameters } }, fresh)).toEqual({
        lambdaResult: 'Error',
        errorCode: 'CALLER_NUMBER_UNAVAILABLE',
      })
    }
    expect(fresh.sms.sent).toHaveLength(0)
    expect(await keysOf(fresh)).toEqual([])
  })

  it("Powertools event with the seed flow's CallerID parameter works despite the null endpoint", async () => {
    const event = loadEvent('connect', 'connect-powertools-min-nulls')
    event.Details.Parameters = { CallerID: nextPhone() }
    expect(await call(event)).toEqual({ lambdaResult: 'Success', recordFound: 'False', authRequired: 'True' })
  })
})

describe('lookup', () => {
  it('an unknown number: recordFound False, authRequired True (no action parameter means lookup, like the seed)', async () => {
    expect(await call(connectEvent({ phone: nextPhone() }))).toEqual({
      lambdaResult: 'Success',
      recordFound: 'False',
      authRequired: 'True',
    })
  })

  it("a known number (trust): recordFound True with the seed's profile attributes and never a PIN", async () => {
    const phone = await knownPhone(TARO)
    expect(await call(connectEvent({ phone, parameters: { action: 'lookup' } }))).toEqual({
      lambdaResult: 'Success',
      recordFound: 'True',
      authRequired: 'False',
      firstName: 'Taro',
      lastName: 'Yamada',
      custLevel: 'Gold',
      language: 'ja',
    })
  })

  it('CallerID takes precedence over the endpoint, and is normalised', async () => {
    const phone = await knownPhone({ firstName: 'A', lastName: 'B', custLevel: 'C', language: 'en' })
    const spaced = `${phone.slice(0, 3)} ${phone.slice(3, 5)}-${phone.slice(5)}`
    expect((await call(connectEvent({ phone: nextPhone(), parameters: { CallerID: spaced } }))).recordFound).toBe(
      'True',
    )
  })

  it.each([
    ['a chat contact', { channel: 'CHAT' }],
    ['an e-mail contact', { channel: 'EMAIL' }],
    ['a task contact', { channel: 'TASK' }],
    ['a withheld number', { phone: 'anonymous' }],
    ['an empty address', { phone: '' }],
    ['a null endpoint', { phone: null }],
  ])('%s: CALLER_NUMBER_UNAVAILABLE', async (_name, opts) => {
    expect(await call(connectEvent(opts))).toEqual({ lambdaResult: 'Error', errorCode: 'CALLER_NUMBER_UNAVAILABLE' })
  })

  it('an endpoint that is not a telephone number (e-mail address, VoIP): CALLER_NUMBER_UNAVAILABLE', async () => {
    for (const [Type, Address] of [
      ['EMAIL_ADDRESS', 'someone@example.com'],
      ['VOIP', 'sip:1234567@example.com'],
    ]) {
      const event = connectEvent()
      event.Details.ContactData.CustomerEndpoint = { Type, Address }
      expect((await call(event)).errorCode).toBe('CALLER_NUMBER_UNAVAILABLE')
    }
  })

  it('CALLER_ID_AUTH=verify: a known number needs a PIN, and its profile is withheld until then', async () => {
    const strict = await useTestApp({ CALLER_ID_AUTH: 'verify' })
    const phone = await knownPhone(TARO, strict)
    const contactId = randomUUID()
    expect(await call(connectEvent({ phone, contactId }), strict)).toEqual({
      lambdaResult: 'Success',
      recordFound: 'True',
      authRequired: 'True',
      language: 'ja',
    })
    // The PIN goes to the enrolled number, in its language; approval keeps the imported profile.
    expect(
      (await call(connectEvent({ phone, contactId, parameters: { action: 'sendPin' } }), strict)).lambdaResult,
    ).toBe('Success')
    expect(strict.sms.sent[0]!.body).toContain('認証コード')
    const verified = await call(
      connectEvent({ phone, contactId, parameters: { action: 'verifyPin', pin: `${strict.sms.lastPin(phone)}#` } }),
      strict,
    )
    expect(verified).toMatchObject({ pinVerified: 'True', firstName: 'Taro', lastName: 'Yamada', custLevel: 'Gold' })
    // Caller ID stays a claim: the next call needs a PIN again.
    expect((await call(connectEvent({ phone }), strict)).authRequired).toBe('True')
  })
})

describe('sendPin', () => {
  it("sends one SMS in the flow's language and returns the challenge id and its lifetime, never the PIN", async () => {
    const phone = nextPhone()
    const res = await call(connectEvent({ phone, parameters: { action: 'sendPin', language: 'ja_JP' } }))
    expect(res).toEqual({
      lambdaResult: 'Success',
      challengeId: expect.stringMatching(/^[A-Za-z0-9_-]{38}$/),
      expiresInSeconds: '300',
      channel: 'sms',
    })
    expect(t.sms.sent).toEqual([{ to: phone, body: expect.stringContaining('認証コード') }])
    expect(JSON.stringify(res)).not.toContain(t.sms.lastPin(phone))
  })

  it('Connect retrying the invocation (same ContactId, even in parallel) sends no second SMS', async () => {
    const phone = nextPhone()
    const event = connectEvent({ phone, parameters: { action: 'sendPin' } })
    const results = await Promise.all(Array.from({ length: 5 }, () => call(event)))
    // A retry that arrives while the first is still sending is told so, never "sent".
    const successes = results.filter((r) => r.lambdaResult === 'Success')
    expect(successes.length).toBeGreaterThanOrEqual(1)
    expect(
      results.filter((r) => r.lambdaResult !== 'Success').every((r) => r.errorCode === 'SMS_SEND_IN_PROGRESS'),
    ).toBe(true)
    expect(new Set(successes.map((r) => r.challengeId)).size).toBe(1)
    expect(t.sms.sent).toHaveLength(1)
    // Once it was delivered, a retry is a Success for the same challenge, with no second SMS.
    expect(await call(event)).toMatchObject({ lambdaResult: 'Success', challengeId: successes[0]!.challengeId })
    expect(t.sms.sent).toHaveLength(1)
  })

  it('another contact from the same number gets a challenge of its own', async () => {
    const phone = nextPhone()
    const a = await call(connectEvent({ phone, parameters: { action: 'sendPin' } }))
    const b = await call(connectEvent({ phone, parameters: { action: 'sendPin' } }))
    expect(a.challengeId).not.toBe(b.challengeId)
    expect(t.sms.sent).toHaveLength(2)
  })

  it("language falls back to the contact attribute, then the contact's language code, then the default", async () => {
    await call(connectEvent({ phone: nextPhone(), attributes: { language: 'ja' }, parameters: { action: 'sendPin' } }))
    const coded = connectEvent({ phone: nextPhone(), parameters: { action: 'sendPin' } })
    coded.Details.ContactData.LanguageCode = 'ja-JP'
    await call(coded)
    await call(connectEvent({ phone: nextPhone(), parameters: { action: 'sendPin' } }))
    // A language we do not speak is skipped, not a reason to ignore the next candidate.
    await call(
      connectEvent({
        phone: nextPhone(),
        attributes: { language: 'ja' },
        parameters: { action: 'sendPin', language: 'xx' },
      }),
    )
    expect(t.sms.sent.map((m) => m.body.includes('認証コード'))).toEqual([true, true, false, true])
  })

  it('resend "true" inside the cooldown: RESEND_COOLDOWN with retryAfterSeconds, and no SMS', async () => {
    const phone = nextPhone()
    const contactId = randomUUID()
    await call(connectEvent({ phone, contactId, parameters: { action: 'sendPin' } }))
    const res = await call(connectEvent({ phone, contactId, parameters: { action: 'sendPin', resend: 'true' } }))
    expect(res).toEqual({
      lambdaResult: 'Error',
      errorCode: 'RESEND_COOLDOWN',
      retryAfterSeconds: expect.stringMatching(/^(29|30)$/),
    })
    expect(t.sms.sent).toHaveLength(1)
  })

  it('resend "true" after the cooldown sends a new PIN on the same challenge; the old PIN no longer works', async () => {
    const quick = await useTestApp({ PIN_RESEND_COOLDOWN_SECONDS: '0' })
    const phone = nextPhone()
    const contactId = randomUUID()
    const first = await call(connectEvent({ phone, contactId, parameters: { action: 'sendPin' } }), quick)
    const oldPin = quick.sms.lastPin(phone)
    const again = await call(
      connectEvent({ phone, contactId, parameters: { action: 'sendPin', resend: 'True' } }),
      quick,
    )
    expect(again.challengeId).toBe(first.challengeId)
    expect(quick.sms.sent).toHaveLength(2)
    const newPin = quick.sms.lastPin(phone)
    if (newPin !== oldPin) {
      expect(
        (await call(connectEvent({ phone, contactId, parameters: { action: 'verifyPin', pin: oldPin } }), quick))
          .pinVerified,
      ).toBe('False')
    }
    expect(
      (await call(connectEvent({ phone, contactId, parameters: { action: 'verifyPin', pin: newPin } }), quick))
        .pinVerified,
    ).toBe('True')
  })

  it('the SMS provider failing: SMS_SEND_FAILED, nothing counted, and the retry sends', async () => {
    const phone = nextPhone()
    const event = connectEvent({ phone, parameters: { action: 'sendPin' } })
    t.sms.failNext(1)
    expect(await call(event)).toEqual({ lambdaResult: 'Error', errorCode: 'SMS_SEND_FAILED' })
    expect((await call(event)).lambdaResult).toBe('Success')
    expect(t.sms.sent).toHaveLength(1)
  })

  it('the per-number send cap: PHONE_SEND_LIMIT with retryAfterSeconds', async () => {
    const capped = await useTestApp({ PHONE_MAX_SENDS: '2' })
    const phone = nextPhone()
    for (let i = 0; i < 2; i++) await call(connectEvent({ phone, parameters: { action: 'sendPin' } }), capped)
    const res = await call(connectEvent({ phone, parameters: { action: 'sendPin' } }), capped)
    expect(res).toEqual({
      lambdaResult: 'Error',
      errorCode: 'PHONE_SEND_LIMIT',
      retryAfterSeconds: expect.stringMatching(/^\d+$/),
    })
    expect(capped.sms.sent).toHaveLength(2)
  })
})

describe('verifyPin', () => {
  async function started(phone = nextPhone(), language?: string) {
    const contactId = randomUUID()
    await call(connectEvent({ phone, contactId, parameters: { action: 'sendPin', ...(language ? { language } : {}) } }))
    const at = (pin: string, extra: Record<string, string> = {}) =>
      call(connectEvent({ phone, contactId, parameters: { action: 'verifyPin', pin, ...extra } }))
    return { phone, contactId, pin: t.sms.lastPin(phone), at }
  }

  it('the right PIN with the # terminator: approved, and the caller is enrolled (New / Customer / Welcome)', async () => {
    const { phone, pin, at } = await started(undefined, 'ja')
    expect(await at(`${pin}#`)).toEqual({
      lambdaResult: 'Success',
      pinVerified: 'True',
      status: 'approved',
      attemptsLeft: '4',
      firstName: 'New',
      lastName: 'Customer',
      custLevel: 'Welcome',
      language: 'ja',
      pinlineAssertion: expect.any(String),
    })
    expect(await call(connectEvent({ phone }))).toMatchObject({
      recordFound: 'True',
      authRequired: 'False',
      firstName: 'New',
      language: 'ja',
    })
  })

  it('a wrong PIN: pinVerified False with attempts left, and no one is enrolled (the seed enrolled before verifying)', async () => {
    const { phone, pin, at } = await started()
    expect(await at(wrong(pin))).toEqual({
      lambdaResult: 'Success',
      pinVerified: 'False',
      status: 'rejected',
      attemptsLeft: '4',
    })
    expect((await call(connectEvent({ phone }))).recordFound).toBe('False')
  })

  // Nothing entered (the flow's timeout, an empty entry, a lone #) is PIN_NOT_ENTERED; any other
  // entry that is not the PIN's digits (with one optional #) is INVALID_PIN_FORMAT.
  it.each([
    ['Timeout', 'PIN_NOT_ENTERED'],
    ['', 'PIN_NOT_ENTERED'],
    ['#', 'PIN_NOT_ENTERED'],
    ['123', 'INVALID_PIN_FORMAT'],
    ['1234567', 'INVALID_PIN_FORMAT'],
    ['12345#6', 'INVALID_PIN_FORMAT'],
    ['１２３４５６', 'INVALID_PIN_FORMAT'],
    ['12345a', 'INVALID_PIN_FORMAT'],
    ['123456##', 'INVALID_PIN_FORMAT'],
    [' 123456', 'INVALID_PIN_FORMAT'],
  ])('%j: %s, and no attempt is burned', async (input, errorCode) => {
    const { pin, at } = await started()
    expect(await at(input)).toEqual({ lambdaResult: 'Error', errorCode })
    expect((await at(wrong(pin))).attemptsLeft).toBe('4')
  })

  it('no pin parameter at all: PIN_NOT_ENTERED', async () => {
    expect(await call(connectEvent({ phone: nextPhone(), parameters: { action: 'verifyPin' } }))).toEqual({
      lambdaResult: 'Error',
      errorCode: 'PIN_NOT_ENTERED',
    })
  })

  it('no challenge for this contact: CHALLENGE_NOT_FOUND', async () => {
    expect(
      await call(connectEvent({ phone: nextPhone(), parameters: { action: 'verifyPin', pin: '123456' } })),
    ).toEqual({ lambdaResult: 'Error', errorCode: 'CHALLENGE_NOT_FOUND' })
  })

  it('an explicit challengeId (saved as a contact attribute, e.g. across a transfer) is used', async () => {
    const phone = nextPhone()
    const { challengeId } = await call(connectEvent({ phone, parameters: { action: 'sendPin' } }))
    const pin = t.sms.lastPin(phone)
    const res = await call(connectEvent({ phone, parameters: { action: 'verifyPin', pin, challengeId: challengeId! } }))
    expect(res.pinVerified).toBe('True')
  })

  it("an explicit challengeId issued to another number is not found, even with that number's PIN", async () => {
    const victim = nextPhone()
    const { challengeId } = await call(connectEvent({ phone: victim, parameters: { action: 'sendPin' } }))
    const pin = t.sms.lastPin(victim)
    const res = await call(
      connectEvent({ phone: nextPhone(), parameters: { action: 'verifyPin', pin, challengeId: challengeId! } }),
    )
    expect(res).toEqual({ lambdaResult: 'Error', errorCode: 'CHALLENGE_NOT_FOUND' })
    // A chat contact has no caller number, so it cannot verify anyone's challenge either.
    const chat = await call(
      connectEvent({
        phone: null,
        channel: 'CHAT',
        parameters: { action: 'verifyPin', pin, challengeId: challengeId! },
      }),
    )
    expect(chat).toEqual({ lambdaResult: 'Error', errorCode: 'CALLER_NUMBER_UNAVAILABLE' })
    // The victim's challenge is untouched: its own contact still verifies.
    expect(
      (await call(connectEvent({ phone: victim, parameters: { action: 'verifyPin', pin, challengeId: challengeId! } })))
        .pinVerified,
    ).toBe('True')
  })

  it('locks after five wrong PINs; then even the right one fails, and sendPin for the contact sends nothing', async () => {
    const { phone, contactId, pin, at } = await started()
    const results = []
    for (let i = 0; i < 5; i++) results.push(await at(wrong(pin)))
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected', 'rejected', 'rejected', 'locked'])
    const right = await at(pin)
    expect(right).toEqual({
      lambdaResult: 'Success',
      pinVerified: 'False',
      status: 'locked',
      attemptsLeft: '0',
      retryAfterSeconds: expect.stringMatching(/^\d+$/),
    })
    t.sms.sent.length = 0
    const again = await call(connectEvent({ phone, contactId, parameters: { action: 'sendPin' } }))
    expect(again).toEqual({
      lambdaResult: 'Error',
      errorCode: 'CHALLENGE_LOCKED',
      retryAfterSeconds: expect.stringMatching(/^\d+$/),
    })
    expect(t.sms.sent).toHaveLength(0)
    expect((await call(connectEvent({ phone }))).recordFound).toBe('False')
  })

  it('the right PIN is accepted once: the retry of an approved verifyPin finds no challenge', async () => {
    const { pin, at } = await started()
    expect((await at(pin)).pinVerified).toBe('True')
    expect(await at(pin)).toEqual({ lambdaResult: 'Error', errorCode: 'CHALLENGE_NOT_FOUND' })
  })
})

describe('malformed events get an error map, never a 500, and write nothing', () => {
  let fresh: TestApp
  beforeAll(async () => {
    fresh = await buildTestApp()
  })
  afterAll(() => fresh.app.close())

  const valid = () => connectEvent({ phone: nextPhone(), parameters: { action: 'sendPin' } })
  const cases: Array<[string, () => unknown]> = [
    ['a string', () => 'ContactFlowEvent'],
    ['a number', () => 42],
    ['an array', () => [valid()]],
    ['null', () => null],
    ['an empty object', () => ({})],
    ['no ContactData', () => ({ Name: 'ContactFlowEvent', Details: { Parameters: { action: 'sendPin' } } })],
    [
      'no ContactId',
      () => {
        const e = valid()
        delete e.Details.ContactData.ContactId
        return e
      },
    ],
    [
      'a number where a string belongs',
      () => {
        const e = valid()
        e.Details.Parameters.CallerID = 819012345678
        return e
      },
    ],
    [
      'an unknown action',
      () => {
        const e = valid()
        e.Details.Parameters.action = 'deleteCaller'
        return e
      },
    ],
    [
      'Parameters as a string',
      () => {
        const e = valid()
        e.Details.Parameters = 'action=sendPin'
        return e
      },
    ],
  ]

  it.each(cases)('%s: VALIDATION_FAILED', async (_name, body) => {
    const res = await fresh.app.inject({
      method: 'POST',
      url: '/v1/channels/connect',
      headers: { ...auth, 'content-type': 'application/json' },
      payload: JSON.stringify(body()),
    })
    expect(res.statusCode).toBe(200)
    expect(expectStringMap(res.json())).toEqual({ lambdaResult: 'Error', errorCode: 'VALIDATION_FAILED' })
    expect(fresh.sms.sent).toHaveLength(0)
    expect(await keysOf(fresh)).toEqual([])
  })

  it.each([
    ['broken JSON', 'application/json', '{"Details": ', 'INVALID_JSON'],
    [
      'a prototype-polluting key',
      'application/json',
      '{"Details":{"ContactData":{"ContactId":"x"}},"__proto__":{"admin":true}}',
      'INVALID_JSON',
    ],
    ['text/plain', 'text/plain', 'action=lookup', 'UNSUPPORTED_MEDIA_TYPE'],
  ])('%s: an error map too', async (_name, type, payload, code) => {
    const res = await fresh.app.inject({
      method: 'POST',
      url: '/v1/channels/connect',
      headers: { ...auth, 'content-type': type },
      payload,
    })
    expect(res.statusCode).toBe(200)
    expect(expectStringMap(res.json())).toMatchObject({ lambdaResult: 'Error', errorCode: code })
  })

  it('a contact with 40 KB of attributes is served (Connect allows 32 KB of them); a 300 KB body is refused with BODY_TOO_LARGE', async () => {
    const big = connectEvent({
      phone: nextPhone(),
      attributes: Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`a${i}`, 'x'.repeat(1000)])),
    })
    expect((await call(big, fresh)).lambdaResult).toBe('Success')
    const huge = connectEvent({ phone: nextPhone(), attributes: { blob: 'x'.repeat(300 * 1024) } })
    expect(await call(huge, fresh)).toEqual({ lambdaResult: 'Error', errorCode: 'BODY_TOO_LARGE' })
  })

  it('without the API key: 401, like every /v1 route (the shim then answers SERVICE_UNAVAILABLE)', async () => {
    const res = await fresh.app.inject({ method: 'POST', url: '/v1/channels/connect', payload: valid() })
    expect(res.statusCode).toBe(401)
    expect(res.json().code).toBe('UNAUTHORIZED')
  })
})

describe('Redis unreachable', () => {
  it('every action answers DEPENDENCY_UNAVAILABLE: nothing granted, no SMS sent', async () => {
    const down = await useTestApp({
      REDIS_URL: `redis://127.0.0.1:${await freePort()}`,
      REDIS_COMMAND_TIMEOUT_MS: '200',
    })
    const phone = nextPhone()
    const actions: Array<Record<string, string>> = [{}, { action: 'sendPin' }, { action: 'verifyPin', pin: '123456' }]
    for (const parameters of actions) {
      expect(await call(connectEvent({ phone, parameters }), down)).toEqual({
        lambdaResult: 'Error',
        errorCode: 'DEPENDENCY_UNAVAILABLE',
      })
    }
    expect(down.sms.sent).toHaveLength(0)
  })
})
