import type { Redis } from 'ioredis'

// Every Lua script pinline runs. Each header names its KEYS and ARGV; all KEYS of a
// script share one hash tag. Registered once per connection with defineCommand.
// Times are passed in (ms since epoch) so a whole fleet agrees with its own clock.

// Challenge hash fields: p phone, h digest, a attempts, s sends, t last sent (ms),
// e expires (ms), l locale, u purpose, n enrol (1/0), st pending|locked, d delivered: 1 once
// the provider accepted the SMS of the digest held now, 0 while it is being sent (absent on
// challenges written before it was recorded: those count as delivered).

// A number is locked by failures while its window counter (KEYS[2], PHONE_MAX_FAILURES per
// PHONE_FAILURE_WINDOW_SECONDS) or its consecutive-failure streak (KEYS[4], NIST's at most 100
// in a row, reset only by an approval) is at its cap; for as long as the longer of the two lasts.
const phoneLock = `
local function phone_lock_ms(max_failures, max_streak)
  local ms = nil
  if tonumber(redis.call('GET', KEYS[2]) or '0') >= tonumber(max_failures) then ms = redis.call('PTTL', KEYS[2]) end
  if tonumber(redis.call('GET', KEYS[4]) or '0') >= tonumber(max_streak) then
    ms = math.max(ms or 0, redis.call('PTTL', KEYS[4]))
  end
  return ms
end
`

// Both sends (create and resend) pass the same per-phone gate: refused while the number is
// locked by failures or at its send cap, else the send is counted. KEYS[2] failures, KEYS[3]
// sends, KEYS[4] consecutive-failure streak.
const phoneSendGate = `${phoneLock}
local function take_phone_send(max_failures, max_sends, window, max_streak)
  local locked = phone_lock_ms(max_failures, max_streak)
  if locked then return {'phone_locked', locked} end
  if tonumber(redis.call('GET', KEYS[3]) or '0') >= tonumber(max_sends) then
    return {'phone_send_limit', redis.call('PTTL', KEYS[3])}
  end
  if redis.call('INCR', KEYS[3]) == 1 then redis.call('EXPIRE', KEYS[3], window) end
  return nil
end
`

const createChallenge = `${phoneSendGate}
-- KEYS[1] challenge, KEYS[2] phone failure counter, KEYS[3] phone send counter,
--     KEYS[4] phone consecutive-failure streak
-- ARGV[1] digest, [2] phone, [3] now ms, [4] ttl ms, [5] locale, [6] purpose, [7] enrol 1/0,
--     [8] phone max failures, [9] phone max sends, [10] send window s, [11] expires at ms,
--     [12] delivery grace ms, [13] max sends per challenge, [14] phone max consecutive failures
-- -> {'created'} | {'existing', attempts, sends, lastSent, expires, status} (delivered, or locked)
--    | {'in_progress', ms left of the grace} (its SMS may still be on its way)
--    | {'redeliver', prevDigest, prevLastSent, prevExpires, attempts, sends} (undelivered past
--      the grace: ARGV[1] replaces the digest, counted as a send) | {'max_sends', pttl}
--    | {'phone_locked', pttl} | {'phone_send_limit', pttl}
local c = redis.call('HMGET', KEYS[1], 'a', 's', 't', 'e', 'st', 'd', 'h')
if c[1] then
  if c[5] == 'locked' or c[6] ~= '0' then return {'existing', c[1], c[2], c[3], c[4], c[5]} end
  local wait = tonumber(c[3]) + tonumber(ARGV[12]) - tonumber(ARGV[3])
  if wait > 0 then return {'in_progress', wait} end
  -- Whoever was sending it has given up (or its reply was lost): a fresh PIN goes now.
  if tonumber(c[2]) >= tonumber(ARGV[13]) then return {'max_sends', redis.call('PTTL', KEYS[1])} end
  local refused = take_phone_send(ARGV[8], ARGV[9], ARGV[10], ARGV[14])
  if refused then return refused end
  local sends = tonumber(c[2]) + 1
  redis.call('HSET', KEYS[1], 'h', ARGV[1], 's', sends, 't', ARGV[3], 'e', ARGV[11])
  redis.call('PEXPIRE', KEYS[1], ARGV[4])
  return {'redeliver', c[7], c[3], c[4], c[1], tostring(sends)}
end
local refused = take_phone_send(ARGV[8], ARGV[9], ARGV[10], ARGV[14])
if refused then return refused end
redis.call('HSET', KEYS[1], 'p', ARGV[2], 'h', ARGV[1], 'a', '0', 's', '1', 't', ARGV[3],
  'e', ARGV[11], 'l', ARGV[5], 'u', ARGV[6], 'n', ARGV[7], 'st', 'pending', 'd', '0')
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return {'created'}
`

const resendChallenge = `${phoneSendGate}
-- KEYS[1] challenge, KEYS[2] phone failure counter, KEYS[3] phone send counter,
--     KEYS[4] phone consecutive-failure streak
-- ARGV[1] new digest, [2] now ms, [3] ttl ms, [4] cooldown ms, [5] max sends per challenge,
--     [6] phone max failures, [7] phone max sends, [8] send window s, [9] new expires at ms,
--     [10] phone max consecutive failures
-- -> {'resent', prevDigest, prevLastSent, prevExpires, attempts, sends, phone, locale, prevDelivered}
--    | {'not_found'} | {'locked'|'cooldown'|'max_sends'|'phone_locked'|'phone_send_limit', ms}
local c = redis.call('HMGET', KEYS[1], 'h', 's', 't', 'e', 'st', 'a', 'p', 'l', 'd')
if not c[1] then return {'not_found'} end
if c[5] == 'locked' then return {'locked', redis.call('PTTL', KEYS[1])} end
local wait = tonumber(c[3]) + tonumber(ARGV[4]) - tonumber(ARGV[2])
if wait > 0 then return {'cooldown', wait} end
if tonumber(c[2]) >= tonumber(ARGV[5]) then return {'max_sends', redis.call('PTTL', KEYS[1])} end
local refused = take_phone_send(ARGV[6], ARGV[7], ARGV[8], ARGV[10])
if refused then return refused end
local sends = tonumber(c[2]) + 1
redis.call('HSET', KEYS[1], 'h', ARGV[1], 's', sends, 't', ARGV[2], 'e', ARGV[9], 'd', '0')
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return {'resent', c[1], c[3], c[4], c[6], tostring(sends), c[7], c[8], c[9] or '1'}
`

const undoSend = `
-- Takes back a create or resend whose SMS the provider refused, if nothing has changed since.
-- KEYS[1] challenge, KEYS[2] phone send counter
-- ARGV[1] digest that was written, [2] 'create'|'resend', [3] previous digest,
--     [4] previous last sent ms, [5] previous expires at ms, [6] now ms, [7] previous delivered 1/0
if redis.call('HGET', KEYS[1], 'h') == ARGV[1] then
  if ARGV[2] == 'create' or tonumber(ARGV[5]) <= tonumber(ARGV[6]) then
    redis.call('DEL', KEYS[1])
  else
    redis.call('HSET', KEYS[1], 'h', ARGV[3], 't', ARGV[4], 'e', ARGV[5], 'd', ARGV[7])
    redis.call('HINCRBY', KEYS[1], 's', -1)
    redis.call('PEXPIREAT', KEYS[1], ARGV[5])
  end
end
if tonumber(redis.call('GET', KEYS[2]) or '0') > 0 then redis.call('DECR', KEYS[2]) end
return 1
`

const markDelivered = `
-- Records that the provider accepted the SMS, if the challenge still holds the digest it carried.
-- KEYS[1] challenge; ARGV[1] digest that was sent -> 1 recorded, 0 gone or holding another digest
if redis.call('HGET', KEYS[1], 'h') ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'd', '1')
return 1
`

const verifyChallenge = `${phoneLock}
-- Look up, count the attempt, compare, consume, enrol: one atomic step.
-- KEYS[1] challenge, KEYS[2] phone failure counter, KEYS[3] caller,
--     KEYS[4] phone consecutive-failure streak
-- ARGV[1] digest, [2] now ms, [3] max attempts, [4] phone max failures, [5] failure window s,
--     [6] trust ttl s (0 = no expiry), [7] firstName, [8] lastName, [9] custLevel,
--     [10] phone max consecutive failures, [11] streak window s (from the latest failure)
-- -> {'approved', attemptsLeft, caller field, value, ...} | {'rejected', attemptsLeft}
--    | {'locked', pttl} | {'phone_locked', pttl} | {'not_found'}
local c = redis.call('HMGET', KEYS[1], 'h', 'a', 'st', 'n', 'p', 'l')
if not c[1] then return {'not_found'} end
if c[3] == 'locked' then return {'locked', redis.call('PTTL', KEYS[1])} end
local phone_locked = phone_lock_ms(ARGV[4], ARGV[10])
if phone_locked then return {'phone_locked', phone_locked} end
local max = tonumber(ARGV[3])
local attempts = tonumber(c[2]) + 1
if c[1] == ARGV[1] then
  -- Approved once: the challenge is gone, and the run of failures (window and streak) ends.
  redis.call('DEL', KEYS[1], KEYS[2], KEYS[4])
  if c[4] ~= '1' then return {'approved', max - attempts} end
  local ttl = tonumber(ARGV[6])
  local existed = redis.call('EXISTS', KEYS[3]) == 1
  if not existed then
    redis.call('HSET', KEYS[3], 'phone', c[5], 'firstName', ARGV[7], 'lastName', ARGV[8],
      'custLevel', ARGV[9], 'language', c[6], 'enrolledAt', ARGV[2])
  end
  -- Trust only ever grows: a caller without expiry keeps none, and a later expiry (an admin's)
  -- is kept; otherwise the caller is trusted for ttl from now.
  if ttl > 0 then
    local trusted_until = tonumber(ARGV[2]) + ttl * 1000
    local pttl = redis.call('PTTL', KEYS[3])
    if not existed or (pttl >= 0 and tonumber(ARGV[2]) + pttl < trusted_until) then
      redis.call('HSET', KEYS[3], 'trustedUntil', tostring(trusted_until))
      redis.call('PEXPIREAT', KEYS[3], trusted_until)
    end
  end
  local r = {'approved', max - attempts}
  for _, v in ipairs(redis.call('HGETALL', KEYS[3])) do r[#r + 1] = v end
  return r
end
-- Wrong: count it here and per phone. Never delete: a wrong guess must not wipe a victim's PIN.
redis.call('HSET', KEYS[1], 'a', attempts)
local fails = redis.call('INCR', KEYS[2])
if fails == 1 then redis.call('EXPIRE', KEYS[2], ARGV[5]) end
-- The streak only ends with an approval, or after a whole window without a failure.
redis.call('INCR', KEYS[4])
redis.call('EXPIRE', KEYS[4], ARGV[11])
phone_locked = phone_lock_ms(ARGV[4], ARGV[10])
if attempts >= max then
  redis.call('HSET', KEYS[1], 'st', 'locked')
  -- Locked twice over: no new PIN helps until the number's lock ends too.
  local ms = redis.call('PTTL', KEYS[1])
  if phone_locked and phone_locked > ms then return {'phone_locked', phone_locked} end
  return {'locked', ms}
end
if phone_locked then return {'phone_locked', phone_locked} end
return {'rejected', max - attempts}
`

const putCaller = `
-- Creates or replaces a caller, keeping enrolledAt; returns the previous e-mail.
-- KEYS[1] caller
-- ARGV[1] trusted until ms ('' = no expiry), then field, value pairs
-- -> {created 1/0, previous email or ''}
local prev = redis.call('HMGET', KEYS[1], 'enrolledAt', 'email')
redis.call('DEL', KEYS[1])
local fields = {}
for i = 2, #ARGV do fields[#fields + 1] = ARGV[i] end
redis.call('HSET', KEYS[1], unpack(fields))
if prev[1] then redis.call('HSET', KEYS[1], 'enrolledAt', prev[1]) end
if ARGV[1] ~= '' then
  redis.call('HSET', KEYS[1], 'trustedUntil', ARGV[1])
  redis.call('PEXPIREAT', KEYS[1], ARGV[1])
end
return {prev[1] and 0 or 1, prev[2] or ''}
`

// The e-mail -> phone index lives in the e-mail's own slot, apart from the caller hash, so the
// two cannot change together. An entry is authoritative only while the caller it names holds
// that e-mail; it has no TTL (a caller's trust can be extended by a verify, in the caller's slot).
// Its value is the phone, or '-' .. phone .. '|' .. nonce while a stale entry is being released
// (a mark: unique, so a compare-and-set on it can never act on a later release). See caller-store.ts.
const claimEmail = `
-- Points an e-mail at a phone if the entry is free, already the phone's, or one of the phone's
-- own release marks.
-- KEYS[1] e-mail index; ARGV[1] phone -> {1} claimed | {0, current value} another phone's
local v = redis.call('GET', KEYS[1])
local own_mark = '-' .. ARGV[1] .. '|'
if v and v ~= ARGV[1] and string.sub(v, 1, #own_mark) ~= own_mark then return {0, v} end
redis.call('SET', KEYS[1], ARGV[1])
return {1}
`

const swapIfEquals = `
-- Compare-and-set: replaces the value, or deletes the key when ARGV[2] is '', if it is still ARGV[1].
-- KEYS[1] key; ARGV[1] expected value, [2] new value ('' = delete) -> 1 swapped, 0 it had changed
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
if ARGV[2] == '' then redis.call('DEL', KEYS[1]) else redis.call('SET', KEYS[1], ARGV[2]) end
return 1
`

const dropEmail = `
-- Takes an e-mail back from a caller whose put lost it to another number while writing.
-- KEYS[1] caller; ARGV[1] the e-mail written, [2] 1 if the put created the caller (it is removed)
-- -> 1 taken back, 0 the caller had changed since
if redis.call('HGET', KEYS[1], 'email') ~= ARGV[1] then return 0 end
if ARGV[2] == '1' then redis.call('DEL', KEYS[1]) else redis.call('HDEL', KEYS[1], 'email') end
return 1
`

// Order session hash fields: n nonce, em e-mail, ph phone given at creation, to where the
// current PIN went, lo locale, au authenticated 1/0, ch challenge id, g challenge generation,
// it order lines (JSON [{i, q}]), c created (ms). Every session script starts with this.
const sessionLib = `
-- The sliding idle TTL, capped by what is left of the maximum age (<= 0: expired).
local function live(key, now, idle, max_age)
  local created = redis.call('HGET', key, 'c')
  if not created then return nil end
  local ttl = math.min(idle, tonumber(created) + max_age - now)
  if ttl <= 0 then redis.call('DEL', key) return nil end
  return ttl
end
-- Refreshes the TTL and replies {status, ttl ms, field, value, ...}.
local function reply(status, key, ttl)
  redis.call('PEXPIRE', key, ttl)
  local r = {status, ttl}
  for _, v in ipairs(redis.call('HGETALL', key)) do r[#r + 1] = v end
  return r
end
local now, idle, max_age = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
`

const sessionOpen = `${sessionLib}
-- KEYS[1] session
-- ARGV[1] now ms, [2] idle ttl ms, [3] max age ms, [4] mode 'create'|'contact', [5] nonce,
--     [6] e-mail ('' none), [7] phone ('' none), [8] locale
-- create: a new session unless the id exists -> {'exists'}.
-- contact: the live session if it belongs to ARGV[6] and ARGV[7], else a new one in its place.
local ttl = live(KEYS[1], now, idle, max_age)
if ttl then
  if ARGV[4] == 'create' then return {'exists'} end
  local who = redis.call('HMGET', KEYS[1], 'em', 'ph')
  if who[1] == ARGV[6] and who[2] == ARGV[7] then return reply('ok', KEYS[1], ttl) end
  redis.call('DEL', KEYS[1])
end
redis.call('HSET', KEYS[1], 'n', ARGV[5], 'em', ARGV[6], 'ph', ARGV[7], 'to', '', 'lo', ARGV[8],
  'au', '0', 'ch', '', 'g', '0', 'it', '[]', 'c', ARGV[1])
return reply('ok', KEYS[1], math.min(idle, max_age))
`

const sessionGet = `${sessionLib}
-- KEYS[1] session; ARGV[1] now ms, [2] idle ttl ms, [3] max age ms
-- -> {'ok', ttl, fields...} | {'not_found'}
local ttl = live(KEYS[1], now, idle, max_age)
if not ttl then return {'not_found'} end
return reply('ok', KEYS[1], ttl)
`

const sessionBind = `${sessionLib}
-- Binds a newly issued challenge, unless another request already bound this generation's.
-- KEYS[1] session; ARGV[1..3] timing, [4] nonce, [5] generation, [6] challenge id, [7] sent to
-- -> {'ok', ttl, fields...} | {'not_found'}
local ttl = live(KEYS[1], now, idle, max_age)
if not ttl or redis.call('HGET', KEYS[1], 'n') ~= ARGV[4] then return {'not_found'} end
if redis.call('HGET', KEYS[1], 'g') == ARGV[5] then
  redis.call('HSET', KEYS[1], 'ch', ARGV[6], 'to', ARGV[7], 'g', tostring(tonumber(ARGV[5]) + 1))
end
return reply('ok', KEYS[1], ttl)
`

const sessionAuthenticate = `${sessionLib}
-- After an approved PIN: authenticated until the session expires; the spent challenge is forgotten.
-- KEYS[1] session; ARGV[1..3] timing, [4] nonce -> {'ok', ttl, fields...} | {'not_found'}
local ttl = live(KEYS[1], now, idle, max_age)
if not ttl or redis.call('HGET', KEYS[1], 'n') ~= ARGV[4] then return {'not_found'} end
redis.call('HSET', KEYS[1], 'au', '1', 'ch', '')
return reply('ok', KEYS[1], ttl)
`

const sessionAddItem = `${sessionLib}
-- KEYS[1] session; ARGV[1..3] timing, [4] item id, [5] quantity, [6] max quantity per item,
--     [7] max lines -> {'added', ttl, fields...} | {'not_found'} | {'not_authenticated'} | {'limit'}
local ttl = live(KEYS[1], now, idle, max_age)
if not ttl then return {'not_found'} end
if redis.call('HGET', KEYS[1], 'au') ~= '1' then return {'not_authenticated'} end
local lines = cjson.decode(redis.call('HGET', KEYS[1], 'it'))
local qty, max_qty = tonumber(ARGV[5]), tonumber(ARGV[6])
local line = nil
for _, l in ipairs(lines) do if l.i == ARGV[4] then line = l end end
if line then
  if line.q + qty > max_qty then return {'limit'} end
  line.q = line.q + qty
else
  if qty > max_qty or #lines >= tonumber(ARGV[7]) then return {'limit'} end
  lines[#lines + 1] = {i = ARGV[4], q = qty}
end
redis.call('HSET', KEYS[1], 'it', cjson.encode(lines))
return reply('added', KEYS[1], ttl)
`

// One turn of a conversation at a time, and an identical turn (a retry, a double tap) answered
// with the first one's answer instead of being run again.
const turnBegin = `
-- KEYS[1] turn lock, KEYS[2] last turn (hash: h fingerprint, a answer)
-- ARGV[1] fingerprint, [2] token, [3] lock ms -> {'replay', answer} | {'go'} | {'busy'}
local last = redis.call('HMGET', KEYS[2], 'h', 'a')
if last[1] == ARGV[1] and last[2] then return {'replay', last[2]} end
if redis.call('SET', KEYS[1], ARGV[2], 'NX', 'PX', ARGV[3]) then return {'go'} end
return {'busy'}
`

const turnEnd = `
-- KEYS[1] turn lock, KEYS[2] last turn; ARGV[1] token, [2] fingerprint, [3] answer ('' none),
--     [4] keep ms -> 1 released | 0 the lock was no longer ours (nothing written)
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
if ARGV[3] == '' then
  redis.call('DEL', KEYS[2])
else
  redis.call('HSET', KEYS[2], 'h', ARGV[2], 'a', ARGV[3])
  redis.call('PEXPIRE', KEYS[2], ARGV[4])
end
redis.call('DEL', KEYS[1])
return 1
`

const takeCapped = `
-- Counts one more on a capped counter (SMS per number prefix, SMS per day), unless it is full.
-- KEYS[1] counter; ARGV[1] max, [2] window ms, applied when the counter is created
-- -> {1, count} taken | {0, pttl} full
local n = tonumber(redis.call('GET', KEYS[1]) or '0')
if n >= tonumber(ARGV[1]) then return {0, redis.call('PTTL', KEYS[1])} end
n = redis.call('INCR', KEYS[1])
-- A counter without a TTL would never reset: set it on creation, and repair it if lost.
if n == 1 or redis.call('PTTL', KEYS[1]) < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return {1, n}
`

const giveBack = `
-- Takes back one count from a capped counter (the SMS was refused or not sent). Never below 0.
-- KEYS[1] counter -> the count after
if tonumber(redis.call('GET', KEYS[1]) or '0') > 0 then return redis.call('DECR', KEYS[1]) end
return 0
`

export type ScriptReply = Array<string | number>

export interface PinlineScripts {
  plCreateChallenge(k1: string, k2: string, k3: string, k4: string, ...argv: Array<string | number>): Promise<ScriptReply>
  plResendChallenge(k1: string, k2: string, k3: string, k4: string, ...argv: Array<string | number>): Promise<ScriptReply>
  plUndoSend(k1: string, k2: string, ...argv: Array<string | number>): Promise<number>
  plMarkDelivered(k1: string, digest: string): Promise<number>
  plVerifyChallenge(k1: string, k2: string, k3: string, k4: string, ...argv: Array<string | number>): Promise<ScriptReply>
  plPutCaller(k1: string, ...argv: Array<string | number>): Promise<[number, string]>
  plClaimEmail(k1: string, phone: string): Promise<[1] | [0, string]>
  plSwapIfEquals(k1: string, expected: string, next: string): Promise<number>
  plDropEmail(k1: string, email: string, created: number): Promise<number>
  plSessionOpen(k1: string, ...argv: Array<string | number>): Promise<ScriptReply>
  plSessionGet(k1: string, ...argv: Array<string | number>): Promise<ScriptReply>
  plSessionBind(k1: string, ...argv: Array<string | number>): Promise<ScriptReply>
  plSessionAuthenticate(k1: string, ...argv: Array<string | number>): Promise<ScriptReply>
  plSessionAddItem(k1: string, ...argv: Array<string | number>): Promise<ScriptReply>
  plTurnBegin(lock: string, last: string, fingerprint: string, token: string, lockMs: number): Promise<ScriptReply>
  plTurnEnd(lock: string, last: string, token: string, fingerprint: string, answer: string, keepMs: number): Promise<number>
  plTakeCapped(k1: string, max: number, windowMs: number): Promise<[number, number]>
  plGiveBack(k1: string): Promise<number>
}

export type ScriptedRedis = Redis & PinlineScripts

const scripts = {
  plCreateChallenge: { numberOfKeys: 4, lua: createChallenge },
  plResendChallenge: { numberOfKeys: 4, lua: resendChallenge },
  plUndoSend: { numberOfKeys: 2, lua: undoSend },
  plMarkDelivered: { numberOfKeys: 1, lua: markDelivered },
  plVerifyChallenge: { numberOfKeys: 4, lua: verifyChallenge },
  plPutCaller: { numberOfKeys: 1, lua: putCaller },
  plClaimEmail: { numberOfKeys: 1, lua: claimEmail },
  plSwapIfEquals: { numberOfKeys: 1, lua: swapIfEquals },
  plDropEmail: { numberOfKeys: 1, lua: dropEmail },
  plSessionOpen: { numberOfKeys: 1, lua: sessionOpen },
  plSessionGet: { numberOfKeys: 1, lua: sessionGet },
  plSessionBind: { numberOfKeys: 1, lua: sessionBind },
  plSessionAuthenticate: { numberOfKeys: 1, lua: sessionAuthenticate },
  plSessionAddItem: { numberOfKeys: 1, lua: sessionAddItem },
  plTurnBegin: { numberOfKeys: 2, lua: turnBegin },
  plTurnEnd: { numberOfKeys: 2, lua: turnEnd },
  plTakeCapped: { numberOfKeys: 1, lua: takeCapped },
  plGiveBack: { numberOfKeys: 1, lua: giveBack },
}

/** Registers every script once on the connection (EVALSHA, falling back to EVAL on NOSCRIPT). */
export function defineScripts(redis: Redis): ScriptedRedis {
  for (const [name, def] of Object.entries(scripts)) {
    if (!(name in redis)) redis.defineCommand(name, def)
  }
  return redis as ScriptedRedis
}
