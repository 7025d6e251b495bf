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
