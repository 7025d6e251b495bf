import { randomUUID } from 'node:crypto'
import type { Assertions, Binding } from './assertions.ts'
import { PinlineError, type ErrorCode } from './errors.ts'
import { toLocale, pinMessage, pinVoiceMessage } from './messages.ts'
import { maskPhone, normalisePhone, type Phone } from './phone.ts'
import { generatePin, keyedToken, pinDigest, randomToken } from './pin.ts'
import type {
  Caller,
  CallerRegistry,
  ChallengeContext,
  ChallengeState,
  ChallengeStore,
  Delivery,
  EnrolDefaults,
  Limits,
  Locale,
  SendUndo,
  SmsSender,
  SpendCounters,
  Transaction,
  VerificationEvent,
  VerificationEvents,
  Via,
  VerifyOutcome,
  VoiceSender,
} from './ports.ts'
import { SmsOutcomeUnknown } from './ports.ts'
import { createSpendGuard, type SpendPolicy } from './spend-guard.ts'

export interface VerificationPolicy extends Limits, SpendPolicy {
  secret: string
  pinLength: number
  brand: string
  defaultLocale: Locale
  defaultCountry: string | undefined
  enrolDefaults: EnrolDefaults
  /** E.164 -> fixed code, for QA and app-store review: nothing is sent, every use is reported. */
  testNumbers: ReadonlyMap<string, string>
}

export interface VerificationDeps {
  store: ChallengeStore
  callers: CallerRegistry
  sms: SmsSender
  /** PINs by phone call; undefined = not offered (channel voice is refused, auto means sms). */
  voice?: VoiceSender | undefined
  spend: SpendCounters
  policy: VerificationPolicy
  events?: VerificationEvents
  /** Signs an assertion for every approval that names what it is bound to. */
  assertions?: Assertions | undefined
  now?: () => number
}

export interface IssueRequest {
  phone: string
  locale?: string | undefined
  purpose?: string | undefined
  enrol?: boolean | undefined
  /**
   * Same key, same challenge: a retried request sends no second SMS (Connect retries). A retry
   * only succeeds once the first SMS was delivered: while it may still be on its way the retry
   * is refused with SMS_SEND_IN_PROGRESS, and past the delivery grace a fresh PIN is sent.
   */
  idempotencyKey?: string | undefined
  /** How the PIN goes (default sms); auto: a call to fixed lines (when calls are offered), else an SMS. */
  channel?: RequestedChannel | undefined
  /** Where the verification happens (default rest): reported in events and assertions. */
  via?: Via | undefined
  /** An amount and payee the user approves (PSD2 dynamic linking): in the assertion. */
  transaction?: Transaction | undefined
  /** Who asks (the API key's name): SMS are also capped per client (SMS_KEY_MAX_SENDS). */
  client?: string | undefined
}

export type RequestedChannel = Delivery | 'auto'

export interface ChallengeView {
  challengeId: string
  status: 'pending'
  /** How this PIN went: sms or voice */
  channel: Delivery
  expiresAt: number
  resendAvailableAt: number
  sendsLeft: number
  /** false when an idempotent retry found the challenge already sent */
  sent: boolean
}

export type VerifyResult =
  | { status: 'approved'; attemptsLeft: number; caller: Caller | undefined; assertion?: string | undefined }
  | { status: 'rejected'; attemptsLeft: number }
  | { status: 'locked'; attemptsLeft: 0; retryAfterSeconds: number }

const PIN_DIGITS = /^[0-9]+$/
const AMOUNT = /^(0|[1-9][0-9]{0,14})(\.[0-9]{1,4})?$/
const CURRENCY = /^[A-Z]{3}$/
const PAYEE_MAX = 64
const NEVER_A_DIGEST = '!'
const seconds = (ms: number) => Math.max(1, Math.ceil(ms / 1000))

// What each refusal of the store becomes for the client, with when to try again.
const REFUSALS = {
  in_progress: 'SMS_SEND_IN_PROGRESS',
  locked: 'CHALLENGE_LOCKED',
  cooldown: 'RESEND_COOLDOWN',
  max_sends: 'MAX_SENDS_REACHED',
  phone_locked: 'PHONE_LOCKED',
  phone_send_limit: 'PHONE_SEND_LIMIT',
} as const satisfies Record<string, ErrorCode>
const refusal = (kind: keyof typeof REFUSALS, retryAfterMs: number) =>
  new PinlineError(REFUSALS[kind], { retryAfter: seconds(retryAfterMs) })

export type Verification = ReturnType<typeof createVerification>

/** The verification core: issue, resend and verify one-time PINs. No I/O of its own. */
export function createVerification(deps: VerificationDeps) {
  const { store, callers, sms, policy, events = {} } = deps
  const now = deps.now ?? Date.now
  const guard = createSpendGuard(deps.spend, policy, events)
  const ignore = () => undefined

  const emit = (
    type: VerificationEvent['type'],
    challengeId: string,
    c: ChallengeContext,
    counts: { attempts: number; sends: number },
  ) =>
    events.changed?.({
      id: randomUUID(),
      type,
      challengeId,
      phoneId: store.phoneIdOf(challengeId),
      via: c.via,
      channel: c.delivery,
      purpose: c.purpose,
      attempts: counts.attempts,
      sends: counts.sends,
      at: now(),
    })

  const view = (id: string, s: ChallengeState, sent: boolean, channel: Delivery): ChallengeView => {
    if (s.status === 'locked') throw new PinlineError('CHALLENGE_LOCKED', { retryAfter: (s.expiresAt - now()) / 1000 })
    return {
      challengeId: id,
      status: 'pending',
      channel,
      expiresAt: s.expiresAt,
      resendAvailableAt: s.lastSentAt + policy.resendCooldownMs,
      sendsLeft: Math.max(0, policy.maxSendsPerChallenge - s.sends),
      sent,
    }
  }

  const testNumberOf = (id: string) => [...policy.testNumbers.keys()].find((phone) => store.isChallengeFor(id, phone))
  const reportTestUse = (phone: string, action: 'issue' | 'resend' | 'verify') =>
    events.testNumberUsed?.({ phone: maskPhone(phone), action })

  // Counts the send against the client, the prefix and the day, then sends. If a cap refuses or the
  // provider refuses the SMS, every count and the write are taken back, so the user is not charged
  // a send; if the provider may have sent it, the counts stay. Once the
  // provider accepted the SMS, the challenge records it (for idempotent retries). Should that
  // record be lost, a retry past the delivery grace sends a fresh PIN: one SMS too many, never none.
  async function deliver(
    sent: { id: string; digest: string; state: ChallengeState; context: ChallengeContext },
    phone: string,
    locale: Locale,
    pin: string,
    undo: SendUndo,
    action: 'issue' | 'resend',
    client: string | undefined,
    caller: () => Promise<Caller | undefined> = () => callers.get(phone),
  ): Promise<void> {
    if (policy.testNumbers.has(phone)) {
      reportTestUse(phone, action)
      return store.markDelivered(sent.id, sent.digest).catch(ignore)
    }
    const { delivery } = sent.context
    // Known callers have a prefix budget of their own: a sweep of strangers through their block
    // of numbers must not lock them out (SMS_PREFIX_KNOWN_MAX_SENDS).
    const refund = await (async () => {
      const known = policy.prefixKnownMaxSends > 0 && (await caller()) !== undefined
      return guard.take(phone, now(), client, known, delivery)
    })().catch(async (err: unknown) => {
      await store.undoSend(undo).catch(ignore)
      throw err
    })
    const text = {
      brand: policy.brand,
      pin,
      minutes: Math.round(policy.ttlMs / 60000),
      transaction: sent.context.transaction,
    }
    try {
      if (delivery === 'voice') await voiceSender().call({ to: phone, ssml: pinVoiceMessage(locale, text), locale })
      else await sms.send({ to: phone, body: pinMessage(locale, text) })
    } catch (err) {
      events.smsFailed?.(err)
      // A definite refusal is taken back from every counter. When the provider may have accepted
      // the SMS (a timeout once sent), it stays counted per number, prefix and day, and a resend
      // per challenge (its send cap and cooldown): otherwise a provider slower than SMS_TIMEOUT_MS
      // would lift every cap. Either way the challenge is withdrawn, so a code that does arrive
      // grants nothing (after an unknown resend, neither the old PIN nor the new one verifies).
      const unknown = err instanceof SmsOutcomeUnknown
      emit('send_failed', sent.id, sent.context, sent.state)
      await Promise.all([unknown ? undefined : refund(), store.undoSend(undo, { keepCount: unknown }).catch(ignore)])
      throw new PinlineError(delivery === 'voice' ? 'VOICE_SEND_FAILED' : 'SMS_SEND_FAILED', { cause: err })
    }
    await store.markDelivered(sent.id, sent.digest).catch(ignore)
  }

  function voiceSender(): VoiceSender {
    if (!deps.voice) throw new PinlineError('VOICE_NOT_AVAILABLE')
    return deps.voice
  }

  /** What `channel` means for this number; checked before anything is read, written or sent. */
  function deliveryFor(requested: RequestedChannel | undefined, phone: Phone): Delivery {
    switch (requested) {
      case 'voice':
        voiceSender()
        return 'voice'
      case 'auto':
        // A fixed line cannot take an SMS; anything else (mobile, or libphonenumber cannot tell) can.
        return phone.fixedLine && deps.voice ? 'voice' : 'sms'
      default:
        return 'sms'
    }
  }

  function transactionOf(t: Transaction | undefined): Transaction | undefined {
    if (!t) return undefined
    const payee = t.payee.trim()
    if (
      !AMOUNT.test(t.amount) ||
      !CURRENCY.test(t.currency) ||
      payee.length === 0 ||
      payee.length > PAYEE_MAX ||
      /[\p{Cc}]/u.test(payee)
    ) {
      throw new PinlineError('VALIDATION_FAILED', {
        message:
          'transaction: amount is a decimal string, currency an ISO 4217 code, payee 1 to 64 printable characters',
      })
    }
    return { amount: t.amount, currency: t.currency, payee }
  }

  // What verify and failAttempt report for each outcome of the store's atomic verify; an approval
  // in a known binding (a contact, a conversation, a challenge) also gets its signed assertion.
  async function settle(id: string, outcome: VerifyOutcome, binding: Binding | undefined): Promise<VerifyResult> {
    if (outcome.kind === 'not_found') {
      events.verified?.('not_found')
      throw new PinlineError('CHALLENGE_NOT_FOUND')
    }
    const { facts } = outcome
    switch (outcome.kind) {
      case 'approved': {
        events.verified?.('approved')
        emit('approved', id, facts, facts)
        const assertion = binding && deps.assertions ? await deps.assertions.issue(facts, binding) : undefined
        return {
          status: 'approved',
          attemptsLeft: outcome.attemptsLeft,
          caller: outcome.caller,
          ...(assertion ? { assertion } : {}),
        }
      }
      case 'rejected':
        events.verified?.('rejected')
        emit('rejected', id, facts, facts)
        return { status: 'rejected', attemptsLeft: outcome.attemptsLeft }
      case 'locked':
      case 'phone_locked':
        events.verified?.('locked')
        emit('locked', id, facts, facts)
        return { status: 'locked', attemptsLeft: 0, retryAfterSeconds: seconds(outcome.retryAfterMs) }
    }
  }

  /** The requested locale, else the caller's language (and the caller read for it), else the default. */
  async function localeFor(
    phone: string,
    requested: string | undefined,
  ): Promise<{ locale: Locale; caller?: Caller | undefined }> {
    const explicit = toLocale(requested)
    if (explicit) return { locale: explicit }
    const caller = await callers.get(phone)
    return { locale: toLocale(caller?.language) ?? policy.defaultLocale, caller }
  }

  return {
    policy,

    /** Normalises a phone number or throws INVALID_PHONE. */
    phone(input: string): string {
      const phone = normalisePhone(input, policy.defaultCountry)
      if (!phone) throw new PinlineError('INVALID_PHONE')
      return phone.e164
    },

    async issue(req: IssueRequest): Promise<ChallengeView> {
      const normalised = normalisePhone(req.phone, policy.defaultCountry)
      if (!normalised) throw new PinlineError('INVALID_PHONE')
      guard.checkDestination(normalised.country) // before anything is read, written or sent
      const delivery = deliveryFor(req.channel, normalised)
      const phone = normalised.e164
      const { locale, ...read } = await localeFor(phone, req.locale)
      // Whether the number is a known caller (its prefix budget): the read above, if there was one.
      const caller = 'caller' in read ? async () => read.caller : undefined
      const transaction = transactionOf(req.transaction)
      const context: ChallengeContext = {
        purpose: req.purpose ?? 'verify',
        delivery,
        via: req.via ?? 'rest',
        transaction,
      }
      const token = req.idempotencyKey ? keyedToken(policy.secret, req.idempotencyKey) : randomToken()
      const id = store.challengeId(phone, token)
      const pin = policy.testNumbers.get(phone) ?? generatePin(policy.pinLength)
      const t = now()
      const digest = pinDigest(policy.secret, id, pin)
      const outcome = await store.create(
        { id, phone, digest, locale, ...context, enrol: req.enrol ?? false, now: t, expiresAt: t + policy.ttlMs },
        policy,
      )
      switch (outcome.kind) {
        case 'existing':
          return view(id, outcome.state, false, delivery)
        case 'in_progress':
        // Never "sent" for an SMS that may not arrive: the first request is still sending it
        // (it may yet fail, and withdraw the challenge), or its reply was lost after the write.
        case 'max_sends':
        case 'phone_locked':
        case 'phone_send_limit':
          throw refusal(outcome.kind, outcome.retryAfterMs)
        case 'created':
        // 'redeliver': never delivered within the grace, so a fresh PIN goes now, like a resend
        // without the cooldown.
        case 'redeliver':
          await deliver(
            { id, digest, state: outcome.state, context },
            phone,
            locale,
            pin,
            outcome.undo,
            'issue',
            req.client,
            caller,
          )
          if (outcome.kind === 'created') events.issued?.(context.purpose)
          else events.resent?.('redeliver')
          emit('pending', id, context, outcome.state)
          return view(id, outcome.state, true, delivery)
      }
    },

    /** A new PIN on the challenge; `channel` switches how it goes (say, a call after an SMS that did not arrive). */
    async resend(id: string, client?: string, opts: { channel?: Delivery | undefined } = {}): Promise<ChallengeView> {
      if (!store.isChallengeId(id)) throw new PinlineError('CHALLENGE_NOT_FOUND')
      if (opts.channel === 'voice') voiceSender()
      const testPhone = testNumberOf(id)
      const pin = testPhone ? policy.testNumbers.get(testPhone)! : generatePin(policy.pinLength)
      const digest = pinDigest(policy.secret, id, pin)
      const outcome = await store.resend(id, digest, now(), policy, opts.channel)
      switch (outcome.kind) {
        case 'not_found':
          throw new PinlineError('CHALLENGE_NOT_FOUND')
        case 'locked':
        case 'cooldown':
        case 'max_sends':
        case 'phone_locked':
        case 'phone_send_limit':
          throw refusal(outcome.kind, outcome.retryAfterMs)
        case 'resent':
          // The allow-list may have been narrowed since the issue (say, during an attack): it still holds.
          try {
            guard.checkDestination(normalisePhone(outcome.phone)?.country)
          } catch (err) {
            await store.undoSend(outcome.undo).catch(ignore)
            throw err
          }
          await deliver(
            { id, digest, state: outcome.state, context: outcome.context },
            outcome.phone,
            outcome.locale,
            pin,
            outcome.undo,
            'resend',
            client,
          )
          events.resent?.('resend')
          emit('pending', id, outcome.context, outcome.state)
          return view(id, outcome.state, true, outcome.context.delivery)
      }
    },

    /**
     * Throws INVALID_PIN_FORMAT for malformed input (no attempt is counted), CHALLENGE_NOT_FOUND.
     * With a binding, an approval carries a signed assertion bound to it.
     */
    async verify(id: string, pin: string, binding?: Binding): Promise<VerifyResult> {
      if (pin.length !== policy.pinLength || !PIN_DIGITS.test(pin)) throw new PinlineError('INVALID_PIN_FORMAT')
      if (!store.isChallengeId(id)) throw new PinlineError('CHALLENGE_NOT_FOUND')
      const testPhone = policy.testNumbers.size > 0 ? testNumberOf(id) : undefined
      if (testPhone) reportTestUse(testPhone, 'verify')
      return settle(
        id,
        await store.verify(id, pinDigest(policy.secret, id, pin), now(), policy, policy.enrolDefaults),
        binding,
      )
    },

    /** Whether a challenge was issued to this phone number (a channel must not verify another number's). */
    isChallengeFor(id: string, phone: string): boolean {
      return store.isChallengeFor(id, this.phone(phone))
    },

    /** Lifts a number's failure lock (the hourly window and the consecutive streak), for an admin. */
    async unlockPhone(input: string): Promise<void> {
      await store.clearPhoneLock(this.phone(input))
    },

    /** The id issue() gives the challenge for this phone and idempotency key (lets a channel find it again). */
    challengeIdFor(phone: string, idempotencyKey: string): string {
      return store.challengeId(this.phone(phone), keyedToken(policy.secret, idempotencyKey))
    },

    /**
     * Counts one failed attempt for input that carries no PIN to compare, such as a
     * ciphertext that does not decrypt: it goes through the same atomic verify, with a
     * digest that can never match (digests are base64url, '!' is not).
     */
    async failAttempt(id: string): Promise<VerifyResult> {
      if (!store.isChallengeId(id)) throw new PinlineError('CHALLENGE_NOT_FOUND')
      return settle(id, await store.verify(id, NEVER_A_DIGEST, now(), policy, policy.enrolDefaults), undefined)
    },

    async status(id: string): Promise<ChallengeState | undefined> {
      return store.isChallengeId(id) ? store.get(id) : undefined
    },
  }
}
