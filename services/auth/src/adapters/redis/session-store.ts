import type { Locale } from '../../core/ports.ts'
import type { AddItemOutcome, NewSession, OrderLine, OrderSession, SessionStore, SessionTiming } from '../../core/session-ports.ts'
import type { Keys } from './keys.ts'
import type { ScriptReply, ScriptedRedis } from './scripts.ts'

const timingArgs = (t: SessionTiming) => [t.now, t.idleTtlMs, t.maxAgeMs] as const

function parseLines(json: string | undefined): OrderLine[] {
  const raw = JSON.parse(json || '[]') as Array<{ i: string; q: number }> | Record<string, never>
  // cjson writes an empty Lua table as {}, so anything that is not an array is an empty order.
  return Array.isArray(raw) ? raw.map(({ i, q }) => ({ item: String(i), quantity: Number(q) })) : []
}

/** {status, ttl, field, value, ...} -> the session, or undefined for any other status. */
function fromReply(id: string, r: ScriptReply, now: number, ok: string): OrderSession | undefined {
  if (r[0] !== ok) return undefined
  const f: Record<string, string> = {}
  for (let i = 2; i + 1 < r.length; i += 2) f[String(r[i])] = String(r[i + 1])
  return {
    id,
    nonce: f.n ?? '',
    email: f.em || undefined,
    phone: f.ph || undefined,
    sentTo: f.to || undefined,
    locale: (f.lo || 'en') as Locale,
    authenticated: f.au === '1',
    challengeId: f.ch || undefined,
    generation: Number(f.g ?? 0),
    items: parseLines(f.it),
    createdAt: Number(f.c ?? 0),
    expiresAt: now + Number(r[1]),
  }
}

/** SessionStore on Redis: one hash per session, every change one Lua script that also slides the TTL. */
export function createSessionStore(redis: ScriptedRedis, keys: Keys): SessionStore {
  const open = async (mode: 'create' | 'contact', s: NewSession, t: SessionTiming) =>
    fromReply(s.id, await redis.plSessionOpen(keys.session(s.id), ...timingArgs(t), mode, s.nonce, s.email ?? '', s.phone ?? '', s.locale), t.now, 'ok')

  return {
    isSessionId: keys.isSessionId,

    create: (s, t) => open('create', s, t),

    async openForContact(s, t) {
      const session = await open('contact', s, t)
      if (!session) throw new Error('session open script replied without a session')
      return session
    },

    async get(id, t) {
      return fromReply(id, await redis.plSessionGet(keys.session(id), ...timingArgs(t)), t.now, 'ok')
    },

    async bindChallenge(id, nonce, generation, challengeId, sentTo, t) {
      const r = await redis.plSessionBind(keys.session(id), ...timingArgs(t), nonce, generation, challengeId, sentTo)
      return fromReply(id, r, t.now, 'ok')
    },

    async authenticate(id, nonce, t) {
      return fromReply(id, await redis.plSessionAuthenticate(keys.session(id), ...timingArgs(t), nonce), t.now, 'ok')
    },

    async addItem(id, item, quantity, limits, t): Promise<AddItemOutcome> {
      const r = await redis.plSessionAddItem(keys.session(id), ...timingArgs(t), item, quantity, limits.maxQuantity, limits.maxLines)
      const session = fromReply(id, r, t.now, 'added')
      if (session) return { kind: 'added', session }
      if (r[0] === 'not_found' || r[0] === 'not_authenticated' || r[0] === 'limit') return { kind: r[0] }
      throw new Error(`unexpected reply from add-item script: ${String(r[0])}`)
    },

    async beginTurn(id, fingerprint, token, lockMs) {
      const { lock, last } = keys.forTurn(id)
      const r = await redis.plTurnBegin(lock, last, fingerprint, token, lockMs)
      if (r[0] === 'replay') return { kind: 'replay', answer: String(r[1]) }
      return { kind: r[0] === 'go' ? 'go' : 'busy' }
    },

    async endTurn(id, token, fingerprint, answer, keepMs) {
      const { lock, last } = keys.forTurn(id)
      await redis.plTurnEnd(lock, last, token, fingerprint, answer ?? '', keepMs)
    },
  }
}
