import { luaTable } from '../script.ts'

/**
 * The fields of a challenge hash, declared once (short: there is one hash per pending PIN).
 * `delivered` is '1' once the provider accepted the SMS of the digest held now, '0' while it is
 * being sent, and absent on challenges written before it was recorded: those count as delivered.
 * `delivery` is how the PIN goes (sms | voice; absent = sms): set at create, switched by a resend.
 * `context` is what the verification is about beyond its purpose (JSON: where it happens, the
 * transaction; absent = {}): fixed at create, like `purpose`.
 */
export const CHALLENGE = {
  phone: 'p',
  digest: 'h',
  attempts: 'a',
  sends: 's',
  lastSentAt: 't',
  expiresAt: 'e',
  locale: 'l',
  purpose: 'u',
  enrol: 'n',
  /** 'pending' | 'locked' */
  status: 'st',
  delivered: 'd',
  delivery: 'm',
  context: 'x',
} as const

/**
 * The digest of a challenge whose PIN was withdrawn (its send's outcome is unknown): never the
 * digest of any PIN (those are 22 characters), nor the core's NEVER_A_DIGEST ('!').
 */
export const WITHDRAWN_DIGEST = 'withdrawn'

/** `read(key, 'attempts', 'sends')` -> {attempts = ..., sends = ...} (false when absent). */
export const challengeLua = `${luaTable('C', CHALLENGE)}
local WITHDRAWN = '${WITHDRAWN_DIGEST}'
local function read(key, ...)
  local names, fields, out = {...}, {}, {}
  for i, n in ipairs(names) do fields[i] = C[n] end
  local values = redis.call('HMGET', key, unpack(fields))
  for i, n in ipairs(names) do out[n] = values[i] end
  return out
end
`
