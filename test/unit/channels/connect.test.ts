import { describe, expect, it } from 'vitest'
import { createConnectChannel } from '../../../services/auth/src/channels/connect/channel.ts'
import { errorMap } from '../../../services/auth/src/channels/connect/string-map.ts'
import { PinlineError } from '../../../services/auth/src/core/errors.ts'
import { challengeState, fakeChallengeId, fakeVerification, refusal, undoHandle } from '../../support/core/fakes.ts'
import { connectEvent, expectStringMap } from '../../support/events/connect-events.ts'

// The Connect channel through the core's ports: each action's answers, and what a flow gets
// for each failure (the route turns every PinlineError into errorMap's string map).

const NOW = Date.UTC(2026, 0, 15, 12, 0, 0)
const KNOWN = '+819011112222'
const caller = { phone: KNOWN, firstName: 'Hanako', lastName: 'Sato', custLevel: 'Gold', language: 'ja', enrolledAt: 1 }
const state = () => challengeState(NOW)

function setup(callerIdAuth: 'trust' | 'verify' = 'trust') {
  const { verification, store, spend, sms, callers } = fakeVerification({ now: NOW, callers: [caller] })
  spend.roomy()
  const channel = createConnectChannel({ verification, callers: callers.port, callerIdAuth, now: () => NOW })
  return { channel, store, sms }
}

describe('Connect actions', () => {
  it('lookup: unknown, known (trust: the profile), known (verify: only the language)', async () => {
    const trust = setup('trust').channel
    expect(await trust.handle(connectEvent({ phone: '+819099998888' }))).toEqual({
      lambdaResult: 'Success',
      recordFound: 'False',
      authRequired: 'True',
    })
    expect(await trust.handle(connectEvent({ phone: KNOWN }))).toEqual({
      lambdaResult: 'Success',
      recordFound: 'True',
      authRequired: 'False',
      firstName: 'Hanako',
      lastName: 'Sato',
      custLevel: 'Gold',
      language: 'ja',
    })
    const verify = setup('verify').channel
    expect(await verify.handle(connectEvent({ phone: KNOWN }))).toEqual({
      lambdaResult: 'Success',
      recordFound: 'True',
      authRequired: 'True',
      language: 'ja',
    })
  })

  it('sendPin: a challenge keyed by the contact, enrolling, with its lifetime in seconds', async () => {
    const { channel, store, sms } = setup()
    store.script.create.answer({ kind: 'created', state: state(), undo: undoHandle('u') })
    const map = expectStringMap(await channel.handle(connectEvent({ phone: KNOWN, parameters: { action: 'sendPin' } })))
    expect(map).toMatchObject({ lambdaResult: 'Success', expiresInSeconds: '300' })
    expect(store.calls.create[0]![0]).toMatchObject({ enrol: true, purpose: 'connect', locale: 'ja' })
    expect(sms.sent).toHaveLength(1)
  })

  it('verifyPin: the result as strings; a locked one says when to retry', async () => {
    const { channel, store } = setup()
    const event = (pin: string) => connectEvent({ phone: KNOWN, parameters: { action: 'verifyPin', pin } })
    store.script.verify.answer({ kind: 'rejected', attemptsLeft: 3 }, { kind: 'locked', retryAfterMs: 299_500 })
    expect(await channel.handle(event('123456#'))).toEqual({
      lambdaResult: 'Success',
      pinVerified: 'False',
      status: 'rejected',
      attemptsLeft: '3',
    })
    expect(await channel.handle(event('123456'))).toEqual({
      lambdaResult: 'Success',
      pinVerified: 'False',
      status: 'locked',
      attemptsLeft: '0',
      retryAfterSeconds: '300',
    })
  })
})

describe('Connect failures', () => {
  it.each([
    ['no action it knows', { parameters: { action: 'deleteEverything' } }, 'VALIDATION_FAILED'],
    ['a chat contact', { channel: 'CHAT' }, 'CALLER_NUMBER_UNAVAILABLE'],
    ['a withheld number', { phone: 'anonymous' }, 'CALLER_NUMBER_UNAVAILABLE'],
    ['no number at all', { phone: null }, 'CALLER_NUMBER_UNAVAILABLE'],
    ['a number that is not one', { phone: '+81 0' }, 'INVALID_PHONE'],
    [
      'no PIN entered (Timeout)',
      { phone: KNOWN, parameters: { action: 'verifyPin', pin: 'Timeout' } },
      'PIN_NOT_ENTERED',
    ],
    ['only the # key', { phone: KNOWN, parameters: { action: 'verifyPin', pin: '#' } }, 'PIN_NOT_ENTERED'],
    ['too few digits', { phone: KNOWN, parameters: { action: 'verifyPin', pin: '123' } }, 'INVALID_PIN_FORMAT'],
    [
      "another number's challenge",
      {
        phone: KNOWN,
        parameters: { action: 'verifyPin', pin: '123456', challengeId: fakeChallengeId('+819099998888', 't') },
      },
      'CHALLENGE_NOT_FOUND',
    ],
  ])('%s: %s, nothing asked of the store', async (_, opts, code) => {
    const { channel, store } = setup()
    expect((await refusal(channel.handle(connectEvent(opts)))).code).toBe(code)
    expect([store.calls.create, store.calls.verify]).toEqual([[], []])
  })

  it.each([
    ['phone_locked', 'PHONE_LOCKED'],
    ['phone_send_limit', 'PHONE_SEND_LIMIT'],
    ['in_progress', 'SMS_SEND_IN_PROGRESS'],
  ] as const)('sendPin refused by the store (%s): %s', async (kind, code) => {
    const { channel, store } = setup()
    store.script.create.answer({ kind, retryAfterMs: 4000 })
    const err = await refusal(channel.handle(connectEvent({ phone: KNOWN, parameters: { action: 'sendPin' } })))
    expect(errorMap(err)).toEqual({ lambdaResult: 'Error', errorCode: code, retryAfterSeconds: '4' })
  })

  it('errorMap: the code, and retryAfterSeconds only where waiting helps', () => {
    expect(errorMap(new PinlineError('CHALLENGE_NOT_FOUND'))).toEqual({
      lambdaResult: 'Error',
      errorCode: 'CHALLENGE_NOT_FOUND',
    })
    expect(errorMap(new PinlineError('DEPENDENCY_UNAVAILABLE'))).toEqual({
      lambdaResult: 'Error',
      errorCode: 'DEPENDENCY_UNAVAILABLE',
    })
  })
})
