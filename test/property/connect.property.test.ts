import { randomUUID } from 'node:crypto'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { connectEvent, type Json } from '../support/events/connect-events.ts'
import {
  connectRequests,
  expectConnectShape,
  forgedChallengeId,
  isConnectGrant,
  type ConnectTargets,
} from '../support/property/connect-arbitraries.ts'
import { fullWidth } from '../support/events/event-mutations.ts'
import { assertNoFaultNoGrant, LIMITS_OUT_OF_THE_WAY } from '../support/property/no-fault-property.ts'
import { auth, buildTestApp, keysOf, type TestApp } from '../support/app/test-app.ts'
import { phoneSequence } from '../support/app/phones.ts'
import { registerCaller } from '../support/app/callers.ts'

// Property-based: whatever a contact flow (or someone forging its events) sends to
// POST /v1/channels/connect, the answer is Connect's flat map, no failure is ours, and nothing
// is granted without the right PIN. Live challenges exist, so a grant is possible in principle.

// The property is about inputs: the caps stay out of the way (their own tests cover them), and
// the REST calls that set the scene are not rate limited.
const nextPhone = phoneSequence('90', 30000000)

const post = (t: TestApp, event: unknown) =>
  t.app.inject({
    method: 'POST',
    url: '/v1/channels/connect',
    headers: { ...auth, 'content-type': 'application/json' },
    payload: JSON.stringify(event),
  })

/** An app with a known caller, and a live challenge for it and for an unknown number. */
async function seeded(env: Record<string, string>) {
  const t = await buildTestApp({ ...LIMITS_OUT_OF_THE_WAY, ...env })
  const known = nextPhone()
  const unknown = nextPhone()
  await registerCaller(t, known, { firstName: 'Taro', lastName: 'Yamada', custLevel: 'Gold', language: 'ja' })
  const targets: ConnectTargets = { phones: [known, unknown], contactIds: [], challengeIds: [], pins: [] }
  for (const phone of [known, unknown]) {
    const contactId = randomUUID()
    const sent = (await post(t, connectEvent({ phone, contactId, parameters: { action: 'sendPin' } }))).json()
    targets.contactIds.push(contactId)
    targets.challengeIds.push(sent.challengeId)
    targets.pins.push(t.sms.lastPin(phone))
  }
  return { t, known, targets }
}

describe.each([
  ['trust', false],
  ['verify', true],
] as const)('Connect events, CALLER_ID_AUTH=%s (fast-check)', (mode, profileIsGrant) => {
  let s: Awaited<ReturnType<typeof seeded>>
  beforeAll(async () => {
    s = await seeded({ CALLER_ID_AUTH: mode })
  })
  afterAll(() => s.t.app.close())

  it('no event produces a 5xx, a stack trace, a failure of ours, a malformed map or a grant', async () => {
    await assertNoFaultNoGrant(s.t.app, connectRequests(s.targets), {
      isGrant: isConnectGrant(profileIsGrant),
      errorBody: false,
      shape: expectConnectShape,
      numRuns: 500,
    })
  })

  it('afterwards the live challenges are pending or locked, and no one was enrolled', async () => {
    for (const id of s.targets.challengeIds)
      expect(['pending', 'locked']).toContain((await s.t.app.verification.status(id))?.status)
    const callers = (await keysOf(s.t)).filter((k) => k.endsWith(':caller'))
    expect(callers).toEqual([s.t.app.keys.caller(s.known)])
  })
})

// The other direction: the right PIN does grant, and only in the exact form and place the flow
// stores it. Each run starts a fresh contact, then sends one verifyPin variant.
type PinKind =
  | 'exact'
  | 'terminated'
  | 'oneDigitOff'
  | 'doubleHash'
  | 'leadingHash'
  | 'spaced'
  | 'fullWidth'
  | 'short'
  | 'long'
  | 'number'
  | 'array'
  | 'timeout'
type Target =
  | 'contact'
  | 'callerId'
  | 'callerIdOnly'
  | 'challengeId'
  | 'otherContact'
  | 'otherCallerId'
  | 'forgedChallengeId'
  | 'chat'
const GRANTING_PINS: PinKind[] = ['exact', 'terminated']
const GRANTING_TARGETS: Target[] = ['contact', 'callerId', 'callerIdOnly', 'challengeId']

function pinOf(kind: PinKind, pin: string, off: number): unknown {
  const i = off % 6
  switch (kind) {
    case 'exact':
      return pin
    case 'terminated':
      return `${pin}#`
    case 'oneDigitOff':
      return `${pin.slice(0, i)}${(Number(pin[i]) + 1 + (off % 9)) % 10}${pin.slice(i + 1)}`
    case 'doubleHash':
      return `${pin}##`
    case 'leadingHash':
      return `#${pin}`
    case 'spaced':
      return ` ${pin}`
    case 'fullWidth':
      return fullWidth(pin)
    case 'short':
      return pin.slice(1)
    case 'long':
      return `${pin}0`
    case 'number':
      return Number(pin)
    case 'array':
      return [pin]
    case 'timeout':
      return 'Timeout'
  }
}

const verifyCase = fc.record({
  pin: fc.constantFrom<PinKind>(
    'exact',
    'terminated',
    'oneDigitOff',
    'doubleHash',
    'leadingHash',
    'spaced',
    'fullWidth',
    'short',
    'long',
    'number',
    'array',
    'timeout',
  ),
  off: fc.nat(),
  target: fc.constantFrom<Target>(
    'contact',
    'callerId',
    'callerIdOnly',
    'challengeId',
    'otherContact',
    'otherCallerId',
    'forgedChallengeId',
    'chat',
  ),
  action: fc.constantFrom<string | undefined>(
    'verifyPin',
    'verifyPin',
    'verifyPin',
    'VerifyPin',
    'sendPin',
    'lookup',
    undefined,
  ),
  forgedId: forgedChallengeId,
  // What must make no difference: attributes and parameters claiming a verified caller.
  claims: fc.record(
    { pinVerified: fc.constant('True'), auth: fc.constant('true'), lambdaResult: fc.constant('Success') },
    { requiredKeys: [] },
  ),
  name: fc.oneof(fc.constant('ContactFlowEvent'), fc.string({ maxLength: 20 })),
})

describe('Connect verifyPin (fast-check): a grant exactly when the right PIN comes for the right challenge', () => {
  let t: TestApp
  beforeAll(async () => {
    t = await buildTestApp(LIMITS_OUT_OF_THE_WAY)
  })
  afterAll(() => t.app.close())

  it('pinVerified "True" and an enrolment if and only if the event carries the right PIN (or PIN#) on verifyPin for its challenge', async () => {
    await fc.assert(
      fc.asyncProperty(verifyCase, async (c) => {
        const phone = nextPhone()
        const contactId = randomUUID()
        const { challengeId } = (
          await post(t, connectEvent({ phone, contactId, parameters: { action: 'sendPin' } }))
        ).json()
        const pin = t.sms.lastPin(phone)

        const parameters: Json = { ...c.claims, pin: pinOf(c.pin, pin, c.off) }
        if (c.action !== undefined) parameters.action = c.action
        const event = connectEvent({ phone, contactId, attributes: c.claims })
        event.Name = c.name
        const spaced = `${phone.slice(0, 3)} ${phone.slice(3, 5)}-${phone.slice(5)}`
        switch (c.target) {
          case 'callerId':
            parameters.CallerID = spaced
            break
          case 'callerIdOnly':
            parameters.CallerID = phone
            event.Details.ContactData.CustomerEndpoint = null
            break
          case 'challengeId':
            parameters.challengeId = challengeId
            event.Details.ContactData.ContactId = randomUUID()
            break
          case 'otherContact':
            event.Details.ContactData.ContactId = randomUUID()
            break
          case 'otherCallerId':
            parameters.CallerID = nextPhone()
            break
          case 'forgedChallengeId':
            parameters.challengeId = c.forgedId
            break
          case 'chat':
            event.Details.ContactData.Channel = 'CHAT'
            break
        }
        event.Details.Parameters = parameters

        const res = await post(t, event)
        expectConnectShape(res)
        const grants = GRANTING_PINS.includes(c.pin) && GRANTING_TARGETS.includes(c.target) && c.action === 'verifyPin'
        expect(isConnectGrant(false)(res), res.body).toBe(grants)
        expect((await t.app.callers.get(phone)) !== undefined).toBe(grants)
      }),
      { numRuns: 150 },
    )
  })
})
