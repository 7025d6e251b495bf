import type {
  Caller, ChallengeContext, ChallengeFacts, ChallengeState, ChallengeStatus, ChallengeStore, CreateOutcome,
  Delivery, EnrolDefaults, Limits, Locale, ResendOutcome, SendUndo, Transaction, Via, VerifyOutcome,
} from '../../core/ports.ts'
import type { Keys } from './keys.ts'
import type { ScriptedRedis } from './scripts.ts'
import { callerFromHash } from './caller-store.ts'

interface Undo {
  challenge: string
  sends: string
  digest: string
  mode: 'create' | 'resend'
  /** digest, last sent, expires at, delivered, delivery (sms|voice) */
  prev: [string, string, string, string, string]
}

const num = (v: unknown) => Number(v ?? 0)
const toUndo = (u: Undo) => u as unknown as SendUndo

// The challenge's `x` field: what it is about beyond its purpose and delivery.
interface StoredContext { v?: Via; tx?: Transaction }
const contextJson = (c: Partial<ChallengeContext>) => JSON.stringify({ v: c.via ?? 'rest', ...(c.transaction ? { tx: c.transaction } : {}) } satisfies StoredContext)

function contextOf(purpose: unknown, delivery: unknown, json: unknown): ChallengeContext {
  let x: StoredContext = {}
  try {
    x = JSON.parse(String(json ?? '{}')) as StoredContext
  } catch {
    // Challenges written before the field existed have none.
  }
  return { purpose: String(purpose || 'verify'), delivery: delivery === 'voice' ? 'voice' : 'sms' satisfies Delivery, via: x.v ?? 'rest', transaction: x.tx }
}

/** ChallengeStore on Redis: every state change is one Lua script on one slot. */
export function createChallengeStore(redis: ScriptedRedis, keys: Keys): ChallengeStore {
  return {
    challengeId: keys.challengeId,
    isChallengeId: keys.isChallengeId,
    isChallengeFor: keys.isChallengeFor,
    phoneIdOf: keys.phoneIdOf,

    async create(c, l: Limits): Promise<CreateOutcome> {
      const k = keys.forChallenge(c.id)
      const r = await redis.plCreateChallenge(k.challenge, k.failures, k.sends, k.streak,
        c.digest, c.phone, c.now, l.ttlMs, c.locale, c.purpose, c.enrol ? 1 : 0,
        l.phoneMaxFailures, l.phoneMaxSends, l.phoneSendWindowSeconds, c.expiresAt,
        l.deliveryGraceMs, l.maxSendsPerChallenge, l.phoneMaxConsecutiveFailures, c.delivery ?? 'sms', contextJson(c))
      switch (r[0]) {
        case 'created':
          return {
            kind: 'created',
            state: { id: c.id, attempts: 0, sends: 1, lastSentAt: c.now, expiresAt: c.expiresAt, status: 'pending' },
            undo: toUndo({ challenge: k.challenge, sends: k.sends, digest: c.digest, mode: 'create', prev: ['', '', '', '', ''] }),
          }
        case 'existing':
          return { kind: 'existing', state: { id: c.id, attempts: num(r[1]), sends: num(r[2]), lastSentAt: num(r[3]), expiresAt: num(r[4]), status: r[5] as ChallengeStatus } }
        case 'redeliver':
          return {
            kind: 'redeliver',
            state: { id: c.id, attempts: num(r[4]), sends: num(r[5]), lastSentAt: c.now, expiresAt: c.expiresAt, status: 'pending' },
            undo: toUndo({ challenge: k.challenge, sends: k.sends, digest: c.digest, mode: 'resend', prev: [String(r[1]), String(r[2]), String(r[3]), '0', String(r[6] ?? '')] }),
          }
        case 'in_progress': case 'max_sends': case 'phone_locked': case 'phone_send_limit':
          return { kind: r[0], retryAfterMs: num(r[1]) }
        default:
          throw new Error(`unexpected reply from create script: ${String(r[0])}`)
      }
    },

    async resend(id, digest, now, l, delivery): Promise<ResendOutcome> {
      const k = keys.forChallenge(id)
      const expiresAt = now + l.ttlMs
      const r = await redis.plResendChallenge(k.challenge, k.failures, k.sends, k.streak,
        digest, now, l.ttlMs, l.resendCooldownMs, l.maxSendsPerChallenge,
        l.phoneMaxFailures, l.phoneMaxSends, l.phoneSendWindowSeconds, expiresAt, l.phoneMaxConsecutiveFailures, delivery ?? '')
      switch (r[0]) {
        case 'resent':
          return {
            kind: 'resent',
            state: { id, attempts: num(r[4]), sends: num(r[5]), lastSentAt: now, expiresAt, status: 'pending' },
            phone: String(r[6]),
            locale: String(r[7]) as Locale,
            undo: toUndo({ challenge: k.challenge, sends: k.sends, digest, mode: 'resend', prev: [String(r[1]), String(r[2]), String(r[3]), String(r[8]), String(r[12])] }),
            context: contextOf(r[9], r[10], r[11]),
          }
        case 'not_found':
          return { kind: 'not_found' }
        case 'locked': case 'cooldown': case 'max_sends': case 'phone_locked': case 'phone_send_limit':
          return { kind: r[0], retryAfterMs: num(r[1]) }
        default:
          throw new Error(`unexpected reply from resend script: ${String(r[0])}`)
      }
    },

    async undoSend(undo) {
      const u = undo as unknown as Undo
      const [digest, lastSent, expires, delivered, delivery] = u.prev
      await redis.plUndoSend(u.challenge, u.sends, u.digest, u.mode, digest, lastSent, expires, Date.now(), delivered, delivery)
    },

    async clearPhoneLock(phone) {
      const k = keys.forPhone(phone)
      await redis.del(k.failures, k.streak) // one slot: both keys share the number's hash tag
    },

    async markDelivered(id, digest) {
      await redis.plMarkDelivered(keys.challenge(id), digest)
    },

    async verify(id, digest, now, l, enrol: EnrolDefaults): Promise<VerifyOutcome> {
      const k = keys.forChallenge(id)
      const r = await redis.plVerifyChallenge(k.challenge, k.failures, k.caller, k.streak,
        digest, now, l.maxAttempts, l.phoneMaxFailures, l.phoneFailureWindowSeconds,
        l.trustTtlSeconds, enrol.firstName, enrol.lastName, enrol.custLevel,
        l.phoneMaxConsecutiveFailures, l.phoneConsecutiveWindowSeconds)
      // Every reply but not_found: status, a number, then attempts, sends, purpose, delivery, context.
      const facts = (): ChallengeFacts => ({ phoneId: keys.phoneIdOf(id), attempts: num(r[2]), sends: num(r[3]), ...contextOf(r[4], r[5], r[6]) })
      switch (r[0]) {
        case 'approved': {
          const fields: Record<string, string> = {}
          for (let i = 7; i + 1 < r.length; i += 2) fields[String(r[i])] = String(r[i + 1])
          const caller: Caller | undefined = r.length > 7 ? callerFromHash(fields) : undefined
          return { kind: 'approved', attemptsLeft: num(r[1]), caller, facts: facts() }
        }
        case 'rejected':
          return { kind: 'rejected', attemptsLeft: num(r[1]), facts: facts() }
        case 'locked': case 'phone_locked':
          return { kind: r[0], retryAfterMs: num(r[1]), facts: facts() }
        case 'not_found':
          return { kind: 'not_found' }
        default:
          throw new Error(`unexpected reply from verify script: ${String(r[0])}`)
      }
    },

    async get(id): Promise<ChallengeState | undefined> {
      const [a, s, t, e, st] = await redis.hmget(keys.challenge(id), 'a', 's', 't', 'e', 'st')
      if (a === null || a === undefined) return undefined
      return { id, attempts: num(a), sends: num(s), lastSentAt: num(t), expiresAt: num(e), status: st as ChallengeStatus }
    },
  }
}
