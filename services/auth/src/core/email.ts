import { PinlineError } from './errors.ts'

const EMAIL = /^[^\s@]{1,64}@[^\s@.]+(\.[^\s@.]+)+$/

/** The one form an e-mail is stored and looked up in: trimmed, lower case. */
export function canonicalEmail(input: string): string {
  return input.trim().toLowerCase()
}

/** The canonical e-mail, or INVALID_EMAIL unless it looks like an address (user input). */
export function normaliseEmail(input: string): string {
  const email = canonicalEmail(input)
  if (email.length > 254 || !EMAIL.test(email)) throw new PinlineError('INVALID_EMAIL')
  return email
}
