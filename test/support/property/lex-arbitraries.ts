import fc from 'fast-check'
import type { InjectOptions } from 'fastify'
import { expect } from 'vitest'
import { XMLValidator } from 'fast-xml-parser'
import { botTexts } from '../../../services/auth/src/channels/lex/messages.ts'
import { message } from '../../../services/auth/src/channels/lex/response.ts'
import { fullWidth, mostly, oddString, shimRequests, sixDigits } from '../events/event-mutations.ts'
import { lexEvent, slot, type Json } from '../events/lex-events.ts'
import { eventNames } from '../events/load.ts'
import type { InjectResponse } from './no-fault-property.ts'
import { hostileValue } from './rest-arbitraries.ts'

// Amazon Lex V2 code-hook events as a fuzzer or a hostile client would make them: the AWS
// samples (test/events/lex) with intents, slots and session attributes varied (a client sets
// those attributes freely: auth "true", a forged uuid, an order of its own), then broken at
// any depth like the Connect events.

/** What the events aim at: conversations with live challenges, and their right PINs (never sent). */
export interface LexTargets {
  emails: string[]
  /** [bot id, Lex session id] of each seeded conversation. */
  conversations: Array<[string, string]>
  challengeIds: string[]
  pins: string[]
  /** Genuine KMS ciphertexts that must not verify: tampered, another key, another challenge, a wrong PIN. */
  ciphertexts: string[]
}

const fixtures = eventNames('lex')

/** A slot as Lex fills it, or as a broken client might: lists, bare values, wrong types. */
function slotOf(words: fc.Arbitrary<string>): fc.Arbitrary<unknown> {
  const scalar = fc
    .tuple(words, fc.option(words, { nil: undefined }), fc.array(words, { maxLength: 2 }))
    .map(([o, i, r]) => slot(o, i ?? o, r))
  return fc.oneof(
    { weight: 10, arbitrary: scalar },
    fc.constant(null),
    fc.array(scalar, { maxLength: 2 }).map((values) => ({ shape: 'List', values })),
    fc.record(
      { shape: fc.constantFrom('Scalar', 'List', 'Composite'), value: hostileValue, values: hostileValue },
      { requiredKeys: [] },
    ),
    // Lex sends strings; a broken client may not.
    fc
      .record(
        { originalValue: hostileValue, interpretedValue: hostileValue, resolvedValues: hostileValue },
        { requiredKeys: [] },
      )
      .map((value) => ({ shape: 'Scalar', value })),
    hostileValue,
  )
}

const food = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom('pizza', 'Pizzas', 'ピザ', 'burger', 'lobster', '寿司') },
  oddString,
)
const pinWords = fc.oneof(
  { weight: 6, arbitrary: sixDigits },
  sixDigits.map((p) => p.split('').join(' ')),
  sixDigits.map(fullWidth),
  fc.constantFrom('four two seven', '12', '1234567', '#', ''),
  oddString,
)

/** A code-hook event with every field the channel reads varied; shimRequests breaks it further. */
function events(targets: LexTargets): fc.Arbitrary<Json> {
  const attributes = fc.record(
    {
      email: mostly(
        fc.oneof(
          { weight: 6, arbitrary: fc.constantFrom(...targets.emails) },
          fc.constantFrom(...targets.emails).map((e) => ` ${e.toUpperCase()} `),
          fc.constantFrom('nobody@example.com', 'not-an-email'),
        ),
      ),
      auth: mostly(fc.constantFrom('true', 'false', 'True')),
      uuid: mostly(fc.oneof(fc.constantFrom(...targets.challengeIds), fc.stringMatching(/^[A-Za-z0-9_-]{38}$/))),
      currentOrder: mostly(
        fc.constantFrom('[{"id":"pizza","name":"Pizza","quantity":50}]', '[]', '{"__proto__":{"admin":true}}', 'null'),
      ),
      encryptedPin: mostly(
        fc.oneof(
          { weight: 4, arbitrary: fc.constantFrom(...targets.ciphertexts) },
          fc.constantFrom('AQID', 'not base64!', 'A'.repeat(8196), '===='),
        ),
      ),
      theme: fc.constant('dark'),
    },
    { requiredKeys: ['email'] },
  )
  const slots = fc.record(
    { Food: slotOf(food), Pin: slotOf(pinWords), Location: slotOf(oddString) },
    { requiredKeys: [] },
  )
  const turn = fc
    .record({
      fixture: fc.constantFrom(...fixtures),
      intent: fc.oneof(
        { weight: 12, arbitrary: fc.constantFrom('OrderFood', 'GetFoodMenu') },
        fc.constantFrom('BookHotel', 'FallbackIntent', 'orderfood', 'CheckBalance'),
        oddString,
      ),
      conversation: fc.oneof(
        { weight: 6, arbitrary: fc.constantFrom(...targets.conversations) },
        fc.tuple(fc.constantFrom('CCGFLGVZMD', 'OTHERBOT01'), fc.uuid()),
      ),
      slots,
      sessionAttributes: fc.option(attributes, { nil: undefined }),
      localeId: mostly(fc.constantFrom('en_US', 'ja_JP', 'en_GB', 'fr_FR')),
      inputMode: fc.constantFrom<'Text' | 'Speech' | 'DTMF'>('Text', 'Speech', 'DTMF'),
    })
    .map((g) => {
      const e = lexEvent({
        intent: g.intent,
        fixture: g.fixture,
        slots: g.slots as Record<string, Json>,
        sessionAttributes: g.sessionAttributes as Record<string, string> | undefined,
        inputMode: g.inputMode,
      })
      ;[e.bot.id, e.sessionId] = g.conversation
      e.bot.localeId = g.localeId
      return e
    })
  return turn
}

/** POST /v1/channels/lex as the shim sends it, with fuzzed events; never a right PIN. */
export function lexRequests(targets: LexTargets): fc.Arbitrary<InjectOptions> {
  return shimRequests('/v1/channels/lex', events(targets), targets.pins)
}

// What the bot says when a turn failed on our side: with Redis and KMS up, input caused it.
const OUR_FAULT = new Set(
  Object.values(botTexts).flatMap((t) => [message(t.unavailable, false).content, message(t.unavailable, true).content]),
)

/**
 * A voice turn's message is SSML that parses as XML inside one <speak>; a text turn's is plain
 * text with no markup. ElicitIntent ("anything else?") is only ever said on a voice turn.
 */
export function expectLexMessage(r: Json): void {
  expect(r.messages).toHaveLength(1)
  const { contentType, content } = r.messages[0]
  expect(content.length).toBeGreaterThan(0)
  expect(content.length).toBeLessThanOrEqual(1024)
  if (contentType === 'SSML') {
    expect(XMLValidator.validate(content), content).toBe(true)
    expect(content).toMatch(/^<speak>[\s\S]*<\/speak>$/)
  } else {
    expect(contentType).toBe('PlainText')
    expect(content).not.toMatch(/<speak|<say-as|[\u{E000}-\u{E004}]/u)
    expect(r.sessionState.dialogAction.type).not.toBe('ElicitIntent')
  }
}

/**
 * Lex's contract: once the JSON is readable and the key right, 200 with a well-formed V2
 * response (string attributes, a valid dialog action, one message of 1 to 1024 characters),
 * never the "something went wrong on our side" answer, and never the one-shot encryptedPin.
 * Otherwise only the refusals a shim turns into its fallback: 400 INVALID_JSON, 401, 413, 415.
 */
export function expectLexShape(res: InjectResponse): void {
  if (res.statusCode !== 200) {
    expect(
      { 400: 'INVALID_JSON', 401: 'UNAUTHORIZED', 413: 'BODY_TOO_LARGE', 415: 'UNSUPPORTED_MEDIA_TYPE' }[
        res.statusCode
      ],
      res.body,
    ).toBe(res.json().code)
    return
  }
  const r = res.json()
  const { sessionAttributes, dialogAction, intent } = r.sessionState
  expect(sessionAttributes).toBeTypeOf('object')
  for (const [k, v] of Object.entries(sessionAttributes)) expect(v, k).toBeTypeOf('string')
  expect(sessionAttributes).not.toHaveProperty('encryptedPin')
  expect(['true', 'false']).toContain(sessionAttributes.auth)
  if (dialogAction.type === 'ElicitSlot') expect(['Food', 'Pin']).toContain(dialogAction.slotToElicit)
  else if (dialogAction.type === 'ElicitIntent') expect(dialogAction).toEqual({ type: 'ElicitIntent' })
  else expect(dialogAction).toEqual({ type: 'Close' })
  expect(intent.name).toMatch(/./)
  expect(['Fulfilled', 'Failed', 'InProgress']).toContain(intent.state)
  expect(intent.confirmationState).toBeTypeOf('string')
  expect(intent.slots).toBeTypeOf('object')
  expect(Array.isArray(intent.slots)).toBe(false)
  expectLexMessage(r)
  expect(OUR_FAULT.has(r.messages[0].content), r.messages[0].content).toBe(false)
}

/** A grant on Lex: the session says verified, or an item went into the order. */
export function isLexGrant(res: InjectResponse): boolean {
  if (res.statusCode !== 200) return false
  const { sessionState } = res.json()
  return sessionState.sessionAttributes.auth === 'true' || sessionState.intent.state === 'Fulfilled'
}
