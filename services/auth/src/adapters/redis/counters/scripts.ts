import { defineScript } from '../script.ts'

// Spend counters shared by many numbers (SMS per client, per number prefix, per day): they share
// one hash tag of their own, so one script takes the ones an SMS counts against (one slot).

const spendKeys = ['first', 'second', 'third'] as const
const spendLua = `
local counters, maxes, windows = {first, second, third}, {firstMax, secondMax, thirdMax}, {firstWindowMs,
  secondWindowMs, thirdWindowMs}
`

/**
 * Counts one more on each of the first `count` counters (1 to 3), unless one of them is at its
 * cap: then none is counted, and the reply names the first full one (1-based) and its time left.
 */
export const takeSpend = defineScript<{ taken: true } | { taken: false; full: number; retryAfterMs: number }>()({
  name: 'plTakeSpend',
  keys: spendKeys,
  argv: {
    count: 'number',
    firstMax: 'number',
    firstWindowMs: 'number',
    secondMax: 'number',
    secondWindowMs: 'number',
    thirdMax: 'number',
    thirdWindowMs: 'number',
  },
  prelude: spendLua,
  lua: `
for i = 1, count do
  if tonumber(redis.call('GET', counters[i]) or '0') >= maxes[i] then
    return cjson.encode({taken = false, full = i, retryAfterMs = redis.call('PTTL', counters[i])})
  end
end
for i = 1, count do
  -- A counter without a TTL would never reset: set it on creation, and repair it if lost.
  if redis.call('INCR', counters[i]) == 1 or redis.call('PTTL', counters[i]) < 0 then
    redis.call('PEXPIRE', counters[i], windows[i])
  end
end
return '{"taken":true}'
`,
})

/** Takes back one count from each of the first `count` counters (the SMS was refused or not sent). Never below 0. */
export const giveBackSpend = defineScript<{ ok: true }>()({
  name: 'plGiveBackSpend',
  keys: spendKeys,
  argv: { count: 'number' },
  lua: `
for i, counter in ipairs({first, second, third}) do
  if i <= count and tonumber(redis.call('GET', counter) or '0') > 0 then redis.call('DECR', counter) end
end
return '{"ok":true}'
`,
})

/**
 * Carries a day's count over from the key an earlier version kept it under, once per day and
 * counter (the mark and the counter share the {spend} slot): adds `count` to the counter, which
 * keeps `ttlMs` if it has no expiry of its own. Answers whether this call carried it.
 */
export const adoptLegacyCount = defineScript<{ adopted: boolean }>()({
  name: 'plAdoptLegacyCount',
  keys: ['counter', 'mark'],
  argv: { count: 'number', ttlMs: 'number' },
  lua: `
if not redis.call('SET', mark, '1', 'NX', 'PX', ttlMs) then return '{"adopted":false}' end
redis.call('INCRBY', counter, count)
if redis.call('PTTL', counter) < 0 then redis.call('PEXPIRE', counter, ttlMs) end
return '{"adopted":true}'
`,
})

/**
 * Leases HTTP rate-limit budget for one (API key, client address) pair, in one call: up to `want`
 * requests on both the key's counter and the address's under it (fixed windows, both in the key's
 * slot), never more than an eighth of what is left of the fuller one (at least one), so that a
 * nearly spent window is handed out one request at a time. The grant is counted at once, used or
 * not: the caps are never exceeded, only reached early by what a lease leaves unused. With nothing
 * left, one request is counted on both, refused or not (as @fastify/rate-limit did), and the reply
 * says when the fuller window resets. `ttlMs` is how long the grant's windows have left.
 */
export const leaseHttpLimits = defineScript<
  { ok: true; granted: number; ttlMs: number } | { ok: false; retryAfterMs: number }
>()({
  name: 'plLeaseHttpLimits',
  keys: ['perKey', 'perIp'],
  argv: { keyMax: 'number', ipMax: 'number', windowMs: 'number', want: 'number' },
  lua: `
local k = tonumber(redis.call('GET', perKey) or '0')
local i = tonumber(redis.call('GET', perIp) or '0')
local free = math.min(keyMax - k, ipMax - i)
local grant = 0
if free > 0 then grant = math.max(1, math.min(want, math.floor(free / 8))) end
local function take(counter, by)
  local n = redis.call('INCRBY', counter, by)
  local ttl = redis.call('PTTL', counter)
  -- A counter without a TTL would never reset: set it on creation, and repair it if lost.
  if n == by or ttl < 0 then
    redis.call('PEXPIRE', counter, windowMs)
    return windowMs
  end
  return ttl
end
local by = math.max(grant, 1)
local kt, it = take(perKey, by), take(perIp, by)
if grant > 0 then return '{"ok":true,"granted":' .. grant .. ',"ttlMs":' .. math.min(kt, it) .. '}' end
local wait = 0
if k >= keyMax then wait = kt end
if i >= ipMax then wait = math.max(wait, it) end
return '{"ok":false,"retryAfterMs":' .. wait .. '}'
`,
})

/**
 * A channel request's limits in one call: the API key's counter and, when given (max > 0), its
 * conversation's and caller number's under that key (one slot). Each is taken unless full, as
 * takeSpend does for its counters, whether or not another refuses. The reply says how long the fullest one has left.
 */
export const takeChannelLimits = defineScript<{ ok: true } | { ok: false; retryAfterMs: number }>()({
  name: 'plTakeChannelLimits',
  keys: ['perKey', 'perConversation', 'perNumber'],
  argv: { keyMax: 'number', conversationMax: 'number', numberMax: 'number', windowMs: 'number' },
  lua: `
local wait = -1
local function take(counter, max)
  if max <= 0 then return end
  local n = tonumber(redis.call('GET', counter) or '0')
  if n >= max then
    wait = math.max(wait, redis.call('PTTL', counter))
    return
  end
  n = redis.call('INCR', counter)
  -- A counter without a TTL would never reset: set it on creation, and repair it if lost.
  if n == 1 or redis.call('PTTL', counter) < 0 then redis.call('PEXPIRE', counter, windowMs) end
end
take(perKey, keyMax)
take(perConversation, conversationMax)
take(perNumber, numberMax)
if wait < 0 then return '{"ok":true}' end
return cjson.encode({ok = false, retryAfterMs = wait})
`,
})
