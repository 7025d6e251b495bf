import { randomBytes } from 'node:crypto'
import envSchema from 'env-schema'
import { Type, type Static } from 'typebox'
import { loadMenu } from './adapters/menu/menu-file.ts'
import type { MenuItem } from './core/menu.ts'

// Every setting pinline reads, with its default and bounds. The README's table mirrors this.
const Env = Type.Object({
  NODE_ENV: Type.Union([Type.Literal('development'), Type.Literal('production'), Type.Literal('test')], { default: 'development' }),
  HOST: Type.String({ default: '0.0.0.0' }),
  PORT: Type.Integer({ default: 3000, minimum: 0, maximum: 65535 }),
  LOG_LEVEL: Type.Union(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)), { default: 'info' }),
  TRUST_PROXY: Type.Boolean({ default: false }),
  BODY_LIMIT_BYTES: Type.Integer({ default: 32768, minimum: 1024, maximum: 1048576 }),
  API_KEYS: Type.Optional(Type.String({ minLength: 1 })),
  REDIS_URL: Type.String({ default: 'redis://127.0.0.1:6379' }),
  REDIS_KEY_PREFIX: Type.String({ default: 'pl:', pattern: '^[A-Za-z0-9:_-]{0,32}$' }),
  REDIS_COMMAND_TIMEOUT_MS: Type.Integer({ default: 1000, minimum: 50, maximum: 30000 }),
  PIN_HMAC_SECRET: Type.Optional(Type.String({ minLength: 32 })),
  PIN_LENGTH: Type.Integer({ default: 6, minimum: 4, maximum: 10 }),
  PIN_TTL_SECONDS: Type.Integer({ default: 300, minimum: 30, maximum: 600 }),
  PIN_MAX_ATTEMPTS: Type.Integer({ default: 5, minimum: 1, maximum: 10 }),
  PIN_MAX_SENDS: Type.Integer({ default: 5, minimum: 1, maximum: 10 }),
  PIN_RESEND_COOLDOWN_SECONDS: Type.Integer({ default: 30, minimum: 0, maximum: 600 }),
  PHONE_MAX_FAILURES: Type.Integer({ default: 10, minimum: 1, maximum: 100 }),
  PHONE_FAILURE_WINDOW_SECONDS: Type.Integer({ default: 3600, minimum: 60, maximum: 604800 }),
  PHONE_MAX_SENDS: Type.Integer({ default: 5, minimum: 1, maximum: 100 }),
  PHONE_SEND_WINDOW_SECONDS: Type.Integer({ default: 900, minimum: 60, maximum: 86400 }),
  TRUST_TTL_DAYS: Type.Integer({ default: 90, minimum: 0, maximum: 3650 }),
  DEFAULT_LOCALE: Type.Union([Type.Literal('en'), Type.Literal('ja')], { default: 'en' }),
  DEFAULT_COUNTRY: Type.Optional(Type.String({ pattern: '^[A-Z]{2}$' })),
  SMS_PROVIDER: Type.Optional(Type.Union([Type.Literal('sns'), Type.Literal('log')])),
  SMS_BRAND: Type.String({ default: 'pinline', minLength: 1, maxLength: 30 }),
  SMS_SENDER_ID: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9]{1,11}$' })),
  SMS_ORIGINATION_NUMBER: Type.Optional(Type.String({ pattern: '^\\+[1-9][0-9]{6,14}$' })),
  SMS_TIMEOUT_MS: Type.Integer({ default: 3000, minimum: 100, maximum: 30000 }),
  SMS_MAX_ATTEMPTS: Type.Integer({ default: 3, minimum: 1, maximum: 5 }),
  CALLER_ID_AUTH: Type.Union([Type.Literal('trust'), Type.Literal('verify')], { default: 'trust' }),
  // Order sessions, the menu and KMS-encrypted PINs
  MENU_FILE: Type.Optional(Type.String({ minLength: 1 })),
  SESSION_TTL_SECONDS: Type.Integer({ default: 900, minimum: 60, maximum: 86400 }),
  SESSION_MAX_AGE_SECONDS: Type.Integer({ default: 28800, minimum: 60, maximum: 604800 }),
  KMS_KEY_ID: Type.Optional(Type.String({ minLength: 1, maxLength: 2048 })),
  KMS_TIMEOUT_MS: Type.Integer({ default: 1000, minimum: 100, maximum: 10000 }),
  KMS_MAX_ATTEMPTS: Type.Integer({ default: 2, minimum: 1, maximum: 5 }),
})
type EnvValues = Static<typeof Env>

export interface Config {
  env: EnvValues['NODE_ENV']
  host: string
  port: number
  logLevel: EnvValues['LOG_LEVEL']
  trustProxy: boolean
  bodyLimit: number
  apiKeys: string[]
  redis: { url: string; keyPrefix: string; commandTimeoutMs: number }
  pin: {
    secret: string
    length: number
    ttlSeconds: number
    maxAttempts: number
    maxSends: number
    resendCooldownSeconds: number
  }
  phone: { maxFailures: number; failureWindowSeconds: number; maxSends: number; sendWindowSeconds: number }
  trustTtlSeconds: number
  defaultLocale: 'en' | 'ja'
  defaultCountry: string | undefined
  sms: {
    provider: 'sns' | 'log'
    brand: string
    senderId: string | undefined
    originationNumber: string | undefined
    timeoutMs: number
    maxAttempts: number
  }
  /** trust: a known caller ID authenticates (the seed's behaviour); verify: known callers also need a PIN. */
  callerIdAuth: 'trust' | 'verify'
  menu: MenuItem[]
  sessions: { ttlSeconds: number; maxAgeSeconds: number }
  kms: { keyId: string | undefined; timeoutMs: number; maxAttempts: number }
}

export class ConfigError extends Error {
  override name = 'ConfigError'
}

/** Reads and validates the environment once; a bad value throws naming the variable. */
export function loadConfig(source: Record<string, string | undefined> = process.env): Config {
  let e: EnvValues
  try {
    e = envSchema<EnvValues>({ schema: Env as object, data: { ...source } })
  } catch (err) {
    throw new ConfigError(`Invalid configuration: ${(err as Error).message}`)
  }
  const production = e.NODE_ENV === 'production'
  const apiKeys = (e.API_KEYS ?? '').split(',').map((k) => k.trim()).filter(Boolean)
  if (apiKeys.some((k) => k.length < 16)) throw new ConfigError('Invalid configuration: API_KEYS: every key must be at least 16 characters')
  if (production && apiKeys.length === 0) throw new ConfigError('Invalid configuration: API_KEYS is required when NODE_ENV=production')
  if (production && !e.PIN_HMAC_SECRET) throw new ConfigError('Invalid configuration: PIN_HMAC_SECRET is required when NODE_ENV=production')
  const provider = e.SMS_PROVIDER ?? (production ? 'sns' : 'log')
  if (production && provider === 'log') throw new ConfigError('Invalid configuration: SMS_PROVIDER=log writes PINs to the log and is refused when NODE_ENV=production')
  if (e.SESSION_MAX_AGE_SECONDS < e.SESSION_TTL_SECONDS) throw new ConfigError('Invalid configuration: SESSION_MAX_AGE_SECONDS must be at least SESSION_TTL_SECONDS')
  let menu: MenuItem[]
  try {
    menu = loadMenu(e.MENU_FILE)
  } catch (err) {
    throw new ConfigError(`Invalid configuration: MENU_FILE: ${(err as Error).message}`)
  }
  return {
    env: e.NODE_ENV,
    host: e.HOST,
    port: e.PORT,
    logLevel: e.LOG_LEVEL,
    trustProxy: e.TRUST_PROXY,
    bodyLimit: e.BODY_LIMIT_BYTES,
    // Outside production a fixed development key keeps the first run to one command.
    apiKeys: apiKeys.length > 0 ? apiKeys : ['dev-key-change-me-0000'],
    redis: { url: e.REDIS_URL, keyPrefix: e.REDIS_KEY_PREFIX, commandTimeoutMs: e.REDIS_COMMAND_TIMEOUT_MS },
    pin: {
      // Outside production a per-process secret is enough: challenges live minutes.
      secret: e.PIN_HMAC_SECRET ?? randomBytes(32).toString('base64url'),
      length: e.PIN_LENGTH,
      ttlSeconds: e.PIN_TTL_SECONDS,
      maxAttempts: e.PIN_MAX_ATTEMPTS,
      maxSends: e.PIN_MAX_SENDS,
      resendCooldownSeconds: e.PIN_RESEND_COOLDOWN_SECONDS,
    },
    phone: {
      maxFailures: e.PHONE_MAX_FAILURES,
      failureWindowSeconds: e.PHONE_FAILURE_WINDOW_SECONDS,
      maxSends: e.PHONE_MAX_SENDS,
      sendWindowSeconds: e.PHONE_SEND_WINDOW_SECONDS,
    },
    trustTtlSeconds: e.TRUST_TTL_DAYS * 86400,
    defaultLocale: e.DEFAULT_LOCALE,
    defaultCountry: e.DEFAULT_COUNTRY,
    sms: {
      provider,
      brand: e.SMS_BRAND,
      senderId: e.SMS_SENDER_ID,
      originationNumber: e.SMS_ORIGINATION_NUMBER,
      timeoutMs: e.SMS_TIMEOUT_MS,
      maxAttempts: e.SMS_MAX_ATTEMPTS,
    },
    callerIdAuth: e.CALLER_ID_AUTH,
    menu,
    sessions: { ttlSeconds: e.SESSION_TTL_SECONDS, maxAgeSeconds: e.SESSION_MAX_AGE_SECONDS },
    kms: { keyId: e.KMS_KEY_ID, timeoutMs: e.KMS_TIMEOUT_MS, maxAttempts: e.KMS_MAX_ATTEMPTS },
  }
}
