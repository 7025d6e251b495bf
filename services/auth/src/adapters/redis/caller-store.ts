import { PinlineError } from '../../core/errors.ts'
import type { Caller, CallerRegistry } from '../../core/ports.ts'
import type { Keys } from './keys.ts'
import type { ScriptedRedis } from './scripts.ts'

export function callerFromHash(h: Record<string, string>): Caller | undefined {
  if (!h.phone) return undefined
  return {
    phone: h.phone,
    firstName: h.firstName ?? '',
    lastName: h.lastName ?? '',
    custLevel: h.custLevel ?? '',
    language: h.language ?? '',
    email: h.email || undefined,
    enrolledAt: Number(h.enrolledAt ?? 0),
    trustedUntil: h.trustedUntil ? Number(h.trustedUntil) : undefined,
  }
}

const normaliseEmail = (email: string) => email.trim().toLowerCase()

/**
 * The caller registry on Redis: a hash per phone, plus an e-mail -> phone index
 * (the Lex bot finds the phone by e-mail). The index lives in another slot, so it
 * is claimed first and checked on read: a stale entry never returns the wrong caller.
 */
export function createCallerRegistry(redis: ScriptedRedis, keys: Keys): CallerRegistry {
  async function get(phone: string): Promise<Caller | undefined> {
    const caller = callerFromHash(await redis.hgetall(keys.caller(phone)))
    return caller?.phone === phone ? caller : undefined
  }

  return {
    get,

    async put(caller) {
      const email = caller.email ? normaliseEmail(caller.email) : undefined
      const expires = caller.trustedUntil ? String(caller.trustedUntil) : ''
      if (email && (await redis.plClaimEmail(keys.email(email), caller.phone, expires)) === 0) {
        throw new PinlineError('EMAIL_TAKEN')
      }
      const fields: string[] = ['phone', caller.phone, 'firstName', caller.firstName, 'lastName', caller.lastName,
        'custLevel', caller.custLevel, 'language', caller.language, 'enrolledAt', String(caller.enrolledAt)]
      if (email) fields.push('email', email)
      const [created, previousEmail] = await redis.plPutCaller(keys.caller(caller.phone), expires, ...fields)
      if (previousEmail && previousEmail !== email) await redis.plDelIfEquals(keys.email(previousEmail), caller.phone)
      const stored = await get(caller.phone)
      return { created: created === 1, caller: stored ?? { ...caller, email } }
    },

    async delete(phone) {
      const caller = await get(phone)
      if (!caller) return false
      await redis.del(keys.caller(phone))
      if (caller.email) await redis.plDelIfEquals(keys.email(caller.email), phone)
      return true
    },

    async findByEmail(email) {
      const e = normaliseEmail(email)
      const phone = await redis.get(keys.email(e))
      if (!phone) return undefined
      const caller = await get(phone)
      return caller?.email === e ? caller : undefined
    },
  }
}
