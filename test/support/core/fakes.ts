import { loadConfig } from '../../../services/auth/src/config.ts'
import { isPinlineError, type PinlineError } from '../../../services/auth/src/core/errors.ts'
import { createVerification, type VerificationPolicy } from '../../../services/auth/src/core/verification.ts'
import type {
  Caller,
  CallerRegistry,
  ChallengeContext,
  ChallengeFacts,
  ChallengeState,
  ChallengeStore,
  CreateOutcome,
  ResendOutcome,
  SendUndo,
  SmsMessage,
  SmsSender,
  SpendCounter,
  SpendCounters,
  VerificationEvent,
  VerificationEvents,
  VerifyOutcome,
  VoiceSender,
} from '../../../services/auth/src/core/ports.ts'
import type { Assertions } from '../../../services/auth/src/core/assertions.ts'
import type {
  AddItemOutcome,
  OrderSession,
  PinDecryptor,
  DecryptOutcome,
  SessionStore,
  TurnStart,
} from '../../../services/auth/src/core/session-ports.ts'

// Small fakes of the core's ports for unit tests: each answers what the test scripts and
// records what it was asked. None re-implements the Redis scripts: a test says what the store
// answers, and checks what the core does with it.

/** The policies as the service configures them by default (the core's units), for tests to override. */
export const defaults = loadConfig({ NODE_ENV: 'test', PIN_HMAC_SECRET: 'unit-secret-0123456789-0123456789-0123' })

/** An opaque undo handle, recognisable in assertions. */
export const undoHandle = (name: string) => ({ name }) as unknown as SendUndo

/** Answers queued for a method, taken in order; a call with nothing queued fails the test. */
class Script<T> {
  private queue: Array<T | Error> = []
  answer(...answers: Array<T | Error>): this {
    this.queue.push(...answers)
    return this
  }
  async next(method: string): Promise<T> {
    const answer = this.queue.shift()
    if (answer === undefined) throw new Error(`unit test: no scripted answer for ${method}`)
    if (answer instanceof Error) throw answer
    return answer
  }
}

/** The fake store's challenge ids: like the real ones, they start with their number's part. */
export const fakeChallengeId = (phone: string, token: string) => `ch-${phone.slice(1)}-${token}`

/** What a challenge is for, when a test does not say: a REST login by SMS. */
export const aboutChallenge: ChallengeContext = { purpose: 'login', delivery: 'sms', via: 'rest' }

// Store answers as a test writes them: what the challenge was for may be left out.
type WithoutFacts<T> = T extends { facts: ChallengeFacts } ? Omit<T, 'facts'> & { facts?: ChallengeFacts } : T
type WithoutContext<T> = T extends { context: ChallengeContext }
  ? Omit<T, 'context'> & { context?: ChallengeContext }
  : T
export type ScriptedVerify = WithoutFacts<VerifyOutcome>
export type ScriptedResend = WithoutContext<ResendOutcome>

export function fakeChallengeStore() {
  const script = {
    create: new Script<CreateOutcome>(),
    resend: new Script<ScriptedResend>(),
    verify: new Script<ScriptedVerify>(),
  }
  const calls = {
    create: [] as Parameters<ChallengeStore['create']>[],
    resend: [] as Parameters<ChallengeStore['resend']>[],
    verify: [] as Parameters<ChallengeStore['verify']>[],
    undone: [] as SendUndo[],
    delivered: [] as Array<{ id: string; digest: string }>,
    unlocked: [] as string[],
  }
  let markDeliveredFails = false
  const port: ChallengeStore = {
    challengeId: fakeChallengeId,
    isChallengeId: (id) => id.startsWith('ch-'),
    isChallengeFor: (id, phone) => id.startsWith(fakeChallengeId(phone, '')),
    phoneIdOf: (id) => id.split('-')[1] ?? '',
    create: (...args) => {
      calls.create.push(args)
      return script.create.next('create')
    },
    resend: (...args) => {
      calls.resend.push(args)
      return script.resend
        .next('resend')
        .then((r) => (r.kind === 'resent' ? { ...r, context: r.context ?? aboutChallenge } : r))
    },
    verify: (...args) => {
      calls.verify.push(args)
      return script.verify.next('verify').then((r): VerifyOutcome => {
        if (r.kind === 'not_found') return r
        const facts = r.facts ?? { ...aboutChallenge, phoneId: args[0].split('-')[1] ?? '', attempts: 1, sends: 1 }
        return { ...r, facts } as VerifyOutcome
      })
    },
    undoSend: async (undo) => void calls.undone.push(undo),
    markDelivered: async (id, digest) => {
      calls.delivered.push({ id, digest })
      if (markDeliveredFails) throw new Error('redis gone')
    },
    clearPhoneLock: async (phone) => void calls.unlocked.push(phone),
    get: async () => undefined,
  }
  return { port, script, calls, failMarkDelivered: () => void (markDeliveredFails = true) }
}

/** What the fake answers for one counter of a take, in order: taken, full, or an Error. */
type CounterAnswer = { kind: 'taken' } | { kind: 'full'; retryAfterMs: number }

export function fakeSpendCounters() {
  const script = new Script<CounterAnswer>()
  const taken: SpendCounter[] = []
  const givenBack: SpendCounter[] = []
  const port: SpendCounters = {
    // All or nothing, as the Redis script: a refusal or an error on one counter gives back the earlier ones.
    take: async (counters) => {
      const done: SpendCounter[] = []
      for (const { counter } of counters) {
        taken.push(counter)
        const r = await script.next(`take(${counter.kind})`).catch((err: unknown) => {
          givenBack.push(...done)
          throw err
        })
        if (r.kind === 'full') {
          givenBack.push(...done)
          return { kind: 'full', counter, retryAfterMs: r.retryAfterMs }
        }
        done.push(counter)
      }
      return { kind: 'taken' }
    },
    giveBack: async (counters) => void givenBack.push(...counters),
  }
  /** Every take answers 'taken' unless the test scripts otherwise. */
  const fake = { port, script, taken, givenBack, roomy: () => fake }
  fake.roomy = () => {
    script.answer(...Array.from({ length: 10 }, () => ({ kind: 'taken' }) as const))
    return fake
  }
  return fake
}

export function fakeSms() {
  const sent: SmsMessage[] = []
  const failures: Error[] = []
  const port: SmsSender = {
    async send(message) {
      const failure = failures.shift()
      if (failure) throw failure
      sent.push(message)
    },
  }
  return { port, sent, failNext: (err = new Error('provider refused')) => void failures.push(err) }
}

export function fakeCallers(callers: Caller[] = []) {
  const byPhone = new Map(callers.map((c) => [c.phone, c]))
  const port: CallerRegistry = {
    get: async (phone) => byPhone.get(phone),
    put: async () => {
      throw new Error('unit test: put is not scripted')
    },
    delete: async (phone) => byPhone.delete(phone),
    findByEmail: async (email) => [...byPhone.values()].find((c) => c.email === email),
  }
  return { port }
}

/** Records every event the core reports, in order; state changes apart, in `changes`. */
export function recordEvents() {
  const seen: Array<[string, ...unknown[]]> = []
  const changes: VerificationEvent[] = []
  const on =
    (name: string) =>
    (...args: unknown[]) =>
      void seen.push([name, ...args])
  const events: Required<VerificationEvents> = {
    issued: on('issued'),
    resent: on('resent'),
    verified: on('verified'),
    smsFailed: on('smsFailed'),
    smsRefused: on('smsRefused'),
    testNumberUsed: on('testNumberUsed'),
    changed: (event) => void changes.push(event),
  }
  return { events, seen, changes }
}

/** A session store holding sessions in a map, with addItem scripted. */
export function fakeSessionStore() {
  const sessions = new Map<string, OrderSession>()
  const addItem = new Script<AddItemOutcome>()
  const turns: TurnStart[] = []
  const ended: Array<{ id: string; fingerprint: string; answer: string | undefined }> = []
  const put = (s: OrderSession) => {
    sessions.set(s.id, s)
    return s
  }
  const port: SessionStore = {
    isSessionId: (id) => id.length > 0 && !id.includes('/'),
    create: async (s, t) => (sessions.has(s.id) ? undefined : put(newSession(s, t.now))),
    openForContact: async (s, t) => {
      const live = sessions.get(s.id)
      return live && live.email === s.email && live.phone === s.phone ? live : put(newSession(s, t.now))
    },
    get: async (id) => sessions.get(id),
    bindChallenge: async (id, nonce, generation, challengeId, sentTo) => {
      const s = sessions.get(id)
      if (!s || s.nonce !== nonce) return undefined
      return s.generation === generation ? put({ ...s, challengeId, sentTo, generation: generation + 1 }) : s
    },
    authenticate: async (id, nonce) => {
      const s = sessions.get(id)
      return s && s.nonce === nonce ? put({ ...s, authenticated: true, challengeId: undefined }) : undefined
    },
    addItem: () => addItem.next('addItem'),
    // A turn may go unless the test scripts another start.
    beginTurn: async () => turns.shift() ?? { kind: 'go' },
    endTurn: async (id, _token, fingerprint, answer) => void ended.push({ id, fingerprint, answer }),
  }
  return { port, sessions, put, addItem, turns, ended }
}

function newSession(
  s: {
    id: string
    nonce: string
    email: string | undefined
    phone: string | undefined
    locale: OrderSession['locale']
  },
  now: number,
): OrderSession {
  const { id, nonce, email, phone, locale } = s
  const blank = { sentTo: undefined, authenticated: false, challengeId: undefined, generation: 0, items: [] }
  return { id, nonce, email, phone, locale, ...blank, createdAt: now, expiresAt: now + 60_000 }
}

/** A decryptor that answers what the test scripts. */
export function fakeDecryptor(answer: DecryptOutcome | Error): PinDecryptor {
  return {
    decrypt: async () => {
      if (answer instanceof Error) throw answer
      return answer
    },
  }
}

/** The PinlineError a call was refused with (fails the test if it resolved or threw anything else). */
export async function refusal(p: Promise<unknown>): Promise<PinlineError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  )
  if (!isPinlineError(err)) throw new Error(`expected a PinlineError, got ${String(err)}`)
  return err
}

/** A pending challenge as the store reports it, sent at `now`. */
export function challengeState(now: number, over: Partial<ChallengeState> = {}): ChallengeState {
  return { id: 'x', attempts: 0, sends: 1, lastSentAt: now, expiresAt: now + 300_000, status: 'pending', ...over }
}

/** The verification core on fake ports, at a fixed time. */
export function fakeVerification(opts: {
  now: number
  callers?: Caller[]
  policy?: Partial<VerificationPolicy>
  events?: VerificationEvents
  voice?: VoiceSender
  assertions?: Assertions
}) {
  const store = fakeChallengeStore()
  const spend = fakeSpendCounters()
  const sms = fakeSms()
  const callers = fakeCallers(opts.callers)
  const verification = createVerification({
    store: store.port,
    callers: callers.port,
    sms: sms.port,
    spend: spend.port,
    policy: { ...defaults.verification, ...opts.policy },
    ...(opts.events ? { events: opts.events } : {}),
    ...(opts.voice ? { voice: opts.voice } : {}),
    ...(opts.assertions ? { assertions: opts.assertions } : {}),
    now: () => opts.now,
  })
  return { verification, store, spend, sms, callers }
}
