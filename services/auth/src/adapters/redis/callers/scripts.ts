import { defineScript, luaTable } from '../script.ts'
import { CALLER } from './fields.ts'

// The caller registry's scripts. The caller hash lives in its number's slot; the e-mail -> phone
// index lives in the e-mail's own slot, so no script touches both. An index entry's value is the
// phone, or '-' .. phone .. '|' .. nonce while a stale entry is being released (a mark: unique,
// so a compare-and-set on it can never act on a later release). See store.ts.

/** Creates or replaces a caller, keeping enrolledAt; answers whether it was created, and its e-mail before. */
export const putCaller = defineScript<{ created: boolean; previousEmail: string }>()({
  name: 'plPutCaller',
  keys: ['caller'],
  argv: {
    phone: 'string',
    firstName: 'string',
    lastName: 'string',
    custLevel: 'string',
    language: 'string',
    enrolledAt: 'string',
    /** '' = none */
    email: 'string',
    /** ms since epoch; '' = no expiry */
    trustedUntil: 'string',
  },
  prelude: luaTable('CALLER', CALLER),
  lua: `
local prev = redis.call('HMGET', caller, CALLER.enrolledAt, CALLER.email)
redis.call('DEL', caller)
redis.call('HSET', caller, CALLER.phone, phone, CALLER.firstName, firstName, CALLER.lastName, lastName,
  CALLER.custLevel, custLevel, CALLER.language, language, CALLER.enrolledAt, prev[1] or enrolledAt)
if email ~= '' then redis.call('HSET', caller, CALLER.email, email) end
if trustedUntil ~= '' then
  redis.call('HSET', caller, CALLER.trustedUntil, trustedUntil)
  redis.call('PEXPIREAT', caller, trustedUntil)
end
return cjson.encode({created = not prev[1], previousEmail = prev[2] or ''})
`,
})

/**
 * Points an e-mail at a phone if the entry is free, already the phone's, or one of the phone's
 * own release marks; else answers the entry that holds it.
 */
export const claimEmail = defineScript<{ claimed: true } | { claimed: false; entry: string }>()({
  name: 'plClaimEmail',
  keys: ['index'],
  argv: { phone: 'string' },
  lua: `
local entry = redis.call('GET', index)
local own_mark = '-' .. phone .. '|'
if entry and entry ~= phone and string.sub(entry, 1, #own_mark) ~= own_mark then
  return cjson.encode({claimed = false, entry = entry})
end
redis.call('SET', index, phone)
return cjson.encode({claimed = true})
`,
})

/** Compare-and-set: replaces the value (or deletes the key when `replacement` is '') if it is still `expected`. */
export const swapIfEquals = defineScript<{ swapped: boolean }>()({
  name: 'plSwapIfEquals',
  keys: ['key'],
  argv: { expected: 'string', replacement: 'string' },
  lua: `
if redis.call('GET', key) ~= expected then return cjson.encode({swapped = false}) end
if replacement == '' then redis.call('DEL', key) else redis.call('SET', key, replacement) end
return cjson.encode({swapped = true})
`,
})

/**
 * Takes an e-mail back from a caller whose put lost it to another number while writing; a
 * caller the put created is removed. Answers false if the caller had changed since.
 */
export const dropEmail = defineScript<{ dropped: boolean }>()({
  name: 'plDropEmail',
  keys: ['caller'],
  argv: { email: 'string', created: 'string' },
  prelude: luaTable('CALLER', CALLER),
  lua: `
if redis.call('HGET', caller, CALLER.email) ~= email then return cjson.encode({dropped = false}) end
if created == '1' then redis.call('DEL', caller) else redis.call('HDEL', caller, CALLER.email) end
return cjson.encode({dropped = true})
`,
})
