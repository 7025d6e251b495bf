import { describe, expect, it } from 'vitest'
import { maskPhone, normalisePhone } from '../../services/auth/src/core/phone.ts'
import { maskDigits } from '../../services/auth/src/logging.ts'

describe('normalisePhone', () => {
  it('says which numbers are fixed lines (channel auto calls them): a Tokyo landline is, mobiles and ambiguous numbers are not', () => {
    expect(normalisePhone('+81 3-1234-5678')?.fixedLine).toBe(true)
    expect(normalisePhone('+81 6-6123-4567')?.fixedLine).toBe(true)
    expect(normalisePhone('+81 90-1234-5678')?.fixedLine).toBe(false)
    expect(normalisePhone('+81 50-1234-5678')?.fixedLine).toBe(false) // IP phone (VOIP)
    expect(normalisePhone('+1 202 555 0143')?.fixedLine).toBe(false) // FIXED_LINE_OR_MOBILE: could take an SMS
  })

  it('turns the usual ways of writing a number into E.164', () => {
    expect(normalisePhone('+81 90-1234-5678')?.e164).toBe('+819012345678')
    expect(normalisePhone('+1 (202) 555-0143')?.e164).toBe('+12025550143')
    expect(normalisePhone('090-1234-5678', 'JP')).toEqual({ e164: '+819012345678', country: 'JP', fixedLine: false })
  })

  it('refuses what is not a valid number after normalisation', () => {
    for (const bad of ['', '+', '+8190', '12345', '+999 1234 5678', '+81 90-1234-567', 'abc', '090-1234-5678']) {
      expect(normalisePhone(bad), bad).toBeUndefined()
    }
  })

  it('refuses full-width and other non-ASCII digits instead of folding them', () => {
    expect(normalisePhone('+８１９０１２３４５６７８')).toBeUndefined()
    expect(normalisePhone('+٨١٩٠١٢٣٤٥٦٧٨')).toBeUndefined()
  })
})

describe('masking', () => {
  it('keeps only the last four digits of a number', () => {
    expect(maskPhone('+819012345678')).toBe('+********5678')
  })

  it('masks numbers inside log text such as URLs, encoded or not', () => {
    expect(maskDigits('/v1/callers/+819012345678')).toBe('/v1/callers/+********5678')
    expect(maskDigits('/v1/callers/%2B819012345678')).toBe('/v1/callers/+********5678')
    expect(maskDigits('/v1/pins/abc/verify')).toBe('/v1/pins/abc/verify')
    expect(maskDigits('/v1/callers/090-8765-4321')).toBe('/v1/callers/*******4321')
    expect(maskDigits('/v1/callers/(090)8765.4321')).toBe('/v1/callers/*******4321')
    expect(maskDigits('/v1/callers/+81%2090%208765%204321')).toBe('/v1/callers/+********4321')
    expect(maskDigits('call +81 90 8765 4321 now')).toBe('call +********4321 now')
    expect(maskDigits('status 503 after 3000 ms, port 6379')).toBe('status 503 after 3000 ms, port 6379')
  })
})
