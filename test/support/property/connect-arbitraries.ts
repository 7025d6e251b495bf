import fc from 'fast-check'
import type { InjectOptions } from 'fastify'
import { ErrorCodes, type ErrorCode } from '../../../services/auth/src/core/errors.ts'
import { expectStringMap } from '../events/connect-events.ts'
import { eventNames, type Json, loadEvent } from '../events/load.ts'
import { fullWidth, mostly, shimRequests, sixDigits } from '../events/event-mutations.ts'
import type { InjectResponse } from './no-fault-property.ts'
import { hostileValue } from './rest-arbitraries.ts'

// Amazon Connect ContactFlowEvents as a fuzzer, a broken flow or a forged caller would make
// them: the real events (test/events/connect), with every field the channel reads varied and
// any field at any depth deleted, nulled, retyped or joined by a forged key.

/** What the events aim at: numbers with real state, contacts with live challenges. */
export interface ConnectTargets {
  phones: string[]
  contactIds: string[]
  challengeIds: string[]
  /** The right PINs of the live challenges: no generated event carries one. */
  pins: string[]
}

const fixtures = eventNames('connect').map((name) => loadEvent('connect', name))
/** 38 characters like a challenge id: passes the format check, names nothing. */
export const forgedChallengeId = fc.stringMatching(/^[A-Za-z0-9_-]{38}$/)

/** Everything "Store customer input" could have saved, and what a broken flow could pass. */
const pinInput = fc.oneof(
  { weight: 24, arbitrary: sixDigits },
  { weight: 6, arbitrary: sixDigits.map((p) => `${p}#`) },
  sixDigits.map(fullWidth),
  fc.constantFrom('Timeout', '#', '', '##', '*', '123456##', '#123456', ' 123456', '12345', '1234567'),
  fc.integer(),
  fc.array(sixDigits, { maxLength: 2 }),
  hostileValue,
)

/** A ContactFlowEvent with every field the channel reads varied; shimRequests breaks it further. */
function events(targets: ConnectTargets): fc.Arbitrary<Json> {
  const phone = mostly(
    fc.oneof(
      { weight: 8, arbitrary: fc.constantFrom(...targets.phones) },
      fc.constantFrom(...targets.phones).map((p) => `${p.slice(0, 3)} ${p.slice(3, 5)}-${p.slice(5)}`),
      fc.constantFrom('+1234567890', 'anonymous', 'Anonymous', '+447911123456', '+8823451234567', '0', ''),
    ),
  )
  const parameters = fc.record(
    {
      action: mostly(
        fc.oneof(
          { weight: 8, arbitrary: fc.constantFrom('lookup', 'sendPin', 'verifyPin') },
          fc.constantFrom('VerifyPin', 'verifypin', 'enrol', ''),
        ),
      ),
      CallerID: phone,
      language: mostly(fc.constantFrom('ja', 'en', 'ja_JP', 'en-US', 'xx')),
      pin: pinInput,
      challengeId: mostly(fc.oneof(fc.constantFrom(...targets.challengeIds), forgedChallengeId)),
      resend: mostly(
        fc.constantFrom('true', 'True', 'false', 'False'),
        fc.oneof(fc.constantFrom('TRUE', 'yes', '1'), hostileValue),
      ),
      sentAttributeKey: fc.constant('sentAttributeValue'),
    },
    { requiredKeys: [] },
  )
  // Contact attributes are set by flows, some from what callers typed: they must never count.
  const attributes = fc.dictionary(
    fc.oneof(
      fc.constantFrom('language', 'auth', 'pinVerified', 'challengeId', 'lambdaResult', 'verified'),
      fc.string({ maxLength: 8 }),
    ),
    mostly(fc.constantFrom('True', 'true', 'ja', 'en')),
    { maxKeys: 4 },
  )
  const event = fc
    .record({
      fixture: fc.constantFrom(...fixtures),
      contactId: mostly(fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...targets.contactIds) }, fc.uuid())),
      phone: fc.option(phone, { freq: 8 }),
      channel: fc.option(
        mostly(
          fc.oneof({ weight: 4, arbitrary: fc.constant('VOICE') }, fc.constantFrom('CHAT', 'TASK', 'EMAIL', 'voice')),
        ),
        { nil: undefined },
      ),
      attributes: fc.option(mostly(attributes), { nil: undefined }),
      languageCode: fc.option(mostly(fc.constantFrom('ja-JP', 'en-US', 'xx')), { nil: undefined }),
      parameters: mostly(parameters, fc.oneof(fc.constant(null), hostileValue)),
    })
    .map((g) => {
      const e = structuredClone(g.fixture)
      const data = e.Details.ContactData
      data.ContactId = g.contactId
      data.CustomerEndpoint = g.phone === null ? null : { Address: g.phone, Type: 'TELEPHONE_NUMBER' }
      if (g.channel !== undefined) data.Channel = g.channel
      if (g.attributes !== undefined) data.Attributes = g.attributes
      if (g.languageCode !== undefined) data.LanguageCode = g.languageCode
      e.Details.Parameters = g.parameters
      return e
    })
  return event
}

/** POST /v1/channels/connect as the shim sends it, with fuzzed events; never a right PIN. */
export function connectRequests(targets: ConnectTargets): fc.Arbitrary<InjectOptions> {
  return shimRequests('/v1/channels/connect', events(targets), targets.pins)
}

/**
 * Connect's contract, whatever came in: 200 with a flat string map (401 only for a wrong key),
 * an errorCode from our list on Error, and never one of ours (5xx class): Redis is up and
 * SMS sends succeed, so such a code would be an exception the input caused.
 */
export function expectConnectShape(res: InjectResponse): void {
  if (res.statusCode === 401) return
  if (res.statusCode !== 200) throw new Error(`status ${res.statusCode}: ${res.body}`)
  const map = expectStringMap(res.json())
  if (map.lambdaResult === 'Error') {
    const code = map.errorCode as ErrorCode
    if (!Object.hasOwn(ErrorCodes, code)) throw new Error(`unknown errorCode: ${res.body}`)
    if (ErrorCodes[code].status >= 500) throw new Error(`a failure of ours: ${res.body}`)
  }
  if (map.retryAfterSeconds !== undefined && !/^[1-9][0-9]*$/.test(map.retryAfterSeconds))
    throw new Error(`retryAfterSeconds: ${res.body}`)
}

const PROFILE = ['firstName', 'lastName', 'custLevel'] as const

/** A grant on Connect: a verified PIN; with `profileIsGrant` (CALLER_ID_AUTH=verify), a profile too. */
export const isConnectGrant =
  (profileIsGrant: boolean) =>
  (res: InjectResponse): boolean => {
    if (res.statusCode !== 200) return false
    const map = res.json() as Record<string, string>
    return map.pinVerified === 'True' || (profileIsGrant && PROFILE.some((k) => k in map))
  }
