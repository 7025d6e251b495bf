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
