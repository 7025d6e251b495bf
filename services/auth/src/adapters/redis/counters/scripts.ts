import { defineScript } from '../script.ts'

// Spend counters shared by many numbers (SMS per number prefix, SMS per day): each is one key
// in a slot of its own, changed by single-key scripts.

/** Counts one more on a capped counter, unless it is full. */
export const takeCapped = defineScript<{ taken: true; count: number } | { taken: false; retryAfterMs: number }>()({
  name: 'plTakeCapped',
  keys: ['counter'],
  argv: { max: 'number', windowMs: 'number' },
  lua: `
local n = tonumber(redis.call('GET', counter) or '0')
if n >= max then return cjson.encode({taken = false, retryAfterMs = redis.call('PTTL', counter)}) end
n = redis.call('INCR', counter)
-- A counter without a TTL would never reset: set it on creation, and repair it if lost.
if n == 1 or redis.call('PTTL', counter) < 0 then redis.call('PEXPIRE', counter, windowMs) end
return cjson.encode({taken = true, count = n})
`,
})

/** Takes back one count (the SMS was refused or not sent). Never below 0. */
export const giveBack = defineScript<{ count: number }>()({
  name: 'plGiveBack',
  keys: ['counter'],
  argv: {},
  lua: `
if tonumber(redis.call('GET', counter) or '0') > 0 then return cjson.encode({count = redis.call('DECR', counter)}) end
return cjson.encode({count = 0})
`,
})

/**
 * The HTTP rate limits of one request, in one call: counts one more on the API key's counter and
 * on its client address's (fixed windows, both in the key's slot), refused or not, as
 * @fastify/rate-limit did. The reply says whether both are within their caps, and if not, when
 * the fuller one resets.
 */
export const takeHttpLimits = defineScript<{ ok: true } | { ok: false; retryAfterMs: number }>()({
  name: 'plTakeHttpLimits',
  keys: ['perKey', 'perIp'],
  argv: { keyMax: 'number', ipMax: 'number', windowMs: 'number' },
  lua: `
local function take(counter)
  local n = redis.call('INCR', counter)
  -- A counter without a TTL would never reset: set it on creation, and repair it if lost.
  if n == 1 or redis.call('PTTL', counter) < 0 then redis.call('PEXPIRE', counter, windowMs) end
  return n
end
local k, i = take(perKey), take(perIp)
if k <= keyMax and i <= ipMax then return '{"ok":true}' end
local wait = 0
if k > keyMax then wait = redis.call('PTTL', perKey) end
if i > ipMax then wait = math.max(wait, redis.call('PTTL', perIp)) end
return cjson.encode({ok = false, retryAfterMs = wait})
`,
})

/**
 * A channel request's limits in one call: the API key's counter and, when given (max > 0), its
 * conversation's and caller number's under that key (one slot). Each is taken unless full, as
 * takeCapped does, whether or not another refuses. The reply says how long the fullest one has left.
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
