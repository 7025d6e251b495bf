import { defineScript, luaTable } from '../script.ts'
import { LAST_TURN, SESSION, type StoredSession } from './fields.ts'

// The order session scripts: one hash per session in a slot of its own. Every script slides
// the idle TTL, capped by what is left of the maximum age, and answers the session by name.

const timing = { now: 'number', idleTtlMs: 'number', maxAgeMs: 'number' } as const

const sessionLua = `${luaTable('S', SESSION)}
-- The sliding idle TTL, capped by what is left of the maximum age (<= 0: expired).
local function live(key)
  local created = redis.call('HGET', key, S.createdAt)
  if not created then return nil end
  local ttl = math.min(idleTtlMs, tonumber(created) + maxAgeMs - now)
  if ttl <= 0 then redis.call('DEL', key) return nil end
  return ttl
end
-- Refreshes the TTL and answers {status, ttlMs, session = {nonce = ..., ...}}.
local function reply(status, key, ttl)
  redis.call('PEXPIRE', key, ttl)
  local flat, stored, named = redis.call('HGETALL', key), {}, {}
  for i = 1, #flat, 2 do stored[flat[i]] = flat[i + 1] end
  for name, field in pairs(S) do named[name] = stored[field] end
  return cjson.encode({status = status, ttlMs = ttl, session = named})
end
local function refuse(status) return cjson.encode({status = status}) end
-- The TTL of a live session that still carries the nonce its caller was handed, else nil.
local function live_with(key, expected_nonce)
  local ttl = live(key)
  if ttl and redis.call('HGET', key, S.nonce) == expected_nonce then return ttl end
  return nil
end
`

export type SessionReply<S extends string, R extends string = never> =
  | { status: S; ttlMs: number; session: StoredSession }
  | { status: R }

/**
 * create: a new session unless the id exists. contact: the live session if it belongs to
 * `email` and `phone`, else a new one in its place.
 */
export const openSession = defineScript<SessionReply<'ok', 'exists'>>()({
  name: 'plSessionOpen',
  keys: ['session'],
  argv: {
    ...timing,
    mode: 'string',
    nonce: 'string',
    /** '' = none */
    email: 'string',
    /** '' = none */
    phone: 'string',
    locale: 'string',
  },
  prelude: sessionLua,
  lua: `
local ttl = live(session)
if ttl then
  if mode == 'create' then return refuse('exists') end
  local who = redis.call('HMGET', session, S.email, S.phone)
  if who[1] == email and who[2] == phone then return reply('ok', session, ttl) end
  redis.call('DEL', session)
end
redis.call('HSET', session, S.nonce, nonce, S.email, email, S.phone, phone, S.sentTo, '', S.locale, locale,
  S.authenticated, '0', S.challengeId, '', S.generation, '0', S.items, '[]', S.createdAt, now)
return reply('ok', session, math.min(idleTtlMs, maxAgeMs))
`,
})

export const getSession = defineScript<SessionReply<'ok', 'not_found'>>()({
  name: 'plSessionGet',
  keys: ['session'],
  argv: timing,
  prelude: sessionLua,
  lua: `
local ttl = live(session)
if not ttl then return refuse('not_found') end
return reply('ok', session, ttl)
`,
})

/** Binds a newly issued challenge, unless another request already bound this generation's. */
export const bindChallenge = defineScript<SessionReply<'ok', 'not_found'>>()({
  name: 'plSessionBind',
  keys: ['session'],
  argv: { ...timing, nonce: 'string', generation: 'number', challengeId: 'string', sentTo: 'string' },
  prelude: sessionLua,
  lua: `
local ttl = live_with(session, nonce)
if not ttl then return refuse('not_found') end
if tonumber(redis.call('HGET', session, S.generation)) == generation then
  redis.call('HSET', session, S.challengeId, challengeId, S.sentTo, sentTo, S.generation, tostring(generation + 1))
end
return reply('ok', session, ttl)
`,
})

/** After an approved PIN: authenticated until the session expires; the spent challenge is forgotten. */
export const authenticateSession = defineScript<SessionReply<'ok', 'not_found'>>()({
  name: 'plSessionAuthenticate',
  keys: ['session'],
  argv: { ...timing, nonce: 'string' },
  prelude: sessionLua,
  lua: `
local ttl = live_with(session, nonce)
if not ttl then return refuse('not_found') end
redis.call('HSET', session, S.authenticated, '1', S.challengeId, '')
return reply('ok', session, ttl)
`,
})

export const addItem = defineScript<SessionReply<'added', 'not_found' | 'not_authenticated' | 'limit'>>()({
  name: 'plSessionAddItem',
  keys: ['session'],
  argv: { ...timing, item: 'string', quantity: 'number', maxQuantity: 'number', maxLines: 'number' },
  prelude: sessionLua,
  lua: `
local ttl = live(session)
if not ttl then return refuse('not_found') end
if redis.call('HGET', session, S.authenticated) ~= '1' then return refuse('not_authenticated') end
local lines = cjson.decode(redis.call('HGET', session, S.items))
local line = nil
for _, l in ipairs(lines) do if l.i == item then line = l end end
if line then
  if line.q + quantity > maxQuantity then return refuse('limit') end
  line.q = line.q + quantity
else
  if quantity > maxQuantity or #lines >= maxLines then return refuse('limit') end
  lines[#lines + 1] = {i = item, q = quantity}
end
redis.call('HSET', session, S.items, cjson.encode(lines))
return reply('added', session, ttl)
`,
})

// One turn of a conversation at a time, and an identical turn (a retry, a double tap) answered
// with the first one's answer instead of being run again.

export type TurnBeginReply = { kind: 'replay'; answer: string } | { kind: 'go' } | { kind: 'busy' }

/** The kept answer if the last turn had this fingerprint, else the lock under `token`, else busy. */
export const beginTurn = defineScript<TurnBeginReply>()({
  name: 'plTurnBegin',
  keys: ['lock', 'last'],
  argv: { fingerprint: 'string', token: 'string', lockMs: 'number' },
  prelude: luaTable('T', LAST_TURN),
  lua: `
local kept = redis.call('HMGET', last, T.fingerprint, T.answer)
if kept[1] == fingerprint and kept[2] then return cjson.encode({kind = 'replay', answer = kept[2]}) end
if redis.call('SET', lock, token, 'NX', 'PX', lockMs) then return cjson.encode({kind = 'go'}) end
return cjson.encode({kind = 'busy'})
`,
})

/** Releases the lock if it is still `token`'s, keeping `answer` ('' = nothing) for `keepMs`. */
export const endTurn = defineScript<{ released: boolean }>()({
  name: 'plTurnEnd',
  keys: ['lock', 'last'],
  argv: { token: 'string', fingerprint: 'string', answer: 'string', keepMs: 'number' },
  prelude: luaTable('T', LAST_TURN),
  lua: `
if redis.call('GET', lock) ~= token then return cjson.encode({released = false}) end
if answer == '' then
  redis.call('DEL', last)
else
  redis.call('HSET', last, T.fingerprint, fingerprint, T.answer, answer)
  redis.call('PEXPIRE', last, keepMs)
end
redis.call('DEL', lock)
return cjson.encode({released = true})
`,
})
