import { describe, expect, it } from 'vitest'
import type { ChallengeState } from '../../../services/auth/src/core/ports.ts'
import type { VerificationPolicy } from '../../../services/auth/src/core/verification.ts'
import {
  challengeState,
  defaults,
  fakeChallengeId,
  fakeVerification,
  recordEvents,
  refusal,
  undoHandle,
  type ScriptedVerify,
} from '../../support/core/fakes.ts'

// The verification core through its ports: every branch of issue, resend, verify and delivery,
// with the store's answers scripted. The Redis side of each answer has its integration tests.

const NOW = Date.UTC(2026, 0, 15, 12, 0, 0)
const PHONE = '+819012345678'
const JA_CALLER = {
  phone: '+819011112222',
  firstName: 'A',
  lastName: 'B',
  custLevel: 'Gold',
  language: 'ja',
  enrolledAt: 1,
}

function setup(policy: Partial<VerificationPolicy> = {}) {
  const { events, seen } = recordEvents()
  const fake = fakeVerification({ now: NOW, policy, events, callers: [JA_CALLER] })
  return { v: fake.verification, ...fake, seen }
}

const pending = (over: Partial<ChallengeState> = {}) => challengeState(NOW, over)

describe('issue', () => {
  it('refuses a number it cannot read, and one outside the allowed countries, before the store is asked', async () => {
    const { v, store, seen } = setup({ allowedCountries: ['JP'] })
    expect((await refusal(v.issue({ phone: 'not a number' }))).code).toBe('INVALID_PHONE')
    expect((await refusal(v.issue({ phone: '+14155550100' }))).code).toBe('DESTINATION_NOT_ALLOWED')
    expect(store.calls.create).toHaveLength(0)
    expect(seen).toEqual([['smsRefused', 'country']])
  })

  it('created: counts the prefix and the day, sends the PIN, records the delivery', async () => {
    const { v, store, spend, sms, seen } = setup()
    store.script.create.answer({ kind: 'created', state: pending(), undo: undoHandle('u') })
    spend.roomy()
    const view = await v.issue({ phone: PHONE, locale: 'en' })
    expect(view).toMatchObject({
      status: 'pending',
      sent: true,
      sendsLeft: defaults.verification.maxSendsPerChallenge - 1,
    })
    expect(view.resendAvailableAt).toBe(NOW + defaults.verification.resendCooldownMs)
    expect(spend.taken.map((c) => c.kind)).toEqual(['prefix', 'day'])
    expect(sms.sent).toHaveLength(1)
    expect(sms.sent[0]!.to).toBe(PHONE)
    const [created] = store.calls.create[0]!
    expect(store.calls.delivered).toEqual([{ id: created.id, digest: created.digest }])
    expect(created).toMatchObject({ phone: PHONE, locale: 'en', purpose: 'verify', enrol: false, now: NOW })
    expect(seen).toEqual([['issued', 'verify']])
  })

  it("takes the caller's language when the request names none", async () => {
    const { v, store, spend, sms } = setup()
    store.script.create.answer({ kind: 'created', state: pending(), undo: undoHandle('u') })
    spend.roomy()
    await v.issue({ phone: '+819011112222' })
    expect(store.calls.create[0]![0].locale).toBe('ja')
    expect(sms.sent[0]!.body).toMatch(/[ぁ-んァ-ン]/)
  })

  it('the same idempotency key gives the same challenge id', async () => {
    const { v, store } = setup()
    store.script.create.answer({ kind: 'existing', state: pending() }, { kind: 'existing', state: pending() })
    const a = await v.issue({ phone: PHONE, idempotencyKey: 'contact-1' })
    const b = await v.issue({ phone: PHONE, idempotencyKey: 'contact-1' })
    expect(a.challengeId).toBe(b.challengeId)
    expect(a.challengeId).toBe(v.challengeIdFor(PHONE, 'contact-1'))
  })

  it('existing: nothing is sent (sent false); a locked one is CHALLENGE_LOCKED', async () => {
    const { v, store, sms } = setup()
    store.script.create.answer({ kind: 'existing', state: pending({ sends: 2 }) })
    expect(await v.issue({ phone: PHONE })).toMatchObject({
      sent: false,
      sendsLeft: defaults.verification.maxSendsPerChallenge - 2,
    })
    store.script.create.answer({ kind: 'existing', state: pending({ status: 'locked' }) })
    expect((await refusal(v.issue({ phone: PHONE }))).code).toBe('CHALLENGE_LOCKED')
    expect(sms.sent).toHaveLength(0)
  })

  it.each([
    ['in_progress', 'SMS_SEND_IN_PROGRESS'],
    ['max_sends', 'MAX_SENDS_REACHED'],
    ['phone_locked', 'PHONE_LOCKED'],
    ['phone_send_limit', 'PHONE_SEND_LIMIT'],
  ] as const)('%s: %s with Retry-After in whole seconds, nothing counted or sent', async (kind, code) => {
    const { v, store, spend, sms } = setup()
    store.script.create.answer({ kind, retryAfterMs: 1500 })
    const err = await refusal(v.issue({ phone: PHONE }))
    expect([err.code, err.retryAfter]).toEqual([code, 2])
    expect([spend.taken, sms.sent]).toEqual([[], []])
  })

  it('redeliver: a fresh PIN goes out, reported as a resend', async () => {
    const { v, store, spend, sms, seen } = setup()
    store.script.create.answer({ kind: 'redeliver', state: pending({ sends: 2 }), undo: undoHandle('u') })
    spend.roomy()
    expect(await v.issue({ phone: PHONE })).toMatchObject({ sent: true })
    expect(sms.sent).toHaveLength(1)
    expect(seen).toEqual([['resent', 'redeliver']])
  })

  it('the provider refuses: SMS_SEND_FAILED, the write is undone and both counts given back', async () => {
    const { v, store, spend, sms, seen } = setup()
    store.script.create.answer({ kind: 'created', state: pending(), undo: undoHandle('u') })
    spend.roomy()
    sms.failNext()
    expect((await refusal(v.issue({ phone: PHONE }))).code).toBe('SMS_SEND_FAILED')
    expect(store.calls.undone).toEqual([undoHandle('u')])
    expect(spend.givenBack.map((c) => c.kind).sort()).toEqual(['day', 'prefix'])
    expect(store.calls.delivered).toEqual([])
    expect(seen.map(([name]) => name)).toEqual(['smsFailed'])
  })

  it('the prefix is full: PREFIX_SEND_LIMIT, the write undone, nothing sent', async () => {
    const { v, store, spend, sms, seen } = setup()
    store.script.create.answer({ kind: 'created', state: pending(), undo: undoHandle('u') })
    spend.script.answer({ kind: 'full', retryAfterMs: 60_000 })
    const err = await refusal(v.issue({ phone: PHONE }))
    expect([err.code, err.retryAfter]).toEqual(['PREFIX_SEND_LIMIT', 60])
    expect([store.calls.undone, spend.givenBack, sms.sent]).toEqual([[undoHandle('u')], [], []])
    expect(seen).toEqual([['smsRefused', 'prefix']])
  })

  it('the day is full: SMS_BUDGET_EXCEEDED until midnight UTC, the prefix count given back', async () => {
    const { v, store, spend, sms } = setup()
    store.script.create.answer({ kind: 'created', state: pending(), undo: undoHandle('u') })
    spend.script.answer({ kind: 'taken' }, { kind: 'full', retryAfterMs: 1 })
    const err = await refusal(v.issue({ phone: PHONE }))
    expect([err.code, err.retryAfter]).toEqual(['SMS_BUDGET_EXCEEDED', 12 * 3600])
    expect(spend.givenBack.map((c) => c.kind)).toEqual(['prefix'])
    expect([store.calls.undone, sms.sent]).toEqual([[undoHandle('u')], []])
  })

  it('the day counter fails: the error surfaces, the prefix count and the write are taken back', async () => {
    const { v, store, spend } = setup()
    store.script.create.answer({ kind: 'created', state: pending(), undo: undoHandle('u') })
    spend.script.answer({ kind: 'taken' }, new Error('redis gone'))
    await expect(v.issue({ phone: PHONE })).rejects.toThrow('redis gone')
    expect(spend.givenBack.map((c) => c.kind)).toEqual(['prefix'])
    expect(store.calls.undone).toEqual([undoHandle('u')])
  })

  it('a lost delivery record does not fail the request', async () => {
    const { v, store, spend } = setup()
    store.script.create.answer({ kind: 'created', state: pending(), undo: undoHandle('u') })
    spend.roomy()
    store.failMarkDelivered()
    expect(await v.issue({ phone: PHONE })).toMatchObject({ sent: true })
  })

  it('a test number: its fixed code, no SMS, no spend, the use reported with the number masked', async () => {
    const { v, store, spend, sms, seen } = setup({ testNumbers: new Map([[PHONE, '123456']]) })
    store.script.create.answer({ kind: 'created', state: pending(), undo: undoHandle('u') })
    await v.issue({ phone: PHONE })
    expect([sms.sent, spend.taken]).toEqual([[], []])
    expect(store.calls.delivered).toHaveLength(1)
    expect(seen).toEqual([
      ['testNumberUsed', { phone: expect.stringMatching(/5678$/), action: 'issue' }],
      ['issued', 'verify'],
    ])
    expect(JSON.stringify(seen)).not.toContain(PHONE)
  })
})

describe('resend', () => {
  const id = fakeChallengeId(PHONE, 'token')

  it('an id that is not one is CHALLENGE_NOT_FOUND without asking the store; so is a gone one', async () => {
    const { v, store } = setup()
    expect((await refusal(v.resend('nope'))).code).toBe('CHALLENGE_NOT_FOUND')
    expect(store.calls.resend).toHaveLength(0)
    store.script.resend.answer({ kind: 'not_found' })
    expect((await refusal(v.resend(id))).code).toBe('CHALLENGE_NOT_FOUND')
  })

  it.each([
    ['locked', 'CHALLENGE_LOCKED'],
    ['cooldown', 'RESEND_COOLDOWN'],
    ['max_sends', 'MAX_SENDS_REACHED'],
    ['phone_locked', 'PHONE_LOCKED'],
    ['phone_send_limit', 'PHONE_SEND_LIMIT'],
  ] as const)('%s: %s with Retry-After', async (kind, code) => {
    const { v, store, sms } = setup()
    store.script.resend.answer({ kind, retryAfterMs: 29_001 })
    const err = await refusal(v.resend(id))
    expect([err.code, err.retryAfter]).toEqual([code, 30])
    expect(sms.sent).toHaveLength(0)
  })

  it('resent: the new PIN goes to the stored number in the stored language', async () => {
    const { v, store, spend, sms, seen } = setup()
    store.script.resend.answer({
      kind: 'resent',
      state: pending({ sends: 2 }),
      phone: PHONE,
      locale: 'ja',
      undo: undoHandle('r'),
    })
    spend.roomy()
    expect(await v.resend(id)).toMatchObject({ sent: true, challengeId: id })
    expect(sms.sent[0]!.to).toBe(PHONE)
    expect(sms.sent[0]!.body).toMatch(/[ぁ-んァ-ン]/)
    expect(seen).toEqual([['resent', 'resend']])
  })

  it('a country taken off the allow-list since the issue: DESTINATION_NOT_ALLOWED, the resend undone', async () => {
    const { v, store, sms } = setup({ allowedCountries: ['GB'] })
    store.script.resend.answer({ kind: 'resent', state: pending(), phone: PHONE, locale: 'en', undo: undoHandle('r') })
    expect((await refusal(v.resend(id))).code).toBe('DESTINATION_NOT_ALLOWED')
    expect([store.calls.undone, sms.sent]).toEqual([[undoHandle('r')], []])
  })
})

describe('verify', () => {
  const id = fakeChallengeId(PHONE, 'token')

  it.each(['12345', '1234567', '12a456', '１２３４５６', ''])(
    '%j is INVALID_PIN_FORMAT and costs no attempt',
    async (pin) => {
      const { v, store } = setup()
      expect((await refusal(v.verify(id, pin))).code).toBe('INVALID_PIN_FORMAT')
      expect(store.calls.verify).toHaveLength(0)
    },
  )

  const caller = {
    phone: PHONE,
    firstName: 'New',
    lastName: 'Customer',
    custLevel: 'Welcome',
    language: 'en',
    enrolledAt: NOW,
  }
  it.each<[ScriptedVerify, object, string]>([
    [{ kind: 'approved', attemptsLeft: 4, caller }, { status: 'approved', attemptsLeft: 4, caller }, 'approved'],
    [{ kind: 'rejected', attemptsLeft: 3 }, { status: 'rejected', attemptsLeft: 3 }, 'rejected'],
    [
      { kind: 'locked', retryAfterMs: 200_500 },
      { status: 'locked', attemptsLeft: 0, retryAfterSeconds: 201 },
      'locked',
    ],
    [
      { kind: 'phone_locked', retryAfterMs: 999 },
      { status: 'locked', attemptsLeft: 0, retryAfterSeconds: 1 },
      'locked',
    ],
  ])('the store says %j: the client gets %j', async (outcome, result, event) => {
    const { v, store, seen } = setup()
    store.script.verify.answer(outcome)
    expect(await v.verify(id, '123456')).toEqual(result)
    expect(seen).toEqual([['verified', event]])
  })

  it('a gone challenge is CHALLENGE_NOT_FOUND; a malformed id never reaches the store', async () => {
    const { v, store, seen } = setup()
    store.script.verify.answer({ kind: 'not_found' })
    expect((await refusal(v.verify(id, '123456'))).code).toBe('CHALLENGE_NOT_FOUND')
    expect((await refusal(v.verify('nope', '123456'))).code).toBe('CHALLENGE_NOT_FOUND')
    expect(store.calls.verify).toHaveLength(1)
    expect(seen).toEqual([['verified', 'not_found']])
  })

  it('passes the digest of the PIN, the limits and the enrolment defaults in one call', async () => {
    const { v, store } = setup()
    store.script.verify.answer({ kind: 'rejected', attemptsLeft: 4 }, { kind: 'rejected', attemptsLeft: 3 })
    await v.verify(id, '123456')
    await v.verify(id, '654321')
    const [[, first, now, limits, enrol], [, second]] = store.calls.verify as [
      Parameters<typeof store.port.verify>,
      Parameters<typeof store.port.verify>,
    ]
    expect(first).not.toBe(second)
    expect(first).not.toContain('123456')
    expect(now).toBe(NOW)
    expect(limits.maxAttempts).toBe(defaults.verification.maxAttempts)
    expect(enrol).toEqual({ firstName: 'New', lastName: 'Customer', custLevel: 'Welcome' })
  })

  it('failAttempt counts a failure with a digest no PIN can have', async () => {
    const { v, store } = setup()
    store.script.verify.answer({ kind: 'rejected', attemptsLeft: 2 })
    expect(await v.failAttempt(id)).toEqual({ status: 'rejected', attemptsLeft: 2 })
    expect(store.calls.verify[0]![1]).toBe('!')
  })

  it('a test number reports its use on verify', async () => {
    const { v, store, seen } = setup({ testNumbers: new Map([[PHONE, '123456']]) })
    store.script.verify.answer({ kind: 'rejected', attemptsLeft: 4 })
    await v.verify(id, '000000')
    expect(seen[0]).toEqual(['testNumberUsed', { phone: expect.stringMatching(/5678$/), action: 'verify' }])
  })
})

describe('admin and lookups', () => {
  it('unlockPhone clears the normalised number; isChallengeFor checks the issuing number', async () => {
    const { v, store } = setup()
    await v.unlockPhone('+81 90-1234-5678')
    expect(store.calls.unlocked).toEqual([PHONE])
    expect(v.isChallengeFor(fakeChallengeId(PHONE, 't'), '+81 90 1234 5678')).toBe(true)
    expect(v.isChallengeFor(fakeChallengeId(PHONE, 't'), '+819011112222')).toBe(false)
  })
})
