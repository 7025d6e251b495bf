import { describe, expect, it } from 'vitest'
import { PinlineError } from '../../../services/auth/src/core/errors.ts'
import { createMenu } from '../../../services/auth/src/core/menu.ts'
import type { OrderSession, PinDecryptor } from '../../../services/auth/src/core/session-ports.ts'
import { createOrderSessions } from '../../../services/auth/src/core/sessions.ts'
import {
  challengeState,
  defaults,
  fakeChallengeId,
  fakeDecryptor,
  fakeSessionStore,
  fakeVerification,
  refusal,
  undoHandle,
} from '../../support/core/fakes.ts'

// Order sessions through their ports: the PIN flow (ask, resend, verify, encrypted PINs) and
// adding to the order, with the challenge store's and the session store's answers scripted.

const NOW = Date.UTC(2026, 0, 15, 12, 0, 0)
const PHONE = '+819012345678'
const EMAIL = 'someone@example.com'

function setup(opts: { decryptor?: PinDecryptor } = {}) {
  const caller = {
    phone: PHONE,
    email: EMAIL,
    firstName: 'A',
    lastName: 'B',
    custLevel: '',
    language: 'en',
    enrolledAt: 1,
  }
  const { verification, store: challenges, spend, sms, callers } = fakeVerification({ now: NOW, callers: [caller] })
  spend.roomy()
  const store = fakeSessionStore()
  const menu = createMenu(defaults.menu)
  const sessions = createOrderSessions({
    store: store.port,
    verification,
    callers: callers.port,
    menu,
    decryptor: opts.decryptor,
    policy: defaults.sessions,
    now: () => NOW,
  })
  return { sessions, challenges, sms, store, menu }
}

const state = () => challengeState(NOW)

const session = (over: Partial<OrderSession> = {}): OrderSession => ({
  id: 's1',
  nonce: 'n1',
  email: EMAIL,
  phone: undefined,
  sentTo: undefined,
  locale: 'en',
  authenticated: false,
  challengeId: undefined,
  generation: 0,
  items: [],
  createdAt: NOW,
  expiresAt: NOW + 60_000,
  ...over,
})

describe('create', () => {
  it('takes exactly one of e-mail or phone, and refuses an e-mail that is not one', async () => {
    const { sessions } = setup()
    expect((await refusal(sessions.create({}))).code).toBe('VALIDATION_FAILED')
    expect((await refusal(sessions.create({ email: EMAIL, phone: PHONE }))).code).toBe('VALIDATION_FAILED')
    expect((await refusal(sessions.create({ email: 'not-an-address' }))).code).toBe('INVALID_EMAIL')
    expect(await sessions.create({ email: ' SomeOne@Example.COM ' })).toMatchObject({
      email: EMAIL,
      authenticated: false,
    })
  })
})

describe('requestPin', () => {
  it('no challenge yet: issues one to the phone found by e-mail and binds it to the session', async () => {
    const { sessions, challenges, sms, store } = setup()
    store.put(session())
    challenges.script.create.answer({ kind: 'created', state: state(), undo: undoHandle('u') })
    const r = await sessions.requestPin('s1')
    expect(r.kind).toBe('sent')
    expect(sms.sent.map((m) => m.to)).toEqual([PHONE])
    expect(r.session).toMatchObject({ sentTo: PHONE, generation: 1, challengeId: challenges.calls.create[0]![0].id })
    expect(challenges.calls.create[0]![0]).toMatchObject({ purpose: 'order' })
  })

  it('a session whose e-mail has no caller: CONTACT_NOT_FOUND, nothing sent', async () => {
    const { sessions, store, sms } = setup()
    store.put(session({ email: 'nobody@example.com' }))
    expect((await refusal(sessions.requestPin('s1'))).code).toBe('CONTACT_NOT_FOUND')
    expect(sms.sent).toHaveLength(0)
  })

  it('a current challenge: a new PIN on it; within the cooldown the old PIN is pending, not an error', async () => {
    const { sessions, challenges, store } = setup()
    store.put(session({ challengeId: fakeChallengeId(PHONE, 't'), sentTo: PHONE, generation: 1 }))
    challenges.script.resend.answer({
      kind: 'resent',
      state: state(),
      phone: PHONE,
      locale: 'en',
      undo: undoHandle('r'),
    })
    expect((await sessions.requestPin('s1')).kind).toBe('sent')
    challenges.script.resend.answer({ kind: 'cooldown', retryAfterMs: 10_000 })
    expect(await sessions.requestPin('s1')).toMatchObject({
      kind: 'pending',
      reason: 'RESEND_COOLDOWN',
      retryAfterSeconds: 10,
    })
  })

  it('a challenge that expired: a new one is issued in its place', async () => {
    const { sessions, challenges, store } = setup()
    store.put(session({ challengeId: fakeChallengeId(PHONE, 'old'), generation: 1 }))
    challenges.script.resend.answer({ kind: 'not_found' })
    challenges.script.create.answer({ kind: 'created', state: state(), undo: undoHandle('u') })
    const r = await sessions.requestPin('s1')
    expect(r.session.challengeId).not.toBe(fakeChallengeId(PHONE, 'old'))
    expect(r.session.generation).toBe(2)
  })

  it('a locked challenge is an error, not pending; an authenticated or missing session is refused', async () => {
    const { sessions, challenges, store } = setup()
    store.put(session({ challengeId: fakeChallengeId(PHONE, 't') }))
    challenges.script.resend.answer({ kind: 'locked', retryAfterMs: 1000 })
    expect((await refusal(sessions.requestPin('s1'))).code).toBe('CHALLENGE_LOCKED')
    store.put(session({ id: 's2', authenticated: true }))
    expect((await refusal(sessions.requestPin('s2'))).code).toBe('SESSION_ALREADY_AUTHENTICATED')
    expect((await refusal(sessions.requestPin('missing'))).code).toBe('SESSION_NOT_FOUND')
  })
})

describe('verifyPin', () => {
  const withChallenge = () => session({ challengeId: fakeChallengeId(PHONE, 't'), sentTo: PHONE, generation: 1 })

  it('approved: the session is authenticated and forgets the spent challenge', async () => {
    const { sessions, challenges, store } = setup()
    store.put(withChallenge())
    challenges.script.verify.answer({ kind: 'approved', attemptsLeft: 4, caller: undefined })
    const r = await sessions.verifyPin('s1', { pin: '123456' })
    expect(r).toMatchObject({
      status: 'approved',
      authenticated: true,
      session: { authenticated: true, challengeId: undefined },
    })
  })

  it('rejected or locked: not authenticated, the session unchanged', async () => {
    const { sessions, challenges, store } = setup()
    store.put(withChallenge())
    challenges.script.verify.answer({ kind: 'rejected', attemptsLeft: 3 }, { kind: 'locked', retryAfterMs: 5000 })
    expect(await sessions.verifyPin('s1', { pin: '123456' })).toMatchObject({
      status: 'rejected',
      authenticated: false,
    })
    expect(await sessions.verifyPin('s1', { pin: '123456' })).toMatchObject({ status: 'locked', authenticated: false })
    expect(store.sessions.get('s1')!.authenticated).toBe(false)
  })

  it('no challenge bound: CHALLENGE_NOT_FOUND', async () => {
    const { sessions, store } = setup()
    store.put(session())
    expect((await refusal(sessions.verifyPin('s1', { pin: '123456' }))).code).toBe('CHALLENGE_NOT_FOUND')
  })

  it('encrypted PINs: refused without KMS; not base64 costs nothing; tampered counts as a wrong PIN', async () => {
    const off = setup()
    off.store.put(withChallenge())
    expect((await refusal(off.sessions.verifyPin('s1', { encryptedPin: 'AAAA' }))).code).toBe(
      'ENCRYPTION_NOT_CONFIGURED',
    )

    const tampered = setup({ decryptor: fakeDecryptor({ kind: 'invalid' }) })
    tampered.store.put(withChallenge())
    expect((await refusal(tampered.sessions.verifyPin('s1', { encryptedPin: 'not base64!' }))).code).toBe(
      'INVALID_CIPHERTEXT',
    )
    expect(tampered.challenges.calls.verify).toHaveLength(0)
    tampered.challenges.script.verify.answer({ kind: 'rejected', attemptsLeft: 4 })
    const err = await refusal(tampered.sessions.verifyPin('s1', { encryptedPin: 'AAAA' }))
    expect([err.code, err.message]).toEqual(['INVALID_CIPHERTEXT', expect.stringContaining('4 attempts left')])
    expect(tampered.challenges.calls.verify[0]![1]).toBe('!')
  })

  it('an encrypted PIN that decrypts is checked like a typed one; KMS down is its own error, nothing counted', async () => {
    const ok = setup({ decryptor: fakeDecryptor({ kind: 'plaintext', value: new TextEncoder().encode('123456') }) })
    ok.store.put(withChallenge())
    ok.challenges.script.verify.answer({ kind: 'approved', attemptsLeft: 4, caller: undefined })
    expect(await ok.sessions.verifyPin('s1', { encryptedPin: 'AAAA' })).toMatchObject({ authenticated: true })

    const down = setup({ decryptor: fakeDecryptor(new Error('kms down')) })
    down.store.put(withChallenge())
    await expect(down.sessions.verifyPin('s1', { encryptedPin: 'AAAA' })).rejects.toThrow('kms down')
    expect(down.challenges.calls.verify).toHaveLength(0)
  })
})

describe('addItem', () => {
  it.each([
    ['not_found', 'SESSION_NOT_FOUND'],
    ['not_authenticated', 'SESSION_NOT_AUTHENTICATED'],
    ['limit', 'ORDER_LIMIT_REACHED'],
  ] as const)('the store says %s: %s', async (kind, code) => {
    const { sessions, store, menu } = setup()
    store.addItem.answer({ kind })
    const dish = menu.list('en')[0]!
    expect((await refusal(sessions.addItem('s1', dish.id))).code).toBe(code)
  })

  it('an unknown dish is UNKNOWN_MENU_ITEM before the store is asked; a known one by name is added', async () => {
    const { sessions, store, menu } = setup()
    expect((await refusal(sessions.addItem('s1', 'a bicycle'))).code).toBe('UNKNOWN_MENU_ITEM')
    const dish = menu.list('en')[0]!
    store.addItem.answer({
      kind: 'added',
      session: session({ authenticated: true, items: [{ item: dish.id, quantity: 1 }] }),
    })
    expect((await sessions.addItem('s1', dish.name.toUpperCase())).item.id).toBe(dish.id)
  })
})

describe('channels', () => {
  it('openChannel by number: only for a registered caller, before anything is written', async () => {
    const { sessions, store } = setup()
    const err = await refusal(
      sessions.openChannel('lex', ['bot', 'alias', 'c1'], { phone: '+819099998888', locale: 'en' }),
    )
    expect(err.code).toBe('CONTACT_NOT_FOUND')
    expect(store.sessions.size).toBe(0)
    const s = await sessions.openChannel('lex', ['bot', 'alias', 'c1'], { phone: '+81 90 1234 5678', locale: 'ja' })
    expect(s).toMatchObject({ phone: PHONE, email: undefined, locale: 'ja' })
  })

  it('openChannel by e-mail: the same conversation finds the same session; none at all is INVALID_EMAIL', async () => {
    const { sessions } = setup()
    const a = await sessions.openChannel('lex', ['b', 'a', 'c2'], { email: 'Someone@Example.com', locale: 'en' })
    const b = await sessions.openChannel('lex', ['b', 'a', 'c2'], { email: EMAIL, locale: 'en' })
    expect(b.nonce).toBe(a.nonce) // the same session, not a new one under the same id
    expect((await refusal(sessions.openChannel('lex', ['b', 'a', 'c2'], { locale: 'en' }))).code).toBe('INVALID_EMAIL')
  })

  it('channelTurn: runs the turn and keeps a keepable answer; a kept identical turn is replayed', async () => {
    const { sessions, store } = setup()
    const ran = await sessions.channelTurn('lex', ['b', 'a', 'c3'], 'fp', async () => ({ answer: 'A', keep: true }))
    expect(ran).toEqual({ kind: 'ran', answer: 'A' })
    expect(store.ended).toEqual([{ id: expect.any(String), fingerprint: 'fp', answer: 'A' }])
    store.turns.push({ kind: 'replay', answer: 'A' })
    const again = await sessions.channelTurn('lex', ['b', 'a', 'c3'], 'fp', async () => {
      throw new Error('must not run twice')
    })
    expect(again).toEqual({ kind: 'replayed', answer: 'A' })
  })

  it('channelTurn: a failed turn releases the lock and keeps nothing, and its error surfaces', async () => {
    const { sessions, store } = setup()
    const turn = sessions.channelTurn('lex', ['b', 'a', 'c4'], 'fp', async () => {
      throw new PinlineError('DEPENDENCY_UNAVAILABLE')
    })
    expect((await refusal(turn)).code).toBe('DEPENDENCY_UNAVAILABLE')
    expect(store.ended).toEqual([{ id: expect.any(String), fingerprint: 'fp', answer: undefined }])
  })

  it('channelTurn: a turn that must not be kept (a refusal worth retrying) is released with nothing kept', async () => {
    const { sessions, store } = setup()
    await sessions.channelTurn('lex', ['b', 'a', 'c5'], 'fp', async () => ({ answer: 'later', keep: false }))
    expect(store.ended[0]!.answer).toBeUndefined()
  })
})
