import type { Caller } from '../../../core/ports.ts'

/** The caller hash: one per enrolled number, its field names the Caller's own. */
export const CALLER = {
  phone: 'phone',
  firstName: 'firstName',
  lastName: 'lastName',
  custLevel: 'custLevel',
  language: 'language',
  email: 'email',
  enrolledAt: 'enrolledAt',
  trustedUntil: 'trustedUntil',
} as const

/** A caller hash as HGETALL returns it -> the Caller, or undefined if there is none. */
export function callerFromHash(h: Record<string, string>): Caller | undefined {
  const phone = h[CALLER.phone]
  if (!phone) return undefined
  return {
    phone,
    firstName: h[CALLER.firstName] ?? '',
    lastName: h[CALLER.lastName] ?? '',
    custLevel: h[CALLER.custLevel] ?? '',
    language: h[CALLER.language] ?? '',
    email: h[CALLER.email] || undefined,
    enrolledAt: Number(h[CALLER.enrolledAt] ?? 0),
    trustedUntil: h[CALLER.trustedUntil] ? Number(h[CALLER.trustedUntil]) : undefined,
  }
}
