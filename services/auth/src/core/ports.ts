// The small interfaces the core needs from the outside world. Adapters (Redis, SNS,
// the log) implement them; the core never imports a driver or SDK.
import type { Locale } from './messages.ts'

export type { Locale } from './messages.ts'
export type ChallengeStatus = 'pending' | 'locked'

export interface Caller {
  phone: string
  firstName: string
  lastName: string
  custLevel: string
  language: string
  email?: string | undefined
  /** ms since epoch */
  enrolledAt: number
  /** ms since epoch; undefined = trusted until removed */
  trustedUntil?: number | undefined
}

export interface ChallengeState {
  id: string
  attempts: number
  sends: number
  lastSentAt: number
  expiresAt: number
  status: ChallengeStatus
}

/** How a PIN reaches the phone. */
export type Delivery = 'sms' | 'voice'

/** Where a verification happens (`via`): the REST API, an Amazon Connect contact, an Amazon Lex conversation. */
export type Via = 'rest' | 'connect' | 'lex'

/** What a payment-like action is about (PSD2 dynamic linking): shown to the user, bound into the assertion. */
export interface Transaction {
  /** Decimal string, e.g. "12000" or "99.50" */
  amount: string
  /** ISO 4217, e.g. JPY */
  currency: string
  payee: string
}

/** What a challenge is for; fixed when it is created, reported with every change of its state. */
export interface ChallengeContext {
  purpose: string
  delivery: Delivery
  via: Via
  transaction?: Transaction | undefined
}

/** A challenge's state change as the store reports it with a verify: counts and what it was for. */
export interface ChallengeFacts extends ChallengeContext {
  /** Keyed hash of the phone number (never the number): the assertion's subject, the events' phoneId. */
  phoneId: string
  attempts: number
  sends: number
}

export interface NewChallenge extends Partial<ChallengeContext> {
  purpose: string
  id: string
  phone: string
  digest: string
  locale: Locale
  enrol: boolean
  now: number
  expiresAt: number
}

/** Limits the store enforces atomically with each write. */
export interface Limits {
  maxAttempts: number
  maxSendsPerChallenge: number
  resendCooldownMs: number
  ttlMs: number
  phoneMaxFailures: number
  phoneFailureWindowSeconds: number
  /** Wrong PINs in a row per number (no approval between them) before it is locked: NIST's at most 100. */
  phoneMaxConsecutiveFailures: number
  /** The streak is forgotten after this long without a failure; each failure starts it afresh. */
  phoneConsecutiveWindowSeconds: number
  phoneMaxSends: number
  phoneSendWindowSeconds: number
  trustTtlSeconds: number
  /**
   * How long after a send its SMS may still be on its way: the provider's whole budget plus the
   * Redis steps around it. An idempotent retry inside it is told to wait; after it, a challenge
   * whose SMS was never recorded as delivered gets a fresh PIN.
   */
  deliveryGraceMs: number
}

/** What a new caller looks like when a PIN enrols them (New / Customer / Welcome). */
export interface EnrolDefaults {
  firstName: string
  lastName: string
  custLevel: string
}

/** Opaque to the core: what the store needs to take a send back. */
export type SendUndo = { readonly __undo: unique symbol } & Record<string, unknown>

export type Refusal =
  | { kind: 'phone_locked'; retryAfterMs: number }
  | { kind: 'phone_send_limit'; retryAfterMs: number }

export type CreateOutcome =
  | { kind: 'created'; state: ChallengeState; undo: SendUndo }
  /** Its SMS was delivered (or it is locked): nothing to send. */
  | { kind: 'existing'; state: ChallengeState }
  /** Not delivered yet, and the request sending it may still be waiting on the provider. */
  | { kind: 'in_progress'; retryAfterMs: number }
  /** Not delivered within the grace: the new digest is in, counted as a send; send its PIN. */
  | { kind: 'redeliver'; state: ChallengeState; undo: SendUndo }
  | { kind: 'max_sends'; retryAfterMs: number }
  | Refusal

export type ResendOutcome =
  | { kind: 'resent'; state: ChallengeState; phone: string; locale: Locale; undo: SendUndo; context: ChallengeContext }
  | { kind: 'not_found' }
  | { kind: 'locked'; retryAfterMs: number }
  | { kind: 'cooldown'; retryAfterMs: number }
  | { kind: 'max_sends'; retryAfterMs: number }
  | Refusal

export type VerifyOutcome =
  | { kind: 'approved'; attemptsLeft: number; caller: Caller | undefined; facts: ChallengeFacts }
  | { kind: 'rejected'; attemptsLeft: number; facts: ChallengeFacts }
  | { kind: 'locked'; retryAfterMs: number; facts: ChallengeFacts }
  | { kind: 'phone_locked'; retryAfterMs: number; facts: ChallengeFacts }
  | { kind: 'not_found' }

export interface ChallengeStore {
  /** An id that routes to the phone's shard; `token` is its random (or keyed) part. */
  challengeId(phone: string, token: string): string
  isChallengeId(id: string): boolean
  /** Creates the challenge, or reports the one with this id and whether its SMS was delivered. */
  create(challenge: NewChallenge, limits: Limits): Promise<CreateOutcome>
  /** Atomically checks cooldown and caps, swaps in the new digest, returns phone and locale to send to. */
  resend(id: string, digest: string, now: number, limits: Limits, delivery?: Delivery): Promise<ResendOutcome>
  /**
   * Takes back a send. With keepCount (the SMS may have gone) it stays counted, per number and (a
   * resend) per challenge, cooldown included, and the challenge is withdrawn: no PIN of it verifies.
   */
  undoSend(undo: SendUndo, opts?: { keepCount?: boolean }): Promise<void>
  /** Records that the provider accepted the SMS for `digest`, if the challenge still holds it. */
  markDelivered(id: string, digest: string): Promise<void>
  /** Forgets a number's failures (the window and the streak): an admin lifting a lock. */
  clearPhoneLock(phone: string): Promise<void>
  /** Look up, count the attempt, compare, consume (and enrol): one atomic step. */
  verify(id: string, digest: string, now: number, limits: Limits, enrol: EnrolDefaults): Promise<VerifyOutcome>
  get(id: string): Promise<ChallengeState | undefined>
  /** Whether `id` was issued for `phone` (no I/O). */
  isChallengeFor(id: string, phone: string): boolean
  /** The keyed hash of the number a challenge id was issued for (no I/O). */
  phoneIdOf(id: string): string
}

/** A counter of sends shared by many numbers, outside any one phone's slot (calls have their own day). */
export type SpendCounter =
  | { kind: 'client'; client: string }
  | { kind: 'prefix'; prefix: string; known?: boolean }
  | { kind: 'day'; day: string }
  | { kind: 'voice_day'; day: string }

/** A counter and its cap: the counter lives `windowMs` from its first count. */
export interface CappedCounter {
  counter: SpendCounter
  max: number
  windowMs: number
}

/** `full`: the first of the counters (in the order given) that was at its cap, and how long it has left. */
export type TakeOutcome = { kind: 'taken' } | { kind: 'full'; counter: SpendCounter; retryAfterMs: number }

/** SMS spend counters beyond one phone: per client, per number prefix and per day. */
export interface SpendCounters {
  /**
   * Counts one SMS on every counter, unless one of them has reached its max: then none is counted.
   * All or nothing, atomically (one step on Redis).
   */
  take(counters: readonly CappedCounter[]): Promise<TakeOutcome>
  /** Takes one back from each: the SMS was refused by a later check, or not sent. */
  giveBack(counters: readonly SpendCounter[]): Promise<void>
}

export interface CallerRegistry {
  get(phone: string): Promise<Caller | undefined>
  /** Creates or replaces; returns whether it was created. Throws EMAIL_TAKEN. */
  put(caller: Caller): Promise<{ created: boolean; caller: Caller }>
  delete(phone: string): Promise<boolean>
  findByEmail(email: string): Promise<Caller | undefined>
}

export interface SmsMessage {
  to: string
  body: string
}

export interface SmsSender {
  /**
   * Resolves once the provider accepted the message; throws when it did not. Throws
   * SmsOutcomeUnknown when the provider may have accepted it (a timeout once the request was sent).
   */
  send(message: SmsMessage): Promise<void>
}

/** A PIN read out on a phone call: SSML the core wrote, spoken in the locale's voice. */
export interface VoiceMessage {
  to: string
  ssml: string
  locale: Locale
}

export interface VoiceSender {
  /**
   * Resolves once the provider accepted the call; throws when it did not. Throws
   * SmsOutcomeUnknown when the provider may have accepted it, as SmsSender does.
   */
  call(message: VoiceMessage): Promise<void>
}

/** A change of a challenge's state, as event sinks (EventBridge, webhooks) receive it. */
export interface VerificationEvent {
  /** Unique per event: consumers de-duplicate on it (sinks deliver at least once). */
  id: string
  type: 'pending' | 'approved' | 'rejected' | 'locked' | 'send_failed'
  challengeId: string
  /** Keyed hash of the number (KEY_HASH_SECRET): the same for every challenge of one number, never the number. */
  phoneId: string
  via: Via
  /** How the PIN went: sms or voice */
  channel: Delivery
  purpose: string
  attempts: number
  sends: number
  /** ms since epoch */
  at: number
}

/** The claims of a signed verification assertion (a JWS; times in seconds since epoch, as JWT has them). */
export interface AssertionClaims {
  iss: string
  sub: string
  amr: string[]
  via: Via
  binding: string
  purpose: string
  amount?: string | undefined
  currency?: string | undefined
  payee?: string | undefined
  iat: number
  exp: number
  jti: string
}

export type AssertionCheck =
  | { kind: 'valid'; claims: AssertionClaims }
  | { kind: 'expired' }
  /** Not ours: malformed, another key or issuer, a changed byte. */
  | { kind: 'invalid' }

/** Signs assertions and checks them (signature, issuer, type, expiry); keys never leave it. */
export interface AssertionSigner {
  sign(claims: AssertionClaims): Promise<string>
  check(token: string): Promise<AssertionCheck>
}

/**
 * The provider may have accepted the SMS or the call (it timed out, or the connection dropped, once
 * sent): the send stays counted. Every sender reports it the same way (adapters/sms/send-once.ts).
 */
export class SmsOutcomeUnknown extends Error {
  override name = 'SmsOutcomeUnknown'
}

/** Hooks for metrics and audit logs; never given a PIN. */
export interface VerificationEvents {
  /** Every state change of a challenge. Must return at once and never throw: sinks queue it. */
  changed?(event: VerificationEvent): void
  issued?(purpose: string): void
  resent?(purpose: string): void
  verified?(result: 'approved' | 'rejected' | 'locked' | 'not_found'): void
  smsFailed?(error: unknown): void
  /** An SMS was refused by a spend guard (a pumping signal worth an alert). */
  smsRefused?(reason: 'country' | 'client' | 'prefix' | 'budget' | 'voice_budget'): void
  /** A test number was used; `phone` is already masked. */
  testNumberUsed?(use: { phone: string; action: 'issue' | 'resend' | 'verify' }): void
}
