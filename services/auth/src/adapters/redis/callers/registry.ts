import type { RedisClient } from '../client.ts'
import { canonicalEmail } from '../../../core/email.ts'
import { PinlineError } from '../../../core/errors.ts'
import { randomToken } from '../../../core/pin.ts'
import type { Caller, CallerRegistry } from '../../../core/ports.ts'
import type { Keys } from '../keys.ts'
import { CALLER, callerFromHash } from './fields.ts'
import { claimEmail, dropEmail, putCaller, swapIfEquals } from './scripts.ts'

// An index entry being released is marked '-<phone>|<nonce>': the phone it named, and a nonce
// that makes every mark unique.
const markFor = (phone: string) => `-${phone}|${randomToken()}`
const ownerOf = (entry: string) => (entry.startsWith('-') ? entry.slice(1, entry.indexOf('|')) : entry)

/**
 * The caller registry on Redis: a hash per phone, plus an e-mail -> phone index (the Lex bot
 * finds the phone by e-mail). The index lives in another slot, so the two never change in one
 * step. An entry counts only while the caller it names holds that e-mail: a lookup checks, and
 * a stale entry (the caller expired, was removed or changed its e-mail) is released by the
 * lookup or by a put that wants the e-mail. Entries have no TTL, so they cannot expire before
 * the caller does when a verify extends its trust.
 *
 * How a live owner's e-mail is never taken:
 * - the only way an entry leaves the phone it names is a release: replace it with a unique mark
 *   (compare-and-set), look at that phone's hash again, then put the phone back if it holds the
 *   e-mail after all, else delete the entry (compare-and-set on the mark);
 * - a put claims the entry (free, its own, or its own mark), writes the caller, then claims it
 *   again: if it lost the entry meanwhile, it takes the e-mail back out and answers EMAIL_TAKEN.
 * A put's second claim either comes before a release's mark (then the release's second look sees
 * the e-mail and restores the entry) or after it (then it turns the mark back into the owner, or
 * finds the entry gone or another's, and backs off). A put that loses such a race answers 409.
 */
export function createCallerRegistry(redis: RedisClient, keys: Keys): CallerRegistry {
  async function get(phone: string): Promise<Caller | undefined> {
    const caller = callerFromHash(await redis.hgetall(keys.caller(phone)))
    return caller?.phone === phone ? caller : undefined
  }

  async function holds(phone: string, email: string): Promise<boolean> {
    const [p, e] = await redis.hmget(keys.caller(phone), CALLER.phone, CALLER.email)
    return p === phone && e === email
  }

  /** Removes the index entry `entry` (naming `owner`), unless the owner holds the e-mail after all. */
  async function release(email: string, owner: string, entry: string): Promise<void> {
    const key = keys.email(email)
    let mark = entry
    if (!entry.startsWith('-')) {
      mark = markFor(owner)
      const { swapped } = await swapIfEquals(redis, { key }, { expected: entry, replacement: mark })
      if (!swapped) return // it moved on: not ours to release
    }
    await swapIfEquals(redis, { key }, { expected: mark, replacement: (await holds(owner, email)) ? owner : '' })
  }

  /** Points the e-mail at `phone`, releasing a stale entry first; throws EMAIL_TAKEN if another caller holds it. */
  async function claim(email: string, phone: string): Promise<void> {
    const key = keys.email(email)
    for (let tries = 0; tries < 4; tries++) {
      const r = await claimEmail(redis, { index: key }, { phone })
      if (r.claimed) return
      const entry = r.entry
      const owner = ownerOf(entry)
      if (await holds(owner, email)) throw new PinlineError('EMAIL_TAKEN')
      await release(email, owner, entry)
    }
    throw new PinlineError('EMAIL_TAKEN')
  }

  return {
    get,

    async put(caller) {
      const email = caller.email ? canonicalEmail(caller.email) : undefined
      if (email) await claim(email, caller.phone)
      const key = { caller: keys.caller(caller.phone) }
      const { created, previousEmail } = await putCaller(redis, key, {
        phone: caller.phone,
        firstName: caller.firstName,
        lastName: caller.lastName,
        custLevel: caller.custLevel,
        language: caller.language,
        enrolledAt: String(caller.enrolledAt),
        email: email ?? '',
        trustedUntil: caller.trustedUntil ? String(caller.trustedUntil) : '',
      })
      if (previousEmail && previousEmail !== email) await release(previousEmail, caller.phone, caller.phone)
      // The second claim: still ours now that the caller holds the e-mail, or lost to another put.
      if (email && !(await claimEmail(redis, { index: keys.email(email) }, { phone: caller.phone })).claimed) {
        await dropEmail(redis, key, { email, created: created ? '1' : '0' })
        throw new PinlineError('EMAIL_TAKEN')
      }
      const stored = await get(caller.phone)
      return { created, caller: stored ?? { ...caller, email } }
    },

    async delete(phone) {
      const caller = await get(phone)
      if (!caller) return false
      await redis.del(keys.caller(phone))
      if (caller.email) await release(caller.email, phone, phone)
      return true
    },

    async findByEmail(email) {
      const e = canonicalEmail(email)
      const entry = await redis.get(keys.email(e))
      if (!entry) return undefined
      const owner = ownerOf(entry)
      const caller = await get(owner)
      if (caller?.email === e) return caller
      // Stale: the answer is known; tidying the entry up is best effort.
      await release(e, owner, entry).catch(() => undefined)
      return undefined
    },
  }
}
