import { describe, expect, it } from 'vitest'
import { createAssertions } from '../../../services/auth/src/core/assertions.ts'
import type { AssertionClaims, AssertionSigner, VoiceMessage } from '../../../services/auth/src/core/ports.ts'
import { challengeState, fakeVerification, recordEvents, refusal, undoHandle } from '../../support/core/fakes.ts'

// The core's part of assertions, events and PIN calls, through its ports: what it signs and
// when, what it reports, and which sender it picks. The wire sides have their e2e tests.

const NOW = Date.UTC(2026, 0, 15, 12, 0, 0)
const MOBILE = '+819012345678'
const LANDLINE = '+81355550123'

function setup(opts: { voice?: boolean } = {}) {
  const signed: AssertionClaims[] = []
  const signer: AssertionSigner = {
    sign: async (claims) => {
      signed.push(claims)
      return `signed-${signed.length}`
    },
    check: async () => ({ kind: 'invalid' }),
  }
  const calls: VoiceMessage[] = []
  const { events, changes } = recordEvents()
  const fake = fakeVerification({
    now: NOW,
    events,
    assertions: createAssertions(signer, { issuer: 'pinline', ttlSeconds: 600 }, () => NOW),
    ...(opts.voice ? { voice: { call: async (m) => void calls.push(m) } } : {}),
  })
  fake.spend.roomy()
  return { v: fake.verification, ...fake, signed, calls, changes }
}

describe('assertions', () => {
  it('an approval in a binding is signed: the number as its id, how, where, for what, for how long', async () => {
    const { v, store, signed } = setup()
    const facts = {
      phoneId: 'pid',
      attempts: 1,
      sends: 1,
      purpose: 'payout',
      delivery: 'voice' as const,
      via: 'connect' as const,
      transaction: { amount: '5000', currency: 'JPY', payee: 'Sato' },
    }
    store.script.verify.answer({ kind: 'approved', attemptsLeft: 4, caller: undefined, facts })
    const r = await v.verify('ch-819012345678-t', '123456', { via: 'connect', ref: 'contact-1' })
    expect(r).toMatchObject({ status: 'approved', assertion: 'signed-1' })
    expect(signed[0]).toEqual({
      iss: 'pinline',
      sub: 'pid',
      amr: ['otp', 'tel'],
      via: 'connect',
      binding: 'connect:contact-1',
      purpose: 'payout',
      amount: '5000',
      currency: 'JPY',
      payee: 'Sato',
      iat: NOW / 1000,
      exp: NOW / 1000 + 600,
      jti: expect.stringMatching(/^[0-9a-f-]{36}$/),
    })
  })

  it('no binding (an undecryptable-PIN count, a caller-ID lookup), or no approval: nothing is signed', async () => {
    const { v, store, signed } = setup()
    store.script.verify.answer(
      { kind: 'approved', attemptsLeft: 4, caller: undefined },
      { kind: 'rejected', attemptsLeft: 3 },
    )
    expect(await v.verify('ch-819012345678-t', '123456')).not.toHaveProperty('assertion')
    expect(await v.verify('ch-819012345678-t', '123456', { via: 'rest', ref: 'x' })).toEqual({
      status: 'rejected',
      attemptsLeft: 3,
    })
    expect(signed).toHaveLength(0)
  })
})

describe('events', () => {
  it('pending after a send, then rejected and approved, each with what the challenge was for; never a PIN', async () => {
    const { v, store, changes } = setup()
    store.script.create.answer({ kind: 'created', state: challengeState(NOW), undo: undoHandle('u') })
    const { challengeId } = await v.issue({ phone: MOBILE, purpose: 'login', via: 'lex' })
    store.script.verify.answer(
      { kind: 'rejected', attemptsLeft: 4 },
      { kind: 'approved', attemptsLeft: 3, caller: undefined },
    )
    await v.verify(challengeId, '000000')
    await v.verify(challengeId, '975310')
    expect(changes.map((e) => [e.type, e.via, e.channel, e.purpose])).toEqual([
      ['pending', 'lex', 'sms', 'login'],
      ['rejected', 'rest', 'sms', 'login'],
      ['approved', 'rest', 'sms', 'login'],
    ])
    expect(changes[0]).toMatchObject({ challengeId, phoneId: '819012345678', attempts: 0, sends: 1, at: NOW })
    expect(new Set(changes.map((e) => e.id)).size).toBe(3)
    expect(JSON.stringify(changes)).not.toMatch(/\+81|000000|975310/)
  })

  it('a send the provider refuses: send_failed, and no pending', async () => {
    const { v, store, sms, changes } = setup()
    store.script.create.answer({ kind: 'created', state: challengeState(NOW), undo: undoHandle('u') })
    sms.failNext()
    expect((await refusal(v.issue({ phone: MOBILE }))).code).toBe('SMS_SEND_FAILED')
    expect(changes.map((e) => e.type)).toEqual(['send_failed'])
  })
})

describe('PINs by phone call', () => {
  it('voice without a voice port: VOICE_NOT_AVAILABLE before the store is asked; auto then texts a landline', async () => {
    const { v, store, sms } = setup()
    expect((await refusal(v.issue({ phone: MOBILE, channel: 'voice' }))).code).toBe('VOICE_NOT_AVAILABLE')
    expect(store.calls.create).toHaveLength(0)
    store.script.create.answer({ kind: 'created', state: challengeState(NOW), undo: undoHandle('u') })
    expect((await v.issue({ phone: LANDLINE, channel: 'auto' })).channel).toBe('sms')
    expect(sms.sent).toHaveLength(1)
  })

  it('auto calls a landline: the voice budget is counted, the SSML reads the PIN twice, the store records voice', async () => {
    const { v, store, spend, sms, calls } = setup({ voice: true })
    store.script.create.answer({ kind: 'created', state: challengeState(NOW), undo: undoHandle('u') })
    expect((await v.issue({ phone: LANDLINE, channel: 'auto', locale: 'ja' })).channel).toBe('voice')
    expect(store.calls.create[0]![0]).toMatchObject({ delivery: 'voice' })
    expect(spend.taken.map((c) => c.kind)).toEqual(['prefix', 'voice_day'])
    expect(sms.sent).toHaveLength(0)
    expect(calls).toHaveLength(1)
    expect(calls[0]).toMatchObject({ to: LANDLINE, locale: 'ja' })
    const digits = [...calls[0]!.ssml.matchAll(/interpret-as="digits">(\d)</g)].map((m) => m[1]).join('')
    expect(digits).toHaveLength(12)
    expect(digits.slice(0, 6)).toBe(digits.slice(6))
  })

  it('a call the provider refuses: VOICE_SEND_FAILED, the send and the counters taken back', async () => {
    const failing = fakeVerification({
      now: NOW,
      voice: {
        call: async () => {
          throw new Error('no route')
        },
      },
    })
    failing.spend.roomy()
    failing.store.script.create.answer({ kind: 'created', state: challengeState(NOW), undo: undoHandle('u') })
    expect((await refusal(failing.verification.issue({ phone: MOBILE, channel: 'voice' }))).code).toBe(
      'VOICE_SEND_FAILED',
    )
    expect(failing.store.calls.undone).toEqual([undoHandle('u')])
    expect(failing.spend.givenBack.map((c) => c.kind).sort()).toEqual(['prefix', 'voice_day'])
  })
})
