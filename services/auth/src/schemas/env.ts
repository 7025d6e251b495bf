import { Type } from 'typebox'
import { LOCALES } from '../core/messages.ts'
import { OneOf } from './helpers/one-of.ts'

/** An integer setting: its default, then its bounds. */
const int = (byDefault: number, minimum: number, maximum: number) =>
  Type.Integer({ default: byDefault, minimum, maximum })

// Every setting pinline reads, with its default and bounds. The README's table lists the same
// variables (test/unit/config-docs.test.ts fails when they differ).
export const Env = Type.Object({
  NODE_ENV: Type.Union([Type.Literal('development'), Type.Literal('production'), Type.Literal('test')], {
    default: 'development',
  }),
  HOST: Type.String({ default: '0.0.0.0' }),
  PORT: int(3000, 0, 65535),
  LOG_LEVEL: OneOf(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], { default: 'info' }),
  TRUST_PROXY: Type.String({
    default: 'false',
    maxLength: 2000,
    description: 'false, a hop count, or proxy addresses/CIDRs, comma-separated; true trusts every hop',
  }),
  BODY_LIMIT_BYTES: int(32768, 1024, 1048576),
  // Every server-side wait is bounded: a slow client cannot hold a connection (slowloris).
  HTTP_HEADERS_TIMEOUT_MS: int(10000, 500, 120000),
  HTTP_REQUEST_TIMEOUT_MS: int(30000, 500, 300000),
  HTTP_KEEP_ALIVE_TIMEOUT_MS: int(72000, 1000, 600000),
  HTTP_MAX_CONNECTIONS: int(8192, 1, 1000000),
  API_KEYS: Type.Optional(Type.String({ minLength: 1 })),
  REDIS_MODE: Type.Union([Type.Literal('standalone'), Type.Literal('cluster')], { default: 'standalone' }),
  REDIS_URL: Type.String({ default: 'redis://127.0.0.1:6379' }),
  REDIS_USERNAME: Type.Optional(Type.String({ minLength: 1 })),
  // Kept out of REDIS_URL so a secret store can inject it alone (ElastiCache AUTH token).
  REDIS_PASSWORD: Type.Optional(Type.String({ minLength: 1, maxLength: 512 })),
  // Replicas that must acknowledge a verify (and a send count) before it is answered; see SECURITY.md.
  REDIS_MIN_REPLICAS_ACK: Type.Optional(Type.Integer({ minimum: 0, maximum: 5 })),
  REDIS_REPLICA_ACK_TIMEOUT_MS: Type.Optional(Type.Integer({ minimum: 10, maximum: 10000 })),
  REDIS_KEY_PREFIX: Type.String({ default: 'pl:', pattern: '^[A-Za-z0-9:_-]{0,32}$' }),
  REDIS_COMMAND_TIMEOUT_MS: int(1000, 50, 30000),
  PIN_HMAC_SECRET: Type.Optional(Type.String({ minLength: 32 })),
  KEY_HASH_SECRET: Type.Optional(Type.String({ minLength: 32 })),
  PIN_LENGTH: int(6, 4, 10),
  PIN_TTL_SECONDS: int(300, 30, 600),
  PIN_MAX_ATTEMPTS: int(5, 1, 10),
  PIN_MAX_SENDS: int(5, 1, 10),
  PIN_RESEND_COOLDOWN_SECONDS: int(30, 0, 600),
  PHONE_MAX_FAILURES: int(10, 1, 100),
  PHONE_FAILURE_WINDOW_SECONDS: int(3600, 60, 604800),
  // NIST SP 800-63B: at most 100 consecutive failures per account, lower limits allowed.
  PHONE_MAX_CONSECUTIVE_FAILURES: int(100, 1, 100),
  PHONE_CONSECUTIVE_WINDOW_DAYS: int(30, 1, 365),
  PHONE_MAX_SENDS: int(5, 1, 100),
  PHONE_SEND_WINDOW_SECONDS: int(900, 60, 86400),
  TRUST_TTL_DAYS: int(90, 0, 3650),
  DEFAULT_LOCALE: OneOf(LOCALES, { default: 'en' }),
  DEFAULT_COUNTRY: Type.Optional(Type.String({ pattern: '^[A-Z]{2}$' })),
  SMS_PROVIDER: Type.Optional(Type.Union([Type.Literal('sns'), Type.Literal('eum'), Type.Literal('log')])),
  SMS_BRAND: Type.String({ default: 'pinline', minLength: 1, maxLength: 30 }),
  SMS_SENDER_ID: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9]{1,11}$' })),
  SMS_ORIGINATION_NUMBER: Type.Optional(Type.String({ pattern: '^\\+[1-9][0-9]{6,14}$' })),
  SMS_TIMEOUT_MS: int(3000, 100, 30000),
  SMS_MAX_ATTEMPTS: int(3, 1, 5),
  CALLER_ID_AUTH: Type.Union([Type.Literal('trust'), Type.Literal('verify')], { default: 'trust' }),
  // Order sessions, the menu and KMS-encrypted PINs
  MENU_FILE: Type.Optional(Type.String({ minLength: 1 })),
  SESSION_TTL_SECONDS: int(900, 60, 86400),
  SESSION_MAX_AGE_SECONDS: int(28800, 60, 604800),
  KMS_KEY_ID: Type.Optional(Type.String({ minLength: 1, maxLength: 2048 })),
  KMS_TIMEOUT_MS: int(1000, 100, 10000),
  KMS_MAX_ATTEMPTS: int(2, 1, 5),
  // SMS pumping guards (see SECURITY.md) and HTTP rate limits.
  SMS_ALLOWED_COUNTRIES: Type.String({
    default: 'JP',
    pattern: '^ *(\\*|[A-Z]{2}( *, *[A-Z]{2})*) *$',
    description: 'ISO codes, comma-separated; * = anywhere',
  }),
  SMS_PREFIX_DROP_DIGITS: int(3, 1, 6),
  SMS_PREFIX_MAX_SENDS: int(20, 1, 1000000),
  SMS_PREFIX_KNOWN_MAX_SENDS: int(100, 0, 1000000),
  SMS_PREFIX_WINDOW_SECONDS: int(3600, 60, 86400),
  SMS_DAILY_LIMIT: int(10000, 1, 100000000),
  SMS_KEY_MAX_SENDS: int(1000, 1, 100000000),
  SMS_KEY_WINDOW_SECONDS: int(3600, 60, 86400),
  RATE_LIMIT_WINDOW_SECONDS: int(60, 1, 3600),
  RATE_LIMIT_PER_KEY: int(1200, 1, 100000000),
  RATE_LIMIT_PER_IP: int(600, 1, 100000000),
  // A busy client's budget is leased from Redis in batches sized for this much of its traffic (0: none).
  RATE_LIMIT_LEASE_MS: int(100, 0, 1000),
  // The channel routes (Lambda shims): their own limits, per key, per contact/conversation, per caller number.
  CHANNEL_RATE_LIMIT_WINDOW_SECONDS: int(60, 1, 3600),
  CHANNEL_RATE_LIMIT_PER_KEY: int(3000, 1, 100000000),
  CHANNEL_RATE_LIMIT_PER_CONVERSATION: int(60, 1, 100000),
  CHANNEL_RATE_LIMIT_PER_NUMBER: int(30, 1, 100000),
  METRICS_PURPOSES: Type.String({
    default: '',
    pattern: '^ *([a-z0-9_-]{1,32}( *, *[a-z0-9_-]{1,32}){0,49})? *$',
    description: 'purpose labels counted by name in /metrics; others count as other',
  }),
  TEST_NUMBERS: Type.Optional(Type.String({ description: 'number:code pairs, comma-separated' })),
  ALLOW_TEST_NUMBERS: Type.Boolean({ default: false }),
  // AWS End User Messaging SMS and Voice v2: SMS (SMS_PROVIDER=eum) and PINs by phone call
  EUM_ORIGINATION_IDENTITY: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
  EUM_CONFIGURATION_SET: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
  EUM_PROTECT_CONFIGURATION_ID: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
  EUM_MAX_PRICE: Type.Optional(Type.String({ pattern: '^[0-9]{0,2}\\.[0-9]{2,5}$' })),
  VOICE_PROVIDER: Type.Optional(Type.Union([Type.Literal('eum'), Type.Literal('log')])),
  VOICE_ORIGINATION_IDENTITY: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
  VOICE_MAX_PRICE_PER_MINUTE: Type.Optional(Type.String({ pattern: '^[0-9]{0,2}\\.[0-9]{2,5}$' })),
  VOICE_ID_EN: Type.String({ default: 'JOANNA', pattern: '^[A-Z_]{2,32}$' }),
  VOICE_ID_JA: Type.String({ default: 'MIZUKI', pattern: '^[A-Z_]{2,32}$' }),
  VOICE_DAILY_LIMIT: int(1000, 1, 100000000),
  LEX_PIN_CHANNEL: Type.Union([Type.Literal('sms'), Type.Literal('voice'), Type.Literal('auto')], { default: 'sms' }),
  // Signed verification assertions (JWS ES256)
  ASSERTION_SIGNING_KEY: Type.Optional(Type.String({ minLength: 1 })),
  ASSERTION_SIGNING_SEED: Type.Optional(Type.String({ minLength: 32 })),
  ASSERTION_PREVIOUS_KEY: Type.Optional(Type.String({ minLength: 1 })),
  ASSERTION_ISSUER: Type.String({ default: 'pinline', minLength: 1, maxLength: 256 }),
  ASSERTION_TTL_SECONDS: int(600, 30, 3600),
  // Verification events: EventBridge and/or a signed webhook, off the request path
  EVENTS_EVENTBRIDGE_BUS: Type.Optional(Type.String({ minLength: 1, maxLength: 1600 })),
  EVENTS_SOURCE: Type.String({ default: 'pinline', pattern: '^(?!aws\\.)[A-Za-z0-9._/-]{1,256}$' }),
  EVENTS_WEBHOOK_URL: Type.Optional(Type.String({ pattern: '^https?://[^\\s]+$' })),
  EVENTS_WEBHOOK_SECRET: Type.Optional(Type.String({ minLength: 32 })),
  EVENTS_BACKLOG_MAX: int(10000, 1, 1000000),
  EVENTS_TIMEOUT_MS: int(2000, 100, 30000),
  EVENTS_RETRY_MAX_MS: int(10000, 100, 300000),
})
