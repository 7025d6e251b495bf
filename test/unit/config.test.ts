import { describe, expect, it } from 'vitest'
import { loadConfig, parseApiKeys, readApiKeyVariables } from '../../services/auth/src/config.ts'
import { PRODUCTION_ENV } from '../support/app/production-env.ts'

describe('loadConfig', () => {
  it('has the documented defaults', () => {
    const c = loadConfig({})
    expect(c.verification).toMatchObject({
      pinLength: 6,
      ttlMs: 300_000,
      maxAttempts: 5,
      maxSendsPerChallenge: 5,
      resendCooldownMs: 30_000,
    })
    expect(c.verification).toMatchObject({
      phoneMaxFailures: 10,
      phoneFailureWindowSeconds: 3600,
      phoneMaxConsecutiveFailures: 100,
      phoneConsecutiveWindowSeconds: 30 * 86400,
      phoneMaxSends: 5,
      phoneSendWindowSeconds: 900,
    })
    expect(c.verification.trustTtlSeconds).toBe(90 * 86400)
    expect(c.sms.provider).toBe('log')
    expect(loadConfig(PRODUCTION_ENV).sms.provider).toBe('sns')
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
    expect(
      loadConfig({ PHONE_MAX_CONSECUTIVE_FAILURES: '20', PHONE_CONSECUTIVE_WINDOW_DAYS: '7' }).verification,
    ).toMatchObject({ phoneMaxConsecutiveFailures: 20, phoneConsecutiveWindowSeconds: 7 * 86400 })
    expect(() => loadConfig({ PHONE_MAX_CONSECUTIVE_FAILURES: '101' })).toThrow(/PHONE_MAX_CONSECUTIVE_FAILURES/)
    expect(() => loadConfig({ PHONE_MAX_CONSECUTIVE_FAILURES: '0' })).toThrow(/PHONE_MAX_CONSECUTIVE_FAILURES/)
    expect(() => loadConfig({ PHONE_CONSECUTIVE_WINDOW_DAYS: '0' })).toThrow(/PHONE_CONSECUTIVE_WINDOW_DAYS/)
  })

  it('refuses to start in production without API_KEYS or PIN_HMAC_SECRET, or with the log provider', () => {
    expect(() => loadConfig({ ...PRODUCTION_ENV, API_KEYS: undefined })).toThrow(/API_KEYS is required/)
    expect(() => loadConfig({ ...PRODUCTION_ENV, PIN_HMAC_SECRET: undefined })).toThrow(/PIN_HMAC_SECRET is required/)
    expect(() => loadConfig({ ...PRODUCTION_ENV, SMS_PROVIDER: 'log' })).toThrow(/SMS_PROVIDER=log/)
    expect(loadConfig(PRODUCTION_ENV).apiKeys.map((k) => k.key)).toEqual(['k'.repeat(20)])
  })

  it('verification events: a webhook needs its signing secret (32+ characters), and https in production', () => {
    const hook = { EVENTS_WEBHOOK_URL: 'https://hooks.example.com/pinline', EVENTS_WEBHOOK_SECRET: 'w'.repeat(32) }
    expect(loadConfig(hook).events).toMatchObject({
      webhookUrl: hook.EVENTS_WEBHOOK_URL,
      backlogMax: 10000,
      timeoutMs: 2000,
    })
    expect(() => loadConfig({ EVENTS_WEBHOOK_URL: hook.EVENTS_WEBHOOK_URL })).toThrow(
      /EVENTS_WEBHOOK_URL and EVENTS_WEBHOOK_SECRET go together/,
    )
    expect(() => loadConfig({ ...hook, EVENTS_WEBHOOK_SECRET: 'short' })).toThrow(/EVENTS_WEBHOOK_SECRET/)
    expect(() => loadConfig({ ...PRODUCTION_ENV, ...hook, EVENTS_WEBHOOK_URL: 'http://hooks.example.com/' })).toThrow(
      /must be https when NODE_ENV=production/,
    )
    expect(() => loadConfig({ EVENTS_SOURCE: 'aws.events' })).toThrow(/EVENTS_SOURCE/)
    expect(() => loadConfig({ EVENTS_BACKLOG_MAX: '0' })).toThrow(/EVENTS_BACKLOG_MAX/)
  })

  it('reads API_KEYS as a comma-separated list', () => {
    expect(loadConfig({ API_KEYS: 'first-key-0123456789, second-key-0123456789' }).apiKeys.map((k) => k.key)).toEqual([
      'first-key-0123456789',
      'second-key-0123456789',
    ])
  })
})

describe('parseApiKeys (API_KEYS)', () => {
  it('reads name:key:scope+scope entries, and bare keys as every scope', () => {
    const keys = parseApiKeys(
      ' connect-shim:aaaaaaaaaaaaaaaa1:channels, crm:bbbbbbbbbbbbbbbb2:verify,ops:cccccccccccccccc3:admin+verify,dddddddddddddddd4',
    )
    expect(keys.map((k) => ({ ...k, scopes: [...k.scopes].sort() }))).toEqual([
      { name: 'connect-shim', key: 'aaaaaaaaaaaaaaaa1', scopes: ['channels'], bare: false },
      { name: 'crm', key: 'bbbbbbbbbbbbbbbb2', scopes: ['verify'], bare: false },
      { name: 'ops', key: 'cccccccccccccccc3', scopes: ['admin', 'verify'], bare: false },
      { name: 'key-4', key: 'dddddddddddddddd4', scopes: ['admin', 'channels', 'verify'], bare: true },
    ])
    expect(parseApiKeys('')).toEqual([])
  })

  it.each([
    ['short', /entry 1 .*at least 16/],
    ['a:aaaaaaaaaaaaaaaa1', /entry 1 must be name:key:scope/],
    ['a:aaaaaaaaaaaaaaaa1:verify:x', /entry 1 must be name:key:scope/],
    ['a:aaaaaaaaaaaaaaaa1:root', /unknown scope "root"/],
    ['a:aaaaaaaaaaaaaaaa1:', /unknown scope/],
    ['a b:aaaaaaaaaaaaaaaa1:verify', /entry 1: the name/],
    ['a:aaaaaaaaaaaaaaaa1:verify,a:bbbbbbbbbbbbbbbb2:verify', /entry 2: the name a is used twice/],
    ['a:aaaaaaaaaaaaaaaa1:verify,b:aaaaaaaaaaaaaaaa1:admin', /entry 2 \(b\): repeats another entry's key/],
  ])('%j is refused, naming the entry (never the key)', (value, message) => {
    expect(() => parseApiKeys(value)).toThrow(message)
    try {
      parseApiKeys(value)
    } catch (err) {
      expect((err as Error).message).not.toContain('aaaaaaaaaaaaaaaa1')
    }
  })
})

describe('API_KEY_<NAME>: one key per variable, as a secret store injects them', () => {
  const channelKey = 'c'.repeat(40)
  const opsKey = 'o'.repeat(40)
  const env = {
    API_KEY_CONNECT_SHIM: JSON.stringify({ key: channelKey, scopes: 'channels' }),
    API_KEY_OPS: JSON.stringify({ key: opsKey, scopes: 'admin+verify' }),
  }

  it('reads each with its name and scopes, and serves them beside API_KEYS (production needs no API_KEYS then)', () => {
    expect(readApiKeyVariables(env)).toEqual([
      { name: 'connect-shim', key: channelKey, scopes: ['channels'] },
      { name: 'ops', key: opsKey, scopes: ['admin', 'verify'] },
    ])
    const summary = (keys: ReturnType<typeof loadConfig>['apiKeys']) =>
      keys.map((k) => ({ name: k.name, key: k.key, scopes: [...k.scopes].sort() }))
    expect(summary(loadConfig({ ...env, API_KEYS: 'first-key-0123456789' }).apiKeys)).toEqual([
      { name: 'key-1', key: 'first-key-0123456789', scopes: ['admin', 'channels', 'verify'] },
      { name: 'connect-shim', key: channelKey, scopes: ['channels'] },
      { name: 'ops', key: opsKey, scopes: ['admin', 'verify'] },
    ])
    expect(loadConfig({ ...PRODUCTION_ENV, API_KEYS: undefined, ...env }).apiKeys.map((k) => k.key)).toEqual([
      channelKey,
      opsKey,
    ])
  })

  it('a name or a key in both API_KEYS and a variable is refused, naming the variable', () => {
    expect(() => loadConfig({ ...env, API_KEYS: `ops:${'x'.repeat(20)}:verify` })).toThrow(
      /API_KEY_OPS: the name ops is also used in API_KEYS/,
    )
    expect(() => loadConfig({ ...env, API_KEYS: `crm:${opsKey}:verify` })).toThrow(/API_KEY_OPS: repeats another key/)
  })

  it('refuses a bad value naming the variable, never echoing the value', () => {
    const bad = (value: string) => () => loadConfig({ API_KEY_LEX_SHIM: value })
    for (const value of [
      'not json s3cr3t-value-0123456789',
      JSON.stringify({ key: 'short', scopes: 'channels' }),
      JSON.stringify({ key: 's3cr3t-value-0123456789', scopes: 'everything' }),
      JSON.stringify({ key: 's3cr3t-value-0123456789' }),
      JSON.stringify({ key: 's3cr3t:value-0123456789', scopes: 'verify' }),
    ]) {
      expect(bad(value)).toThrow(/API_KEY_LEX_SHIM/)
      expect(bad(value)).not.toThrow(/s3cr3t/)
    }
  })

  it('ignores variables that only look alike (API_KEYS itself, lower case)', () => {
    expect(readApiKeyVariables({ API_KEYS: 'first-key-0123456789', api_key_x: 'y', API_KEY_: '{}' })).toEqual([])
  })
})

describe('REDIS_PASSWORD', () => {
  it('is read apart from REDIS_URL, for a secret store to inject', () => {
    expect(
      loadConfig({ REDIS_URL: 'rediss://primary.example:6379', REDIS_PASSWORD: 'p'.repeat(32) }).redis,
    ).toMatchObject({ url: 'rediss://primary.example:6379', password: 'p'.repeat(32) })
    expect(loadConfig({}).redis.password).toBeUndefined()
  })
})
