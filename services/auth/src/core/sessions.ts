import type { Binding } from './assertions.ts'
import { decryptPin } from './encrypted-pin.ts'
import { PinlineError, isPinlineError, type ErrorCode } from './errors.ts'
import type { Menu, MenuItem } from './menu.ts'
import { normaliseEmail } from './email.ts'
import { toLocale } from './messages.ts'
import { keyedToken, randomToken } from './pin.ts'
import type { CallerRegistry, Locale, Via } from './ports.ts'
import type { OrderSession, PinDecryptor, SessionLifetime, SessionStore, SessionTiming } from './session-ports.ts'
import type { ChallengeView, RequestedChannel, Verification, VerifyResult } from './verification.ts'

export interface SessionPolicy extends SessionLifetime {
  /** Keys channel session ids, so they cannot be derived from what the client sends. */
  secret: string
  maxQuantity: number
  maxLines: number
  defaultLocale: Locale
}

export interface SessionDeps {
  store: SessionStore
  verification: Verification
  callers: CallerRegistry
  menu: Menu
  /** undefined when KMS_KEY_ID is not set: encrypted PINs are refused. */
  decryptor: PinDecryptor | undefined
  policy: SessionPolicy
  now?: () => number
}

/** A PIN was sent, or one that still works was sent recently and another may not be sent yet. */
export type PinRequest =
  | { kind: 'sent'; session: OrderSession; challenge: ChallengeView }
  | { kind: 'pending'; session: OrderSession; reason: PendingReason; retryAfterSeconds: number }

export type PinCheck = VerifyResult & { authenticated: boolean; session: OrderSession }
export type PinInput = { pin: string } | { encryptedPin: string }

// Refusals of a resend that leave the current PIN usable: the user can still type it.
const PENDING = ['RESEND_COOLDOWN', 'MAX_SENDS_REACHED', 'PHONE_SEND_LIMIT'] as const
export type PendingReason = (typeof PENDING)[number]
const isPending = (code: ErrorCode): code is PendingReason => (PENDING as readonly string[]).includes(code)

// One turn of a conversation at a time. The lock outlives the slowest turn (an SMS send at its
// full retry budget, a KMS call); a turn that finds it held waits for it, or for the answer to
// an identical turn (a retried Lambda, a double tap), which it is then given: Lex carries no id
// that tells a retry from a repeat, but a real repeat follows an answer and so carries its new
// session attributes. A holder that takes longer than TURN_WAIT_MS is waiting on the SMS
// provider: the waiter then runs unlocked, as every turn did before, where the core's own
// idempotency answers (a PIN request in flight is SMS_SEND_IN_PROGRESS), and keeps nothing.
const TURN_LOCK_MS = 15_000
const TURN_WAIT_MS = 2_000
const TURN_POLL_MS = 25
const TURN_KEEP_MS = 10_000

/** How a conversation turn ran: alone, answered from an identical turn, or unlocked after waiting out a slow one. */
export type TurnResult = { kind: 'ran' | 'replayed' | 'unlocked'; answer: string }

export type OrderSessions = ReturnType<typeof createOrderSessions>

/**
 * Order sessions: who the session is for, whether a PIN has proved it, and what is in
 * the order. Authentication lives only here, on the server; channels just ask.
 */
export function createOrderSessions(deps: SessionDeps) {
  const { store, verification, callers, menu, decryptor, policy } = deps
  const now = deps.now ?? Date.now
  const timing = (): SessionTiming => ({ now: now(), idleTtlMs: policy.idleTtlMs, maxAgeMs: policy.maxAgeMs })

  async function load(id: string): Promise<OrderSession> {
    const session = store.isSessionId(id) ? await store.get(id, timing()) : undefined
    if (!session) throw new PinlineError('SESSION_NOT_FOUND')
    return session
  }

  const channelSessionId = (channel: string, parts: readonly string[]) =>
    keyedToken(policy.secret, ['session', channel, ...parts].join('\0'))

  async function contactPhone(s: OrderSession): Promise<string> {
    if (s.phone) return s.phone
    const caller = s.email ? await callers.findByEmail(s.email) : undefined
    if (!caller) throw new PinlineError('CONTACT_NOT_FOUND')
    return caller.phone
  }

  return {
    isSessionId: (id: string) => store.isSessionId(id),

    /** REST: a session for an e-mail address (phone found when a PIN is asked for) or a phone number. */
    async create(req: {
      email?: string | undefined
      phone?: string | undefined
      locale?: string | undefined
    }): Promise<OrderSession> {
      if ((req.email === undefined) === (req.phone === undefined)) {
        throw new PinlineError('VALIDATION_FAILED', { message: 'body must have exactly one of email or phone' })
      }
      const email = req.email === undefined ? undefined : normaliseEmail(req.email)
      const phone = req.phone === undefined ? undefined : verification.phone(req.phone)
      const locale = toLocale(req.locale) ?? policy.defaultLocale
      const session = await store.create({ id: randomToken(), nonce: randomToken(), email, phone, locale }, timing())
      if (!session) throw new PinlineError('INTERNAL', { message: 'session id collision' })
      return session
    },

    get: load,

    /**
     * Channels: the session for this conversation, re-created if it belonged to someone else.
     * Identified by an e-mail (the PIN goes to its registered phone when asked for) or by a
     * caller's number, which must itself be registered: CONTACT_NOT_FOUND before anything is
     * written otherwise, so an unknown number costs no session and no SMS.
     */
    async openChannel(
      channel: string,
      parts: readonly string[],
      req: { email?: string | undefined; phone?: string | undefined; locale: Locale },
    ): Promise<OrderSession> {
      const id = channelSessionId(channel, parts)
      if (req.phone !== undefined) {
        const caller = await callers.get(verification.phone(req.phone))
        if (!caller) throw new PinlineError('CONTACT_NOT_FOUND')
        return store.openForContact(
          { id, nonce: randomToken(), email: undefined, phone: caller.phone, locale: req.locale },
          timing(),
        )
      }
      if (req.email === undefined) throw new PinlineError('INVALID_EMAIL')
      const email = normaliseEmail(req.email)
      // Anyone who can talk to the bot picks the e-mail: one nobody is registered with gets the
      // answer it would get later (no contact) and costs no session in Redis.
      if (!(await callers.findByEmail(email))) throw new PinlineError('CONTACT_NOT_FOUND')
      return store.openForContact({ id, nonce: randomToken(), email, phone: undefined, locale: req.locale }, timing())
    },

    /**
     * Channels: runs one turn of a conversation while no other turn of it runs. `run` returns
     * the answer and whether an identical turn may be given it (not a failure, which a retry
     * should retry). Throws what `run` throws.
     */
    async channelTurn(
      channel: string,
      parts: readonly string[],
      fingerprint: string,
      run: () => Promise<{ answer: string; keep: boolean }>,
    ): Promise<TurnResult> {
      const id = channelSessionId(channel, parts)
      const token = randomToken()
      const deadline = Date.now() + TURN_WAIT_MS // real time, whatever clock sessions are given
      for (;;) {
        const start = await store.beginTurn(id, fingerprint, token, TURN_LOCK_MS)
        if (start.kind === 'replay') return { kind: 'replayed', answer: start.answer }
        if (start.kind === 'go') break
        if (Date.now() >= deadline) return { kind: 'unlocked', answer: (await run()).answer }
        await new Promise((resolve) => setTimeout(resolve, TURN_POLL_MS))
      }
      let out: { answer: string; keep: boolean }
      try {
        out = await run()
      } catch (err) {
        await store.endTurn(id, token, fingerprint, undefined, TURN_KEEP_MS).catch(() => {})
        throw err
      }
      // The turn happened: its answer stands even if the lock cannot be released (it expires).
      await store.endTurn(id, token, fingerprint, out.keep ? out.answer : undefined, TURN_KEEP_MS).catch(() => {})
      return { kind: 'ran', answer: out.answer }
    },

    /** Channels: the conversation's session if there is one (creates nothing). */
    async peekChannel(channel: string, parts: readonly string[]): Promise<OrderSession | undefined> {
      return store.get(channelSessionId(channel, parts), timing())
    },

    /**
     * Sends a PIN for the session: a new PIN on its current challenge if it has one
     * (same attempt count, cooldown and caps), else a new challenge to its contact's phone.
     */
    async requestPin(
      id: string,
      client?: string,
      opts: { via?: Via; channel?: RequestedChannel | undefined } = {},
    ): Promise<PinRequest> {
      const s = await load(id)
      if (s.authenticated) throw new PinlineError('SESSION_ALREADY_AUTHENTICATED')
      if (s.challengeId) {
        try {
          return { kind: 'sent', session: s, challenge: await verification.resend(s.challengeId, client) }
        } catch (err) {
          if (!isPinlineError(err)) throw err
          if (isPending(err.code))
            return { kind: 'pending', session: s, reason: err.code, retryAfterSeconds: err.retryAfter ?? 1 }
          if (err.code !== 'CHALLENGE_NOT_FOUND') throw err
        }
      }
      const phone = await contactPhone(s)
      // One challenge per session generation: a retried or parallel request sends no second SMS.
      const idempotencyKey = ['session', s.id, s.nonce, s.generation].join('\0')
      const challenge = await verification.issue({
        phone,
        locale: s.locale,
        purpose: 'order',
        idempotencyKey,
        client,
        via: opts.via ?? 'rest',
        channel: opts.channel,
      })
      const session = await store.bindChallenge(s.id, s.nonce, s.generation, challenge.challengeId, phone, timing())
      if (!session) throw new PinlineError('SESSION_NOT_FOUND')
      return { kind: 'sent', session, challenge }
    },

    /**
     * Checks a PIN (plain, or KMS-encrypted for the session's challenge); approval authenticates the
     * session, and with a binding (the channel's conversation) carries a signed assertion.
     */
    async verifyPin(id: string, input: PinInput, binding?: Binding): Promise<PinCheck> {
      const s = await load(id)
      if (s.authenticated) throw new PinlineError('SESSION_ALREADY_AUTHENTICATED')
      if (!s.challengeId) throw new PinlineError('CHALLENGE_NOT_FOUND')
      const pin =
        'pin' in input ? input.pin : await decryptPin({ decryptor, verification }, s.challengeId, input.encryptedPin)
      const r = await verification.verify(s.challengeId, pin, binding)
      if (r.status !== 'approved') return { ...r, authenticated: false, session: s }
      const session = await store.authenticate(s.id, s.nonce, timing())
      if (!session) throw new PinlineError('SESSION_NOT_FOUND')
      return { ...r, authenticated: true, session }
    },

    /** Adds a dish (by id, name or alias) to an authenticated session's order. */
    async addItem(id: string, itemText: string, quantity = 1): Promise<{ session: OrderSession; item: MenuItem }> {
      const item = menu.get(itemText) ?? menu.find(itemText)
      if (!item) throw new PinlineError('UNKNOWN_MENU_ITEM')
      if (!store.isSessionId(id)) throw new PinlineError('SESSION_NOT_FOUND')
      const out = await store.addItem(
        id,
        item.id,
        quantity,
        { maxQuantity: policy.maxQuantity, maxLines: policy.maxLines },
        timing(),
      )
      switch (out.kind) {
        case 'not_found':
          throw new PinlineError('SESSION_NOT_FOUND')
        case 'not_authenticated':
          throw new PinlineError('SESSION_NOT_AUTHENTICATED')
        case 'limit':
          throw new PinlineError('ORDER_LIMIT_REACHED', {
            message: `An order holds at most ${policy.maxQuantity} of each item and ${policy.maxLines} different items`,
          })
        case 'added':
          return { session: out.session, item }
      }
    },
  }
}
