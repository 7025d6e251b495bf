import { describe, expect, it } from 'vitest'
import { loadConfig } from '../../services/auth/src/config.ts'
import { TEST_ASSERTION_KEY } from '../support/assertion-keys.ts'

const prod = { NODE_ENV: 'production', API_KEYS: 'k'.repeat(20), PIN_HMAC_SECRET: 's'.repeat(32), ASSERTION_SIGNING_KEY: TEST_ASSERTION_KEY }

describe('loadConfig', () => {
  it('has the documented defaults', () => {
    const c = loadConfig({})
    expect(c.pin).toMatchObject({ length: 6, ttlSeconds: 300, maxAttempts: 5, maxSends: 5, resendCooldownSeconds: 30 })
    expect(c.phone).toEqual({
      maxFailures: 10, failureWindowSeconds: 3600, maxConsecutiveFailures: 100, consecutiveWindowSeconds: 30 * 86400, maxSends: 5, sendWindowSeconds: 900,
    })
    expect(c.trustTtlSeconds).toBe(90 * 86400)
    expect(c.sms.provider).toBe('log')
    expect(loadConfig(prod).sms.provider).toBe('sns')
  })

  it('names the variable when a value is bad', () => {
    expect(() => loadConfig({ PIN_LENGTH: '3' })).toThrow(/PIN_LENGTH/)
    expect(() => loadConfig({ PIN_LENGTH: '11' })).toThrow(/PIN_LENGTH/)
    expect(() => loadConfig({ PIN_TTL_SECONDS: '601' })).toThrow(/PIN_TTL_SECONDS/)
    expect(() => loadConfig({ PORT: 'eighty' })).toThrow(/PORT/)
    expect(() => loadConfig({ PIN_HMAC_SECRET: 'short' })).toThrow(/PIN_HMAC_SECRET/)
    expect(() => loadConfig({ API_KEYS: 'short' })).toThrow(/API_KEYS/)
    expect(() => loadConfig({ SMS_PROVIDER: 'carrier-pigeon' })).toThrow(/SMS_PROVIDER/)
  })

  it('NIST SP 800-63B: at most 100 consecutive failures per number; lower is allowed, higher is refused', () => {
    expect(loadConfig({ PHONE_MAX_CONSECUTIVE_FAILURES: '20', PHONE_CONSECUTIVE_WINDOW_DAYS: '7' }).phone)
      .toMatchObject({ maxConsecutiveFailures: 20, consecutiveWindowSeconds: 7 * 86400 })
    expect(() => loadConfig({ PHONE_MAX_CONSECUTIVE_FAILURES: '101' })).toThrow(/PHONE_MAX_CONSECUTIVE_FAILURES/)
    expect(() => loadConfig({ PHONE_MAX_CONSECUTIVE_FAILURES: '0' })).toThrow(/PHONE_MAX_CONSECUTIVE_FAILURES/)
    expect(() => loadConfig({ PHONE_CONSECUTIVE_WINDOW_DAYS: '0' })).toThrow(/PHONE_CONSECUTIVE_WINDOW_DAYS/)
  })

  it('refuses to start in production without API_KEYS or PIN_HMAC_SECRET, or with the log provider', () => {
    expect(() => loadConfig({ ...prod, API_KEYS: undefined })).toThrow(/API_KEYS is required/)
    expect(() => loadConfig({ ...prod, PIN_HMAC_SECRET: undefined })).toThrow(/PIN_HMAC_SECRET is required/)
    expect(() => loadConfig({ ...prod, SMS_PROVIDER: 'log' })).toThrow(/SMS_PROVIDER=log/)
    expect(loadConfig(prod).apiKeys).toEqual(['k'.repeat(20)])
  })

  it('verification events: a webhook needs its signing secret (32+ characters), and https in production', () => {
    const hook = { EVENTS_WEBHOOK_URL: 'https://hooks.example.com/pinline', EVENTS_WEBHOOK_SECRET: 'w'.repeat(32) }
    expect(loadConfig(hook).events).toMatchObject({ webhookUrl: hook.EVENTS_WEBHOOK_URL, backlogMax: 10000, timeoutMs: 2000 })
    expect(() => loadConfig({ EVENTS_WEBHOOK_URL: hook.EVENTS_WEBHOOK_URL })).toThrow(/EVENTS_WEBHOOK_URL and EVENTS_WEBHOOK_SECRET go together/)
    expect(() => loadConfig({ ...hook, EVENTS_WEBHOOK_SECRET: 'short' })).toThrow(/EVENTS_WEBHOOK_SECRET/)
    expect(() => loadConfig({ ...prod, ...hook, EVENTS_WEBHOOK_URL: 'http://hooks.example.com/' })).toThrow(/must be https when NODE_ENV=production/)
    expect(() => loadConfig({ EVENTS_SOURCE: 'aws.events' })).toThrow(/EVENTS_SOURCE/)
    expect(() => loadConfig({ EVENTS_BACKLOG_MAX: '0' })).toThrow(/EVENTS_BACKLOG_MAX/)
  })

  it('reads API_KEYS as a comma-separated list', () => {
    expect(loadConfig({ API_KEYS: 'first-key-0123456789, second-key-0123456789' }).apiKeys).toEqual(['first-key-0123456789', 'second-key-0123456789'])
  })
})
