import { randomUUID } from 'node:crypto'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { fullWidth } from '../support/events/event-mutations.ts'
import { encryptPin, OTHER_KEY, PIN_KEY, tamper, useKmsStandIn } from '../support/stand-ins/kms-client.ts'
import type { KmsStandIn } from '../support/stand-ins/kms-stand-in.ts'
import { expectLexShape, isLexGrant, lexRequests, type LexTargets } from '../support/property/lex-arbitraries.ts'
import { lexEvent, slot, type Json } from '../support/events/lex-events.ts'
import { assertNoFaultNoGrant, LIMITS_OUT_OF_THE_WAY } from '../support/property/no-fault-property.ts'
import { auth, buildTestApp, type TestApp } from '../support/app/test-app.ts'
import { phoneSequence } from '../support/app/phones.ts'
import { registerCustomer } from '../support/app/callers.ts'

// Property-based: whatever reaches POST /v1/channels/lex (Lex events with client-set session
// attributes, broken at any depth, or any JSON at all), the answer is a well-formed Lex V2
// response, no failure is ours, and nothing is verified or ordered without the right PIN.
// Live challenges and real KMS ciphertexts (the wire-level stand-in) make a grant possible.

const KEY = PIN_KEY
const BOT = 'CCGFLGVZMD' // the bookhotel sample's bot
const ALIAS = 'TSTALIASID'
let kms: KmsStandIn
let t: TestApp
const nextPhone = phoneSequence('90', 40000000)
const wrong = (pin: string) => pin.replace(/^./, (d) => String((Number(d) + 1) % 10))

const encrypt = (plaintext: string, challengeId: string, keyId = KEY) => encryptPin(kms, plaintext, challengeId, keyId)

const say = (event: unknown) =>
  t.app.inject({
    method: 'POST',
    url: '/v1/channels/lex',
    headers: { ...auth, 'content-type': 'application/json' },
    payload: JSON.stringify(event),
  })

/** A known caller with an e-mail, a fresh conversation on BOT, and the PIN its first order turn sent. */
async function customer() {
  const { phone, email } = await registerCustomer(t, nextPhone(), {
    firstName: 'A',
    lastName: 'S',
    custLevel: 'Gold',
    language: 'en',
  })
  const sessionId = randomUUID()
  const asked = (await say(lexEvent({ intent: 'OrderFood', sessionId, sessionAttributes: { email } }))).json()
  return {
    email,
    sessionId,
    challengeId: asked.sessionState.sessionAttributes.uuid as string,
    pin: t.sms.lastPin(phone),
  }
}

useKmsStandIn((stand) => (kms = stand))
beforeAll(async () => {
  t = await buildTestApp({ ...LIMITS_OUT_OF_THE_WAY, KMS_KEY_ID: KEY })
})
afterAll(() => t.app.close())

describe('Lex events (fast-check)', () => {
  const targets: LexTargets = { emails: [], conversations: [], challengeIds: [], pins: [], ciphertexts: [] }
  beforeAll(async () => {
    for (let i = 0; i < 2; i++) {
      const c = await customer()
      targets.emails.push(c.email)
      targets.conversations.push([BOT, c.sessionId])
      targets.challengeIds.push(c.challengeId)
      targets.pins.push(c.pin)
      targets.ciphertexts.push(
        tamper(await encrypt(c.pin, c.challengeId)),
        await encrypt(c.pin, c.challengeId, OTHER_KEY),
        await encrypt(c.pin, `${'B'.repeat(16)}${randomUUID().replace(/-/g, '').slice(0, 22)}`),
        await encrypt(wrong(c.pin), c.challengeId),
      )
    }
  })

  it('no event produces a 5xx, a stack trace, a failure of ours, a malformed response or a grant', async () => {
    await assertNoFaultNoGrant(t.app, lexRequests(targets), {
      isGrant: isLexGrant,
      shape: expectLexShape,
      numRuns: 500,
    })
  })

  it('afterwards the live challenges are pending or locked, and no session is verified or holds an item', async () => {
    for (const id of targets.challengeIds)
      expect(['pending', 'locked']).toContain((await t.app.verification.status(id))?.status)
    const keys = await t.app.redis.keys(`${t.prefix}{s:*}:session`)
    expect(keys.length).toBeGreaterThanOrEqual(2)
    for (const key of keys) {
      const s = await t.app.sessions.get(key.slice(`${t.prefix}{s:`.length, key.indexOf('}')))
      expect({ authenticated: s.authenticated, items: s.items }).toEqual({ authenticated: false, items: [] })
    }
  })
})

// The other direction: the right PIN does verify, in the forms Lex delivers it and only in the
// conversation it was sent for. Each run starts a fresh customer, then sends one variant.
type PinKind =
  | 'slot'
  | 'spoken'
  | 'dashed'
  | 'words'
  | 'list'
  | 'encrypted'
  | 'oneDigitOff'
  | 'wordsOverDigits'
  | 'fullWidth'
  | 'long'
  | 'numberTyped'
  | 'otherSlotName'
  | 'interpretationOnly'
  | 'attribute'
  | 'encryptedOtherKey'
  | 'encryptedTampered'
  | 'encryptedForOtherChallenge'
  | 'encryptedWrongPin'
type Target =
  | 'same'
  | 'otherFixture'
  | 'emailCase'
  | 'otherSession'
  | 'otherBot'
  | 'unknownEmail'
  | 'menuIntent'
  | 'otherIntent'
const GRANTING_PINS: PinKind[] = ['slot', 'spoken', 'dashed', 'words', 'list', 'encrypted']
const GRANTING_TARGETS: Target[] = ['same', 'otherFixture', 'emailCase']

const lexCase = fc.record({
  pin: fc.constantFrom<PinKind>(
    ...GRANTING_PINS,
    'oneDigitOff',
    'wordsOverDigits',
    'fullWidth',
    'long',
    'numberTyped',
    'otherSlotName',
    'interpretationOnly',
    'attribute',
    'encryptedOtherKey',
    'encryptedTampered',
    'encryptedForOtherChallenge',
    'encryptedWrongPin',
  ),
  target: fc.constantFrom<Target>(
    'same',
    'same',
    'otherFixture',
    'emailCase',
    'otherSession',
    'otherBot',
    'unknownEmail',
    'menuIntent',
    'otherIntent',
  ),
  // What must make no difference: a client's own claims, the dish, how the words came in.
  claims: fc.record(
    {
      auth: fc.constant('true'),
      uuid: fc.stringMatching(/^[A-Za-z0-9_-]{38}$/),
      currentOrder: fc.constant('[{"id":"pizza","quantity":50}]'),
    },
    { requiredKeys: [] },
  ),
  food: fc.constantFrom(undefined, 'pizza', 'lobster'),
  inputMode: fc.constantFrom<'Text' | 'Speech' | 'DTMF'>('Text', 'Speech', 'DTMF'),
})

/** The slots and attributes that carry `pin` the way `kind` says. */
async function carrying(
  kind: PinKind,
  pin: string,
  challengeId: string,
): Promise<{ slots: Record<string, Json>; attributes: Record<string, string>; topOnly?: Json }> {
  const spaced = pin.split('').join(' ')
  const off = wrong(pin)
  switch (kind) {
    case 'slot':
      return { slots: { Pin: slot(pin) }, attributes: {} }
    case 'spoken':
      return { slots: { Pin: slot(spaced, String(Number(pin))) }, attributes: {} }
    case 'dashed':
      return { slots: { Pin: slot(`${pin.slice(0, 3)}-${pin.slice(3)}`, String(Number(pin))) }, attributes: {} }
    case 'words':
      return { slots: { Pin: slot('my code', pin) }, attributes: {} }
    case 'list':
      return { slots: { Pin: { shape: 'List', values: [slot(pin)] } }, attributes: {} }
    case 'encrypted':
      return { slots: {}, attributes: { encryptedPin: await encrypt(pin, challengeId) } }
    case 'oneDigitOff':
      return { slots: { Pin: slot(off) }, attributes: {} }
    // The words heard win over Lex's reading of them (they keep leading zeros).
    case 'wordsOverDigits':
      return { slots: { Pin: slot(off.split('').join(' '), pin) }, attributes: {} }
    case 'fullWidth':
      return { slots: { Pin: slot(fullWidth(pin)) }, attributes: {} }
    case 'long':
      return { slots: { Pin: slot(`${pin}0`) }, attributes: {} }
    case 'numberTyped':
      return {
        slots: {
          Pin: {
            shape: 'Scalar',
            value: { originalValue: Number(pin), interpretedValue: Number(pin), resolvedValues: [] },
          },
        },
        attributes: {},
      }
    case 'otherSlotName':
      return { slots: { pin: slot(pin) }, attributes: {} }
    case 'interpretationOnly':
      return { slots: {}, attributes: {}, topOnly: { Pin: slot(pin) } }
    case 'attribute':
      return { slots: {}, attributes: { pin, Pin: pin } }
    case 'encryptedOtherKey':
      return { slots: {}, attributes: { encryptedPin: await encrypt(pin, challengeId, OTHER_KEY) } }
    case 'encryptedTampered':
      return { slots: {}, attributes: { encryptedPin: tamper(await encrypt(pin, challengeId)) } }
    case 'encryptedForOtherChallenge':
      return {
        slots: {},
        attributes: { encryptedPin: await encrypt(pin, `${challengeId.slice(0, 16)}${'C'.repeat(22)}`) },
      }
    case 'encryptedWrongPin':
      return { slots: {}, attributes: { encryptedPin: await encrypt(off, challengeId) } }
  }
}

describe('Lex OrderFood (fast-check): verified exactly when the right PIN comes in its conversation', () => {
  it('auth "true" and a verified server session if and only if the turn carries the right PIN, as Lex delivers it, for its own conversation', async () => {
    await fc.assert(
      fc.asyncProperty(lexCase, async (c) => {
        const me = await customer()
        const { slots, attributes, topOnly } = await carrying(c.pin, me.pin, me.challengeId)
        const conversation = { bot: BOT, sessionId: me.sessionId }
        let email = me.email
        let intent = 'OrderFood'
        switch (c.target) {
          case 'emailCase':
            email = ` ${me.email.toUpperCase()} `
            break
          case 'otherSession':
            conversation.sessionId = randomUUID()
            break
          case 'otherBot':
            conversation.bot = 'OTHERBOT01'
            break
          case 'unknownEmail':
            email = `nobody-${randomUUID().slice(0, 6)}@example.com`
            break
          case 'menuIntent':
            intent = 'GetFoodMenu'
            break
          case 'otherIntent':
            intent = 'BookHotel'
            break
        }
        const e = lexEvent({
          intent,
          sessionId: conversation.sessionId,
          botId: conversation.bot,
          inputMode: c.inputMode,
          fixture:
            c.target === 'otherFixture'
              ? 'lexv2-fulfillmentcodehook-text-bankingbot'
              : 'lexv2-dialogcodehook-text-bookhotel',
          sessionAttributes: { ...c.claims, email, ...attributes },
          slots: { ...(c.food ? { Food: slot(c.food) } : {}), ...slots },
        })
        if (topOnly) e.interpretations[0].intent.slots = { ...e.interpretations[0].intent.slots, ...topOnly }

        const res = await say(e)
        expectLexShape(res)
        const grants = GRANTING_PINS.includes(c.pin) && GRANTING_TARGETS.includes(c.target)
        expect(isLexGrant(res), res.body).toBe(grants)
        const session = await t.app.sessions.peekChannel('lex', [BOT, ALIAS, me.sessionId])
        expect(session?.authenticated).toBe(grants)
        expect(session?.items).toEqual(grants && c.food === 'pizza' ? [{ item: 'pizza', quantity: 1 }] : [])
      }),
      { numRuns: 150 },
    )
  })
})
