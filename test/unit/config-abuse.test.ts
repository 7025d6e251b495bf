import { describe, expect, it } from 'vitest'
import { ConfigError, loadConfig } from '../../services/auth/src/config.ts'
import { PRODUCTION_ENV } from '../support/app/production-env.ts'

describe('SMS spend and rate-limit settings', () => {
  it('defaults: JP only, 20 SMS per 1000-number block per hour, 10 000 SMS a day, 1000 SMS per key per hour, 1200/min per key, 600/min per IP; channels 3000/min per key, 60 per contact, 30 per number', () => {
    const c = loadConfig({})
    expect(c.verification).toMatchObject({
      allowedCountries: ['JP'],
      prefixDropDigits: 3,
      prefixMaxSends: 20,
      prefixKnownMaxSends: 100,
      prefixWindowSeconds: 3600,
      dailyLimit: 10000,
      clientMaxSends: 1000,
      clientWindowSeconds: 3600,
      voiceDailyLimit: 1000,
    })
    expect(c.rateLimit).toEqual({ windowMs: 60_000, perApiKey: 1200, perIp: 600 })
    expect(c.channelRateLimit).toEqual({ windowSeconds: 60, perKey: 3000, perConversation: 60, perNumber: 30 })
    expect(c.verification.testNumbers.size).toBe(0)
  })

  it('SMS_ALLOWED_COUNTRIES takes a list of ISO codes or *', () => {
    expect(loadConfig({ SMS_ALLOWED_COUNTRIES: 'JP, GB,JP' }).verification.allowedCountries).toEqual(['JP', 'GB'])
    expect(loadConfig({ SMS_ALLOWED_COUNTRIES: '*' }).verification.allowedCountries).toBe('*')
  })

  it.each(['jp', 'JPN', 'JP;GB', '', 'XX', 'JP,ZZ'])(
    'SMS_ALLOWED_COUNTRIES=%j is refused, naming the variable',
    (value) => {
      expect(() => loadConfig({ SMS_ALLOWED_COUNTRIES: value })).toThrow(/SMS_ALLOWED_COUNTRIES/)
    },
  )

  it.each([
    ['SMS_DAILY_LIMIT', '0'],
    ['SMS_PREFIX_DROP_DIGITS', '0'],
    ['SMS_PREFIX_DROP_DIGITS', '7'],
    ['SMS_PREFIX_MAX_SENDS', '-1'],
    ['RATE_LIMIT_PER_KEY', '0'],
    ['RATE_LIMIT_PER_IP', 'many'],
    ['RATE_LIMIT_WINDOW_SECONDS', '0'],
  ])('%s=%s is refused, naming the variable', (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrow(new RegExp(name))
  })
})

describe('TEST_NUMBERS', () => {
  it('parses number:code pairs, normalising the numbers to E.164', () => {
    const c = loadConfig({ TEST_NUMBERS: '+819099990001:123456, +81 90-9999-0002 : 654321' })
    expect([...c.verification.testNumbers]).toEqual([
      ['+819099990001', '123456'],
      ['+819099990002', '654321'],
    ])
  })

  it.each([
    ['not a number', '12345:123456'],
    ['no code', '+819099990001'],
    ['a code of the wrong length', '+819099990001:1234'],
    ['a code that is not ASCII digits', '+819099990001:１２３４５６'],
    ['a repeated number', '+819099990001:123456,+819099990001:654321'],
    ['an extra field', '+819099990001:123456:1'],
  ])('refuses %s, naming the variable and never echoing the code', (_why, value) => {
    let err: unknown
    try {
      loadConfig({ TEST_NUMBERS: value })
    } catch (e) {
      err = e
    }
    expect(err).toBeInstanceOf(ConfigError)
    expect((err as Error).message).toMatch(/TEST_NUMBERS/)
    expect((err as Error).message).not.toMatch(/123456|654321|9999/)
  })

  it('is refused at start in production unless ALLOW_TEST_NUMBERS=true', () => {
    const env = { ...PRODUCTION_ENV, TEST_NUMBERS: '+819099990001:123456' }
    expect(() => loadConfig(env)).toThrow(
      /TEST_NUMBERS is refused when NODE_ENV=production unless ALLOW_TEST_NUMBERS=true/,
    )
    expect(loadConfig({ ...env, ALLOW_TEST_NUMBERS: 'true' }).verification.testNumbers.size).toBe(1)
    expect(loadConfig(PRODUCTION_ENV).verification.testNumbers.size).toBe(0)
  })
})
