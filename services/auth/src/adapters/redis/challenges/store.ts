import type { Redis } from 'ioredis'
import type {
  ChallengeState,
  ChallengeStatus,
  ChallengeStore,
  CreateOutcome,
  Locale,
  ResendOutcome,
  SendUndo,
  VerifyOutcome,
} from '../../../core/ports.ts'
import { callerFromHash } from '../callers/fields.ts'
import type { Keys } from '../keys.ts'
import { CHALLENGE } from './fields.ts'
import { createChallenge, markDelivered, resendChallenge, undoSend, verifyChallenge } from './scripts.ts'

/** What undoSend needs; opaque to the core. */
interface Undo {
  challenge: string
  sends: string
  digest: string
  mode: 'create' | 'resend'
  prevDigest: string
  prevLastSentAt: string
  prevExpiresAt: string
  prevDelivered: string
}

const toUndo = (u: Undo) => u as unknown as SendUndo
const unexpected = (script: string, kind: never): never => {
  throw new Error(`unexpected reply from ${script} script: ${String(kind)}`)
}

/** ChallengeStore on Redis: every state change is one Lua script on one slot. */
export function createChallengeStore(redis: Redis, keys: Keys): ChallengeStore {
  return {
    challengeId: keys.challengeId,
    isChallengeId: keys.isChallengeId,
    isChallengeFor: keys.isChallengeFor,

    async create(c, l): Promise<CreateOutcome> {
      const k = keys.forChallenge(c.id)
      // The limits go in whole: each script takes the ones it names (a new limit: its script only).
      const { digest, phone, now, locale, purpose, expiresAt } = c
      const r = await createChallenge(redis, k, {
        ...l,
        digest,
        phone,
        now,
        locale,
        purpose,
        enrol: c.enrol ? '1' : '0',
        expiresAt,
      })
      const undo = { challenge: k.challenge, sends: k.sends, digest: c.digest }
      const sent = { id: c.id, lastSentAt: c.now, expiresAt: c.expiresAt, status: 'pending' } as const
      switch (r.kind) {
        case 'created':
          return {
            kind: 'created',
            state: { ...sent, attempts: 0, sends: 1 },
            undo: toUndo({
              ...undo,
              mode: 'create',
              prevDigest: '',
              prevLastSentAt: '',
              prevExpiresAt: '',
              prevDelivered: '',
            }),
          }
        case 'existing': {
          const { attempts, sends, lastSentAt, expiresAt, status } = r
          return { kind: 'existing', state: { id: c.id, attempts, sends, lastSentAt, expiresAt, status } }
        }
        case 'redeliver':
          return {
            kind: 'redeliver',
            state: { ...sent, attempts: r.attempts, sends: r.sends },
            undo: toUndo({
              ...undo,
              mode: 'resend',
              prevDigest: r.prevDigest,
              prevLastSentAt: r.prevLastSentAt,
              prevExpiresAt: r.prevExpiresAt,
              prevDelivered: '0',
            }),
          }
        case 'in_progress':
        case 'max_sends':
        case 'phone_locked':
        case 'phone_send_limit':
          return r
        default:
          return unexpected('create', r)
      }
    },

    async resend(id, digest, now, l): Promise<ResendOutcome> {
      const k = keys.forChallenge(id)
      const expiresAt = now + l.ttlMs
      const r = await resendChallenge(redis, k, { ...l, digest, now, expiresAt })
      switch (r.kind) {
        case 'resent':
          return {
            kind: 'resent',
            state: { id, attempts: r.attempts, sends: r.sends, lastSentAt: now, expiresAt, status: 'pending' },
            phone: r.phone,
            locale: r.locale as Locale,
            undo: toUndo({
              challenge: k.challenge,
              sends: k.sends,
              digest,
              mode: 'resend',
              prevDigest: r.prevDigest,
              prevLastSentAt: r.prevLastSentAt,
              prevExpiresAt: r.prevExpiresAt,
              prevDelivered: r.prevDelivered,
            }),
          }
        case 'not_found':
        case 'locked':
        case 'cooldown':
        case 'max_sends':
        case 'phone_locked':
        case 'phone_send_limit':
          return r
        default:
          return unexpected('resend', r)
      }
    },

    async undoSend(handle) {
      const { challenge, sends, ...args } = handle as unknown as Undo
      await undoSend(redis, { challenge, sends }, { ...args, now: Date.now() })
    },

    async clearPhoneLock(phone) {
      const k = keys.forPhone(phone)
      await redis.del(k.failures, k.streak) // one slot: both keys share the number's hash tag
    },

    async markDelivered(id, digest) {
      await markDelivered(redis, { challenge: keys.challenge(id) }, { digest })
    },

    async verify(id, digest, now, l, enrol): Promise<VerifyOutcome> {
      const r = await verifyChallenge(redis, keys.forChallenge(id), { ...l, ...enrol, digest, now })
      switch (r.kind) {
        case 'approved':
          return { kind: 'approved', attemptsLeft: r.attemptsLeft, caller: r.caller && callerFromHash(r.caller) }
        case 'rejected':
        case 'locked':
        case 'phone_locked':
        case 'not_found':
          return r
        default:
          return unexpected('verify', r)
      }
    },

    async get(id): Promise<ChallengeState | undefined> {
      const F = CHALLENGE
      const [a, s, t, e, st] = await redis.hmget(
        keys.challenge(id),
        F.attempts,
        F.sends,
        F.lastSentAt,
        F.expiresAt,
        F.status,
      )
      if (a === null || a === undefined) return undefined
      const n = (v: string | null | undefined) => Number(v ?? 0)
      return { id, attempts: n(a), sends: n(s), lastSentAt: n(t), expiresAt: n(e), status: st as ChallengeStatus }
    },
  }
}
