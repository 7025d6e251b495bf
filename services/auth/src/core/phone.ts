import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/max'

export interface Phone {
  /** E.164, e.g. +819012345678 */
  e164: string
  /** ISO 3166-1 alpha-2 of the number's country, when libphonenumber knows it. */
  country: string | undefined
  /** libphonenumber says it is a fixed line (cannot receive SMS); FIXED_LINE_OR_MOBILE is not. */
  fixedLine: boolean
}

// ASCII only: full-width digits (０-９) and other scripts are refused rather than folded,
// so what we store and send is exactly what the client meant.
const PHONE_CHARS = /^\+?[0-9 ().-]{4,32}$/

/**
 * Normalises a phone number to E.164. Numbers without a leading + are read in
 * `defaultCountry` (when set). Returns undefined for anything that is not a valid number.
 */
export function normalisePhone(input: string, defaultCountry?: string): Phone | undefined {
  if (!PHONE_CHARS.test(input)) return undefined
  const parsed = parsePhoneNumberFromString(input, defaultCountry as CountryCode | undefined)
  if (!parsed) return undefined
  // With the full metadata, isValid() is "has a type" (getType() !== undefined) wherever the country
  // has type data: asking the type first matches the number against its patterns once, not twice.
  const type = parsed.getType()
  if (type === undefined && !parsed.isValid()) return undefined
  return { e164: parsed.number, country: parsed.country, fixedLine: type === 'FIXED_LINE' }
}

/** For logs and messages to people: every digit but the last four hidden. */
export function maskPhone(e164: string): string {
  const keep = e164.slice(-4)
  return `${e164.startsWith('+') ? '+' : ''}${'*'.repeat(Math.max(0, e164.replace('+', '').length - 4))}${keep}`
}
