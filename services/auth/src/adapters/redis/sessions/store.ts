import type { RedisClient } from '../client.ts'
import type { Locale } from '../../../core/ports.ts'
import type {
  AddItemOutcome,
  NewSession,
  OrderLine,
  OrderSession,
  SessionStore,
  SessionTiming,
} from '../../../core/session-ports.ts'
import type { Keys } from '../keys.ts'
import type { StoredSession } from './fields.ts'
import {
  addItem,
  authenticateSession,
  beginTurn,
  bindChallenge,
  endTurn,
  getSession,
  openSession,
  type SessionReply,
} from './scripts.ts'

function parseLines(json: string | undefined): OrderLine[] {
  const raw = JSON.parse(json || '[]') as Array<{ i: string; q: number }> | Record<string, never>
  // cjson writes an empty Lua table as {}, so anything that is not an array is an empty order.
  return Array.isArray(raw) ? raw.map(({ i, q }) => ({ item: String(i), quantity: Number(q) })) : []
}

function toSession(id: string, f: StoredSession, ttlMs: number, now: number): OrderSession {
  return {
    id,
    nonce: f.nonce ?? '',
    email: f.email || undefined,
    phone: f.phone || undefined,
    sentTo: f.sentTo || undefined,
    locale: (f.locale || 'en') as Locale,
    authenticated: f.authenticated === '1',
    challengeId: f.challengeId || undefined,
    generation: Number(f.generation ?? 0),
    items: parseLines(f.items),
    createdAt: Number(f.createdAt ?? 0),
    expiresAt: now + ttlMs,
  }
}

/** The session in a reply, or undefined for any other status. */
const fromReply = (id: string, r: SessionReply<string, string>, now: number, ok: string) =>
  r.status === ok && 'session' in r ? toSession(id, r.session, r.ttlMs, now) : undefined

/** SessionStore on Redis: one hash per session, every change one Lua script that also slides the TTL. */
export function createSessionStore(redis: RedisClient, keys: Keys): SessionStore {
  const key = (id: string) => ({ session: keys.session(id) })
  const timing = (t: SessionTiming) => ({ now: t.now, idleTtlMs: t.idleTtlMs, maxAgeMs: t.maxAgeMs })
  const open = async (mode: 'create' | 'contact', s: NewSession, t: SessionTiming) => {
    const args = { mode, nonce: s.nonce, email: s.email ?? '', phone: s.phone ?? '', locale: s.locale }
    return fromReply(s.id, await openSession(redis, key(s.id), { ...timing(t), ...args }), t.now, 'ok')
  }

  return {
    isSessionId: keys.isSessionId,

    create: (s, t) => open('create', s, t),

    async openForContact(s, t) {
      const session = await open('contact', s, t)
      if (!session) throw new Error('session open script replied without a session')
      return session
    },

    async get(id, t) {
      return fromReply(id, await getSession(redis, key(id), timing(t)), t.now, 'ok')
    },

    async bindChallenge(id, nonce, generation, challengeId, sentTo, t) {
      const r = await bindChallenge(redis, key(id), { ...timing(t), nonce, generation, challengeId, sentTo })
      return fromReply(id, r, t.now, 'ok')
    },

    async authenticate(id, nonce, t) {
      return fromReply(id, await authenticateSession(redis, key(id), { ...timing(t), nonce }), t.now, 'ok')
    },

    async addItem(id, item, quantity, limits, t): Promise<AddItemOutcome> {
      const r = await addItem(redis, key(id), { ...timing(t), item, quantity, ...limits })
      const session = fromReply(id, r, t.now, 'added')
      if (session) return { kind: 'added', session }
      if (r.status === 'not_found' || r.status === 'not_authenticated' || r.status === 'limit')
        return { kind: r.status }
      throw new Error(`unexpected reply from add-item script: ${String(r.status)}`)
    },

    beginTurn(id, fingerprint, token, lockMs) {
      return beginTurn(redis, keys.forTurn(id), { fingerprint, token, lockMs })
    },

    async endTurn(id, token, fingerprint, answer, keepMs) {
      await endTurn(redis, keys.forTurn(id), { token, fingerprint, answer: answer ?? '', keepMs })
    },
  }
}
