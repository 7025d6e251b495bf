import type {
  Caller, ChallengeState, ChallengeStatus, ChallengeStore, CreateOutcome, EnrolDefaults, Limits,
  Locale, ResendOutcome, SendUndo, VerifyOutcome,
} from '../../core/ports.ts'
import type { Keys } from './keys.ts'
import { noReplicaAck, notAcknowledged, type ReplicaAck } from './replica-ack.ts'
import type { ScriptedRedis } from './scripts.ts'
import { callerFromHash } from './caller-store.ts'

interface Undo {
  challenge: string
  sends: string
  digest: string
  mode: 'create' | 'resend'
  /** digest, last sent, expires at, delivered */
  prev: [string, string, string, string]
}

const num = (v: unknown) => Number(v ?? 0)
const toUndo = (u: Undo) => u as unknown as SendUndo

/**
 * ChallengeStore on Redis: every state change is one Lua script on one slot.
 * With `ack` requiring replicas (REDIS_MIN_REPLICAS_ACK), a verify that wrote (an approval, a
 * failed attempt) and a counted send are answered only once that many replicas hold them; else
 * 503, and a send is taken back before any SMS goes. See SECURITY.md, "Redis failover".
 */
export function createChallengeStore(redis: ScriptedRedis, keys: Keys, ack: ReplicaAck = noReplicaAck(redis)): ChallengeStore {
  /** A send Redis counted but no replica confirmed: taken back (best effort), then 503, no SMS. */
  async function refuseUnacknowledged(undo: Undo): Promise<never> {
    const [digest, lastSent, expires, delivered] = undo.prev
    await redis.plUndoSend(undo.challenge, undo.sends, undo.digest, undo.mode, digest, lastSent, expires, Date.now(), delivered).catch(() => undefined)
    throw notAcknowledged(ack.minReplicas)
  }

  return {
    challengeId: keys.challengeId,
    isChallengeId: keys.isChallengeId,
    isChallengeFor: keys.isChallengeFor,

    async create(c, l: Limits): Promise<CreateOutcome> {
      const k = keys.forChallenge(c.id)
      const { reply: r, acknowledged } = await ack.run('plCreateChallenge', [k.challenge, k.failures, k.sends, k.streak,
        c.digest, c.phone, c.now, l.ttlMs, c.locale, c.purpose, c.enrol ? 1 : 0,
        l.phoneMaxFailures, l.phoneMaxSends, l.phoneSendWindowSeconds, c.expiresAt,
        l.deliveryGraceMs, l.maxSendsPerChallenge, l.phoneMaxConsecutiveFailures])
      switch (r[0]) {
        case 'created': {
          const undo: Undo = { challenge: k.challenge, sends: k.sends, digest: c.digest, mode: 'create', prev: ['', '', '', ''] }
          if (!acknowledged) return refuseUnacknowledged(undo)
          return {
            kind: 'created',
            state: { id: c.id, attempts: 0, sends: 1, lastSentAt: c.now, expiresAt: c.expiresAt, status: 'pending' },
            undo: toUndo(undo),
          }
        }
        case 'existing':
          return { kind: 'existing', state: { id: c.id, attempts: num(r[1]), sends: num(r[2]), lastSentAt: num(r[3]), expiresAt: num(r[4]), status: r[5] as ChallengeStatus } }
        case 'redeliver': {
          const undo: Undo = { challenge: k.challenge, sends: k.sends, digest: c.digest, mode: 'resend', prev: [String(r[1]), String(r[2]), String(r[3]), '0'] }
          if (!acknowledged) return refuseUnacknowledged(undo)
          return {
            kind: 'redeliver',
            state: { id: c.id, attempts: num(r[4]), sends: num(r[5]), lastSentAt: c.now, expiresAt: c.expiresAt, status: 'pending' },
            undo: toUndo(undo),
          }
        }
        case 'in_progress': case 'max_sends': case 'phone_locked': case 'phone_send_limit':
          return { kind: r[0], retryAfterMs: num(r[1]) }
        default:
          throw new Error(`unexpected reply from create script: ${String(r[0])}`)
      }
    },

    async resend(id, digest, now, l): Promise<ResendOutcome> {
      const k = keys.forChallenge(id)
      const expiresAt = now + l.ttlMs
      const { reply: r, acknowledged } = await ack.run('plResendChallenge', [k.challenge, k.failures, k.sends, k.streak,
        digest, now, l.ttlMs, l.resendCooldownMs, l.maxSendsPerChallenge,
        l.phoneMaxFailures, l.phoneMaxSends, l.phoneSendWindowSeconds, expiresAt, l.phoneMaxConsecutiveFailures])
      switch (r[0]) {
        case 'resent': {
          const undo: Undo = { challenge: k.challenge, sends: k.sends, digest, mode: 'resend', prev: [String(r[1]), String(r[2]), String(r[3]), String(r[8])] }
          if (!acknowledged) return refuseUnacknowledged(undo)
          return {
            kind: 'resent',
            state: { id, attempts: num(r[4]), sends: num(r[5]), lastSentAt: now, expiresAt, status: 'pending' },
            phone: String(r[6]),
            locale: String(r[7]) as Locale,
            undo: toUndo(undo),
          }
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
      const [digest, lastSent, expires, delivered] = u.prev
      await redis.plUndoSend(u.challenge, u.sends, u.digest, u.mode, digest, lastSent, expires, Date.now(), delivered)
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
      const { reply: r, acknowledged } = await ack.run('plVerifyChallenge', [k.challenge, k.failures, k.caller, k.streak,
        digest, now, l.maxAttempts, l.phoneMaxFailures, l.phoneFailureWindowSeconds,
        l.trustTtlSeconds, enrol.firstName, enrol.lastName, enrol.custLevel,
        l.phoneMaxConsecutiveFailures, l.phoneConsecutiveWindowSeconds])
      // An approval (the challenge consumed, the caller enrolled) or a counted failure is answered
      // only once it would survive a failover: never an approval a new primary could repeat, never
      // a "rejected" whose attempt a new primary has forgotten.
      if (!acknowledged && r[0] !== 'not_found') throw notAcknowledged(ack.minReplicas)
      switch (r[0]) {
        case 'approved': {
          const fields: Record<string, string> = {}
          for (let i = 2; i + 1 < r.length; i += 2) fields[String(r[i])] = String(r[i + 1])
          const caller: Caller | undefined = r.length > 2 ? callerFromHash(fields) : undefined
          return { kind: 'approved', attemptsLeft: num(r[1]), caller }
        }
        case 'rejected':
          return { kind: 'rejected', attemptsLeft: num(r[1]) }
        case 'locked': case 'phone_locked':
          return { kind: r[0], retryAfterMs: num(r[1]) }
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
