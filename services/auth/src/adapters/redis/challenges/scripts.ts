import type { ChallengeStatus } from '../../../core/ports.ts'
import { CALLER } from '../callers/fields.ts'
import { defineScript, luaHash, luaTable } from '../script.ts'
import { challengeLua } from './fields.ts'

// The challenge scripts. A challenge's keys (the challenge, and its number's counters and
// caller) share the number's hash tag, so each script runs in one Cluster slot. Times are
// passed in (ms since epoch) so a whole fleet agrees with its own clock.

// A number is locked by failures while its window counter (`maxFailures` per failure window) or
// its streak of consecutive failures (NIST's at most 100 in a row, reset only by an approval)
// is at its cap, for as long as the longer of the two lasts.
const phoneLock = `
local function phone_lock_ms(failures, streak, max_failures, max_streak)
  local ms = nil
  if tonumber(redis.call('GET', failures) or '0') >= max_failures then ms = redis.call('PTTL', failures) end
  if tonumber(redis.call('GET', streak) or '0') >= max_streak then
    ms = math.max(ms or 0, redis.call('PTTL', streak))
  end
  return ms
end
`

// Both sends (create and resend) pass the same per-number gate: refused while the number is
// locked by failures or at its send cap, else the send is counted. The scripts that include it
// take the send keys and phoneSendArgs, and maxSendsPerChallenge.
const phoneSendGate = `${phoneLock}
local function take_phone_send(failures, sends, streak, max_failures, max_sends, window, max_streak)
  local locked = phone_lock_ms(failures, streak, max_failures, max_streak)
  if locked then return {kind = 'phone_locked', retryAfterMs = locked} end
  if tonumber(redis.call('GET', sends) or '0') >= max_sends then
    return {kind = 'phone_send_limit', retryAfterMs = redis.call('PTTL', sends)}
  end
  if redis.call('INCR', sends) == 1 then redis.call('EXPIRE', sends, window) end
  return nil
end

-- Another PIN for an existing challenge: refused at the challenge's own send cap or by the
-- number's gate; else counted, and its new send count returned.
local function take_another_send(c)
  if tonumber(c.sends) >= maxSendsPerChallenge then
    return nil, {kind = 'max_sends', retryAfterMs = redis.call('PTTL', challenge)}
  end
  local refused = take_phone_send(failures, sends, streak, phoneMaxFailures, phoneMaxSends,
    phoneSendWindowSeconds, phoneMaxConsecutiveFailures)
  if refused then return nil, refused end
  return tonumber(c.sends) + 1, nil
end
`

const sendKeys = ['challenge', 'failures', 'sends', 'streak'] as const
const phoneSendArgs = {
  phoneMaxFailures: 'number',
  phoneMaxSends: 'number',
  phoneSendWindowSeconds: 'number',
  phoneMaxConsecutiveFailures: 'number',
} as const

type Wait<K extends string> = { kind: K; retryAfterMs: number }
type PhoneRefusal = Wait<'phone_locked'> | Wait<'phone_send_limit'>

export type CreateReply =
  | { kind: 'created' }
  | {
      kind: 'existing'
      attempts: number
      sends: number
      lastSentAt: number
      expiresAt: number
      status: ChallengeStatus
    }
  /** Undelivered past the grace: the new digest replaced the previous one, counted as a send. */
  | {
      kind: 'redeliver'
      prevDigest: string
      prevLastSentAt: string
      prevExpiresAt: string
      prevDelivery: string
      attempts: number
      sends: number
    }
  | Wait<'in_progress'>
  | Wait<'max_sends'>
  | PhoneRefusal

/** Creates a challenge, or reports the one with this id and whether its SMS was delivered. */
export const createChallenge = defineScript<CreateReply>()({
  name: 'plCreateChallenge',
  keys: sendKeys,
  argv: {
    digest: 'string',
    phone: 'string',
    now: 'number',
    ttlMs: 'number',
    locale: 'string',
    purpose: 'string',
    enrol: 'string',
    expiresAt: 'number',
    deliveryGraceMs: 'number',
    maxSendsPerChallenge: 'number',
    /** sms | voice */
    delivery: 'string',
    /** JSON: where the verification happens, the transaction */
    context: 'string',
    ...phoneSendArgs,
  },
  prelude: challengeLua + phoneSendGate,
  lua: `
local c = read(challenge, 'attempts', 'sends', 'lastSentAt', 'expiresAt', 'status', 'delivered', 'digest', 'delivery')
if c.attempts then
  if c.status == 'locked' or c.delivered ~= '0' then
    return cjson.encode({kind = 'existing', attempts = tonumber(c.attempts), sends = tonumber(c.sends),
      lastSentAt = tonumber(c.lastSentAt), expiresAt = tonumber(c.expiresAt), status = c.status})
  end
  -- Its SMS may still be on its way.
  local wait = tonumber(c.lastSentAt) + deliveryGraceMs - now
  if wait > 0 then return cjson.encode({kind = 'in_progress', retryAfterMs = wait}) end
  -- Whoever was sending it has given up (or its reply was lost): a fresh PIN goes now.
  local count, refused = take_another_send(c)
  if refused then return cjson.encode(refused) end
  redis.call('HSET', challenge, C.digest, digest, C.sends, count, C.lastSentAt, now, C.expiresAt, expiresAt,
    C.delivery, delivery)
  redis.call('PEXPIRE', challenge, ttlMs)
  return cjson.encode({kind = 'redeliver', prevDigest = c.digest, prevLastSentAt = c.lastSentAt,
    prevExpiresAt = c.expiresAt, prevDelivery = c.delivery or 'sms', attempts = tonumber(c.attempts), sends = count})
end
local refused = take_phone_send(failures, sends, streak, phoneMaxFailures, phoneMaxSends,
  phoneSendWindowSeconds, phoneMaxConsecutiveFailures)
if refused then return cjson.encode(refused) end
redis.call('HSET', challenge, C.phone, phone, C.digest, digest, C.attempts, '0', C.sends, '1', C.lastSentAt, now,
  C.expiresAt, expiresAt, C.locale, locale, C.purpose, purpose, C.enrol, enrol, C.status, 'pending', C.delivered, '0',
  C.delivery, delivery, C.context, context)
redis.call('PEXPIRE', challenge, ttlMs)
return cjson.encode({kind = 'created'})
`,
})

export type ResendReply =
  | {
      kind: 'resent'
      prevDigest: string
      prevLastSentAt: string
      prevExpiresAt: string
      /** '1' or '0': put back if the resend is taken back */
      prevDelivered: string
      attempts: number
      sends: number
      phone: string
      locale: string
      purpose: string
      /** how this PIN goes (switched when asked) */
      delivery: string
      prevDelivery: string
      context: string
    }
  | { kind: 'not_found' }
  | Wait<'locked'>
  | Wait<'cooldown'>
  | Wait<'max_sends'>
  | PhoneRefusal

/** Checks cooldown and caps, swaps in the new digest, and says where to send it. */
export const resendChallenge = defineScript<ResendReply>()({
  name: 'plResendChallenge',
  keys: sendKeys,
  argv: {
    digest: 'string',
    now: 'number',
    ttlMs: 'number',
    resendCooldownMs: 'number',
    maxSendsPerChallenge: 'number',
    expiresAt: 'number',
    /** sms | voice to switch to; '' keeps the challenge's */
    delivery: 'string',
    ...phoneSendArgs,
  },
  prelude: challengeLua + phoneSendGate,
  lua: `
local c = read(challenge, 'digest', 'sends', 'lastSentAt', 'expiresAt', 'status', 'attempts', 'phone', 'locale',
  'delivered', 'purpose', 'delivery', 'context')
if not c.digest then return cjson.encode({kind = 'not_found'}) end
if c.status == 'locked' then return cjson.encode({kind = 'locked', retryAfterMs = redis.call('PTTL', challenge)}) end
local wait = tonumber(c.lastSentAt) + resendCooldownMs - now
if wait > 0 then return cjson.encode({kind = 'cooldown', retryAfterMs = wait}) end
local count, refused = take_another_send(c)
if refused then return cjson.encode(refused) end
local now_delivery = delivery ~= '' and delivery or (c.delivery or 'sms')
redis.call('HSET', challenge, C.digest, digest, C.sends, count, C.lastSentAt, now, C.expiresAt, expiresAt,
  C.delivered, '0', C.delivery, now_delivery)
redis.call('PEXPIRE', challenge, ttlMs)
return cjson.encode({kind = 'resent', prevDigest = c.digest, prevLastSentAt = c.lastSentAt,
  prevExpiresAt = c.expiresAt, prevDelivered = c.delivered or '1', attempts = tonumber(c.attempts), sends = count,
  phone = c.phone, locale = c.locale, purpose = c.purpose or '', delivery = now_delivery,
  prevDelivery = c.delivery or 'sms', context = c.context or '{}'})
`,
})

/**
 * Takes back a create or resend whose SMS was refused, if nothing has changed since. With
 * keepCount (the SMS may have been sent: its outcome is unknown) the send stays counted: the
 * number's count and, on a resend, the challenge's own (its send count, send time and so its
 * cooldown); the challenge is withdrawn all the same (a create deleted, a resend's PIN replaced by
 * one nothing matches), so a code that does arrive grants nothing.
 */
export const undoSend = defineScript<{ undone: boolean }>()({
  name: 'plUndoSend',
  keys: ['challenge', 'sends'],
  argv: {
    /** the digest that was written */
    digest: 'string',
    mode: 'string',
    prevDigest: 'string',
    prevLastSentAt: 'string',
    prevExpiresAt: 'string',
    now: 'number',
    prevDelivered: 'string',
    /** the delivery to put back ('' = leave it) */
    prevDelivery: 'string',
    /** 1: keep the number's send count */
    keepCount: 'number',
  },
  prelude: challengeLua,
  lua: `
local undone = false
if redis.call('HGET', challenge, C.digest) == digest then
  undone = true
  if mode == 'create' then
    redis.call('DEL', challenge)
  elseif keepCount == 1 then
    -- The resend may have been delivered: it stays a send of the challenge, with no PIN that verifies.
    redis.call('HSET', challenge, C.digest, WITHDRAWN)
  elseif tonumber(prevExpiresAt) <= now then
    redis.call('DEL', challenge)
  else
    redis.call('HSET', challenge, C.digest, prevDigest, C.lastSentAt, prevLastSentAt, C.expiresAt, prevExpiresAt,
      C.delivered, prevDelivered)
    if prevDelivery ~= '' then redis.call('HSET', challenge, C.delivery, prevDelivery) end
    redis.call('HINCRBY', challenge, C.sends, -1)
    redis.call('PEXPIREAT', challenge, prevExpiresAt)
  end
end
if keepCount ~= 1 and tonumber(redis.call('GET', sends) or '0') > 0 then redis.call('DECR', sends) end
return cjson.encode({undone = undone})
`,
})

/** Records that the provider accepted the SMS, if the challenge still holds the digest it carried. */
export const markDelivered = defineScript<{ recorded: boolean }>()({
  name: 'plMarkDelivered',
  keys: ['challenge'],
  argv: { digest: 'string' },
  prelude: challengeLua,
  lua: `
if redis.call('HGET', challenge, C.digest) ~= digest then return cjson.encode({recorded = false}) end
redis.call('HSET', challenge, C.delivered, '1')
return cjson.encode({recorded = true})
`,
})

/** What the challenge was for, with every verify outcome but not_found (for events and assertions). */
export interface ChallengeAbout {
  attempts: number
  sends: number
  purpose: string
  delivery: string
  context: string
}

export type VerifyReply =
  /** `caller` is the caller hash after an enrolling approval ({} when it has none). */
  | ({ kind: 'approved'; attemptsLeft: number; caller?: Record<string, string> } & ChallengeAbout)
  | ({ kind: 'rejected'; attemptsLeft: number } & ChallengeAbout)
  | (Wait<'locked'> & ChallengeAbout)
  | (Wait<'phone_locked'> & ChallengeAbout)
  | { kind: 'not_found' }

/** Look up, count the attempt, compare, consume, enrol: one atomic step. */
export const verifyChallenge = defineScript<VerifyReply>()({
  name: 'plVerifyChallenge',
  keys: ['challenge', 'failures', 'caller', 'streak'],
  argv: {
    digest: 'string',
    now: 'number',
    maxAttempts: 'number',
    phoneMaxFailures: 'number',
    phoneFailureWindowSeconds: 'number',
    /** 0 = no expiry */
    trustTtlSeconds: 'number',
    firstName: 'string',
    lastName: 'string',
    custLevel: 'string',
    phoneMaxConsecutiveFailures: 'number',
    /** the streak is forgotten this long after its latest failure */
    phoneConsecutiveWindowSeconds: 'number',
  },
  prelude: challengeLua + luaHash + phoneLock + luaTable('CALLER', CALLER),
  lua: `
local c = read(challenge, 'digest', 'attempts', 'status', 'enrol', 'phone', 'locale', 'sends', 'purpose', 'delivery',
  'context')
if not c.digest then return cjson.encode({kind = 'not_found'}) end
-- Every other answer says what the challenge was for (never the PIN or the number).
local function about(reply, count)
  reply.attempts, reply.sends = tonumber(count), tonumber(c.sends or '1')
  reply.purpose, reply.delivery, reply.context = c.purpose or '', c.delivery or 'sms', c.context or '{}'
  return cjson.encode(reply)
end
if c.status == 'locked' then return about({kind = 'locked', retryAfterMs = redis.call('PTTL', challenge)}, c.attempts) end
local phone_locked = phone_lock_ms(failures, streak, phoneMaxFailures, phoneMaxConsecutiveFailures)
if phone_locked then return about({kind = 'phone_locked', retryAfterMs = phone_locked}, c.attempts) end
local attempts = tonumber(c.attempts) + 1
if c.digest == digest then
  -- Approved once: the challenge is gone, and the run of failures (window and streak) ends.
  redis.call('DEL', challenge, failures, streak)
  if c.enrol ~= '1' then return about({kind = 'approved', attemptsLeft = maxAttempts - attempts}, attempts) end
  local existed = redis.call('EXISTS', caller) == 1
  if not existed then
    redis.call('HSET', caller, CALLER.phone, c.phone, CALLER.firstName, firstName, CALLER.lastName, lastName,
      CALLER.custLevel, custLevel, CALLER.language, c.locale, CALLER.enrolledAt, now)
  end
  -- Trust only ever grows: a caller without expiry keeps none, and a later expiry (an admin's)
  -- is kept; otherwise the caller is trusted for the trust TTL from now.
  if trustTtlSeconds > 0 then
    local trusted_until = now + trustTtlSeconds * 1000
    local pttl = redis.call('PTTL', caller)
    if not existed or (pttl >= 0 and now + pttl < trusted_until) then
      redis.call('HSET', caller, CALLER.trustedUntil, tostring(trusted_until))
      redis.call('PEXPIREAT', caller, trusted_until)
    end
  end
  return about({kind = 'approved', attemptsLeft = maxAttempts - attempts, caller = hash(caller)}, attempts)
end
-- Wrong: count it here and per number. Never delete: a wrong guess must not wipe a victim's PIN.
redis.call('HSET', challenge, C.attempts, attempts)
if redis.call('INCR', failures) == 1 then redis.call('EXPIRE', failures, phoneFailureWindowSeconds) end
-- The streak only ends with an approval, or after a whole window without a failure.
redis.call('INCR', streak)
redis.call('EXPIRE', streak, phoneConsecutiveWindowSeconds)
phone_locked = phone_lock_ms(failures, streak, phoneMaxFailures, phoneMaxConsecutiveFailures)
if attempts >= maxAttempts then
  redis.call('HSET', challenge, C.status, 'locked')
  -- Locked twice over: no new PIN helps until the number's lock ends too.
  local ms = redis.call('PTTL', challenge)
  if phone_locked and phone_locked > ms then return about({kind = 'phone_locked', retryAfterMs = phone_locked}, attempts) end
  return about({kind = 'locked', retryAfterMs = ms}, attempts)
end
if phone_locked then return about({kind = 'phone_locked', retryAfterMs = phone_locked}, attempts) end
return about({kind = 'rejected', attemptsLeft = maxAttempts - attempts}, attempts)
`,
})
