import type { RedisClient } from '../client.ts'
import type {
  ChallengeContext,
  ChallengeFacts,
  ChallengeState,
  ChallengeStatus,
  ChallengeStore,
  CreateOutcome,
  Locale,
  ResendOutcome,
  SendUndo,
  Transaction,
  VerifyOutcome,
  Via,
} from '../../../core/ports.ts'
import { callerFromHash } from '../callers/fields.ts'
import type { Keys } from '../keys.ts'
import { noReplicaAck, notAcknowledged, type ReplicaAck } from '../replica-ack.ts'
import { CHALLENGE } from './fields.ts'
import {
  type ChallengeAbout,
  createChallenge,
  markDelivered,
  resendChallenge,
  undoSend,
  verifyChallenge,
} from './scripts.ts'

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
  /** '' = leave the delivery as it is */
  prevDelivery: string
}

// The challenge's context field: what it is about beyond its purpose and delivery.
interface StoredContext {
  v?: Via
  tx?: Transaction
}
const contextJson = (c: Partial<ChallengeContext>) =>
  JSON.stringify({ v: c.via ?? 'rest', ...(c.transaction ? { tx: c.transaction } : {}) } satisfies StoredContext)

function contextOf(purpose: string, delivery: string, json: string): ChallengeContext {
  let x: StoredContext = {}
  try {
    x = JSON.parse(json || '{}') as StoredContext
  } catch {
    // Challenges written before the field existed have none.
  }
  return {
    purpose: purpose || 'verify',
    delivery: delivery === 'voice' ? 'voice' : 'sms',
    via: x.v ?? 'rest',
    transaction: x.tx,
  }
}

const toUndo = (u: Undo) => u as unknown as SendUndo
const unexpected = (script: string, kind: never): never => {
  throw new Error(`unexpected reply from ${script} script: ${String(kind)}`)
}

/**
 * ChallengeStore on Redis: every state change is one Lua script on one slot.
 * With `ack` requiring replicas (REDIS_MIN_REPLICAS_ACK), a verify that wrote (an approval, a
 * failed attempt) and a counted send are answered only once that many replicas hold them; else
 * 503, and a send is taken back before any SMS goes. See SECURITY.md, "Redis failover".
 */
export function createChallengeStore(
  redis: RedisClient,
  keys: Keys,
  ack: ReplicaAck = noReplicaAck(redis),
): ChallengeStore {
  /** A send Redis counted but no replica confirmed: taken back (best effort), then 503, no SMS. */
  async function refuseUnacknowledged(handle: Undo): Promise<never> {
    const { challenge, sends, ...args } = handle
    await undoSend(redis, { challenge, sends }, { ...args, now: Date.now(), keepCount: 0 }).catch(() => undefined)
    throw notAcknowledged(ack.minReplicas)
  }

  return {
    challengeId: keys.challengeId,
    isChallengeId: keys.isChallengeId,
    isChallengeFor: keys.isChallengeFor,
    phoneIdOf: keys.phoneIdOf,

    async create(c, l): Promise<CreateOutcome> {
      const k = keys.forChallenge(c.id)
      // The limits go in whole: each script takes the ones it names (a new limit: its script only).
      const { digest, phone, now, locale, purpose, expiresAt } = c
      const { reply: r, acknowledged } = await ack.run(createChallenge, k, {
        ...l,
        digest,
        phone,
        now,
        locale,
        purpose,
        enrol: c.enrol ? '1' : '0',
        expiresAt,
        delivery: c.delivery ?? 'sms',
        context: contextJson(c),
      })
      const undo = { challenge: k.challenge, sends: k.sends, digest: c.digest }
      const sent = { id: c.id, lastSentAt: c.now, expiresAt: c.expiresAt, status: 'pending' } as const
      switch (r.kind) {
        case 'created': {
          const created: Undo = {
            ...undo,
            mode: 'create',
            prevDigest: '',
            prevLastSentAt: '',
            prevExpiresAt: '',
            prevDelivered: '',
            prevDelivery: '',
          }
          if (!acknowledged) return refuseUnacknowledged(created)
          return { kind: 'created', state: { ...sent, attempts: 0, sends: 1 }, undo: toUndo(created) }
        }
        case 'existing': {
          const { attempts, sends, lastSentAt, expiresAt, status } = r
          return { kind: 'existing', state: { id: c.id, attempts, sends, lastSentAt, expiresAt, status } }
        }
        case 'redeliver': {
          const redelivered: Undo = {
            ...undo,
            mode: 'resend',
            prevDigest: r.prevDigest,
            prevLastSentAt: r.prevLastSentAt,
            prevExpiresAt: r.prevExpiresAt,
            prevDelivered: '0',
            prevDelivery: r.prevDelivery,
          }
          if (!acknowledged) return refuseUnacknowledged(redelivered)
          return {
            kind: 'redeliver',
            state: { ...sent, attempts: r.attempts, sends: r.sends },
            undo: toUndo(redelivered),
          }
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

    async resend(id, digest, now, l, delivery): Promise<ResendOutcome> {
      const k = keys.forChallenge(id)
      const expiresAt = now + l.ttlMs
      const { reply: r, acknowledged } = await ack.run(resendChallenge, k, {
        ...l,
        digest,
        now,
        expiresAt,
        delivery: delivery ?? '',
      })
      switch (r.kind) {
        case 'resent': {
          const resent: Undo = {
            challenge: k.challenge,
            sends: k.sends,
            digest,
            mode: 'resend',
            prevDigest: r.prevDigest,
            prevLastSentAt: r.prevLastSentAt,
            prevExpiresAt: r.prevExpiresAt,
            prevDelivered: r.prevDelivered,
            prevDelivery: r.prevDelivery,
          }
          if (!acknowledged) return refuseUnacknowledged(resent)
          return {
            kind: 'resent',
            state: { id, attempts: r.attempts, sends: r.sends, lastSentAt: now, expiresAt, status: 'pending' },
            phone: r.phone,
            locale: r.locale as Locale,
            undo: toUndo(resent),
            context: contextOf(r.purpose, r.delivery, r.context),
          }
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

    async undoSend(handle, opts = {}) {
      const { challenge, sends, ...args } = handle as unknown as Undo
      await undoSend(redis, { challenge, sends }, { ...args, now: Date.now(), keepCount: opts.keepCount ? 1 : 0 })
    },

    async clearPhoneLock(phone) {
      const k = keys.forPhone(phone)
      await redis.del(k.failures, k.streak) // one slot: both keys share the number's hash tag
    },

    async markDelivered(id, digest) {
      await markDelivered(redis, { challenge: keys.challenge(id) }, { digest })
    },

    async verify(id, digest, now, l, enrol): Promise<VerifyOutcome> {
      const { reply: r, acknowledged } = await ack.run(verifyChallenge, keys.forChallenge(id), {
        ...l,
        ...enrol,
        digest,
        now,
      })
      // An approval (the challenge consumed, the caller enrolled) or a counted failure is answered
      // only once it would survive a failover: never an approval a new primary could repeat, never
      // a "rejected" whose attempt a new primary has forgotten.
      if (!acknowledged && r.kind !== 'not_found') throw notAcknowledged(ack.minReplicas)
      const facts = (a: ChallengeAbout): ChallengeFacts => ({
        phoneId: keys.phoneIdOf(id),
        attempts: a.attempts,
        sends: a.sends,
        ...contextOf(a.purpose, a.delivery, a.context),
      })
      switch (r.kind) {
        case 'approved':
          return {
            kind: 'approved',
            attemptsLeft: r.attemptsLeft,
            caller: r.caller && callerFromHash(r.caller),
            facts: facts(r),
          }
        case 'rejected':
          return { kind: 'rejected', attemptsLeft: r.attemptsLeft, facts: facts(r) }
        case 'locked':
        case 'phone_locked':
          return { kind: r.kind, retryAfterMs: r.retryAfterMs, facts: facts(r) }
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
