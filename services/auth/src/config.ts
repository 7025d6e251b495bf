import type { VoiceId } from '@aws-sdk/client-pinpoint-sms-voice-v2'
import envSchema from 'env-schema'
import { createRequire } from 'node:module'
import { isIP } from 'node:net'
import { getCountries } from 'libphonenumber-js/max'
import type { Static } from 'typebox'
import {
  deriveSigningKey,
  generateSigningKey,
  parseKey,
  type AssertionKeys,
} from './adapters/assertions/key-material.ts'
import { loadMenu } from './adapters/menu/menu-file.ts'
import { snsSendDeadlineMs } from './adapters/sms/send-deadline.ts'
import type { MenuItem } from './core/menu.ts'
import { normalisePhone } from './core/phone.ts'
import type { SessionPolicy } from './core/sessions.ts'
import type { VerificationPolicy } from './core/verification.ts'
import { Env } from './schemas/env.ts'

type EnvValues = Static<typeof Env>

/** The settings, grouped by what they configure and in the units of the code that uses them. */
export type Config = ReturnType<typeof loadConfig>

/**
 * The name of every variable loadConfig reads (besides API_KEY_<NAME>): the deploy app sets only
 * these, and the README's configuration table lists the same.
 */
export type ConfigVariable = keyof EnvValues
export const CONFIG_VARIABLES = Object.keys(Env.properties) as ConfigVariable[]

const DEVELOPMENT_SECRET = 'development-only-secret-never-use-in-production'
const DAY = 86_400 // seconds

export class ConfigError extends Error {
  override name = 'ConfigError'
}

/** Reads and validates the environment once; a bad value throws naming the variable. */
export function loadConfig(source: Record<string, string | undefined> = process.env) {
  let e: EnvValues
  try {
    e = envSchema<EnvValues>({ schema: Env as object, data: { ...source } })
  } catch (err) {
    throw new ConfigError(`Invalid configuration: ${(err as Error).message}`)
  }
  const production = e.NODE_ENV === 'production'
  const apiKeys = allApiKeys(parseApiKeys(e.API_KEYS ?? ''), readApiKeyVariables(source))
  if (production && apiKeys.length === 0)
    throw new ConfigError(
      'Invalid configuration: API_KEYS is required when NODE_ENV=production (or API_KEY_<NAME> variables)',
    )
  if (production && !e.PIN_HMAC_SECRET)
    throw new ConfigError('Invalid configuration: PIN_HMAC_SECRET is required when NODE_ENV=production')
  const provider = e.SMS_PROVIDER ?? (production ? 'sns' : 'log')
  if (production && provider === 'log')
    throw new ConfigError(
      'Invalid configuration: SMS_PROVIDER=log writes PINs to the log and is refused when NODE_ENV=production',
    )
  if (production && e.VOICE_PROVIDER === 'log')
    throw new ConfigError(
      'Invalid configuration: VOICE_PROVIDER=log writes PINs to the log and is refused when NODE_ENV=production',
    )
  if (e.VOICE_PROVIDER === 'eum' && !e.VOICE_ORIGINATION_IDENTITY) {
    throw new ConfigError(
      'Invalid configuration: VOICE_ORIGINATION_IDENTITY is required with VOICE_PROVIDER=eum (a number or pool that can place voice calls)',
    )
  }
  if (e.LEX_PIN_CHANNEL === 'voice' && !e.VOICE_PROVIDER)
    throw new ConfigError('Invalid configuration: LEX_PIN_CHANNEL=voice needs VOICE_PROVIDER')
  const voices = { en: voiceId(e.VOICE_ID_EN, 'VOICE_ID_EN'), ja: voiceId(e.VOICE_ID_JA, 'VOICE_ID_JA') }
  if (Boolean(e.EVENTS_WEBHOOK_URL) !== Boolean(e.EVENTS_WEBHOOK_SECRET)) {
    throw new ConfigError(
      'Invalid configuration: EVENTS_WEBHOOK_URL and EVENTS_WEBHOOK_SECRET go together (the secret signs every delivery)',
    )
  }
  if (production && e.EVENTS_WEBHOOK_URL?.startsWith('http:')) {
    throw new ConfigError('Invalid configuration: EVENTS_WEBHOOK_URL must be https when NODE_ENV=production')
  }
  const assertionKeys = loadAssertionKeys(
    e.ASSERTION_SIGNING_KEY,
    e.ASSERTION_SIGNING_SEED,
    e.ASSERTION_PREVIOUS_KEY,
    production,
  )
  if (e.HTTP_REQUEST_TIMEOUT_MS < e.HTTP_HEADERS_TIMEOUT_MS)
    throw new ConfigError('Invalid configuration: HTTP_REQUEST_TIMEOUT_MS must be at least HTTP_HEADERS_TIMEOUT_MS')
  if (e.SESSION_MAX_AGE_SECONDS < e.SESSION_TTL_SECONDS)
    throw new ConfigError('Invalid configuration: SESSION_MAX_AGE_SECONDS must be at least SESSION_TTL_SECONDS')
  let menu: MenuItem[]
  try {
    menu = loadMenu(e.MENU_FILE)
  } catch (err) {
    throw new ConfigError(`Invalid configuration: MENU_FILE: ${(err as Error).message}`)
  }
  if (e.REDIS_MODE === 'cluster') parseSeedUrls(e.REDIS_URL)
  // WAIT answers within its own timeout, which must leave the command time to reply.
  const replicaAckTimeoutMs =
    e.REDIS_REPLICA_ACK_TIMEOUT_MS ?? Math.min(250, Math.floor(e.REDIS_COMMAND_TIMEOUT_MS / 2))
  if (replicaAckTimeoutMs >= e.REDIS_COMMAND_TIMEOUT_MS) {
    throw new ConfigError('Invalid configuration: REDIS_REPLICA_ACK_TIMEOUT_MS must be below REDIS_COMMAND_TIMEOUT_MS')
  }
  const allowedCountries = parseCountries(e.SMS_ALLOWED_COUNTRIES)
  const testNumbers = parseTestNumbers(e.TEST_NUMBERS, e.PIN_LENGTH, e.DEFAULT_COUNTRY)
  if (production && testNumbers.size > 0 && !e.ALLOW_TEST_NUMBERS) {
    throw new ConfigError(
      'Invalid configuration: TEST_NUMBERS is refused when NODE_ENV=production unless ALLOW_TEST_NUMBERS=true',
    )
  }
  // Outside production a fixed development secret keeps Redis keys stable across restarts.
  const secret = e.PIN_HMAC_SECRET ?? DEVELOPMENT_SECRET
  const sms = {
    provider,
    senderId: e.SMS_SENDER_ID,
    originationNumber: e.SMS_ORIGINATION_NUMBER,
    timeoutMs: e.SMS_TIMEOUT_MS,
    maxAttempts: e.SMS_MAX_ATTEMPTS,
  }
  const verification: VerificationPolicy = {
    secret,
    pinLength: e.PIN_LENGTH,
    ttlMs: e.PIN_TTL_SECONDS * 1000,
    maxAttempts: e.PIN_MAX_ATTEMPTS,
    maxSendsPerChallenge: e.PIN_MAX_SENDS,
    resendCooldownMs: e.PIN_RESEND_COOLDOWN_SECONDS * 1000,
    phoneMaxFailures: e.PHONE_MAX_FAILURES,
    phoneFailureWindowSeconds: e.PHONE_FAILURE_WINDOW_SECONDS,
    phoneMaxConsecutiveFailures: e.PHONE_MAX_CONSECUTIVE_FAILURES,
    phoneConsecutiveWindowSeconds: e.PHONE_CONSECUTIVE_WINDOW_DAYS * DAY,
    phoneMaxSends: e.PHONE_MAX_SENDS,
    phoneSendWindowSeconds: e.PHONE_SEND_WINDOW_SECONDS,
    trustTtlSeconds: e.TRUST_TTL_DAYS * DAY,
    // From the create script to the delivery record: the known-caller read, three spend-counter
    // steps (client, prefix, day), the SMS (its whole deadline), the record itself; plus a
    // second for clocks and event-loop delays.
    deliveryGraceMs: snsSendDeadlineMs(sms) + 5 * e.REDIS_COMMAND_TIMEOUT_MS + 1000,
    brand: e.SMS_BRAND,
    defaultLocale: e.DEFAULT_LOCALE,
    defaultCountry: e.DEFAULT_COUNTRY,
    enrolDefaults: { firstName: 'New', lastName: 'Customer', custLevel: 'Welcome' },
    allowedCountries,
    prefixDropDigits: e.SMS_PREFIX_DROP_DIGITS,
    prefixMaxSends: e.SMS_PREFIX_MAX_SENDS,
    prefixKnownMaxSends: e.SMS_PREFIX_KNOWN_MAX_SENDS,
    prefixWindowSeconds: e.SMS_PREFIX_WINDOW_SECONDS,
    dailyLimit: e.SMS_DAILY_LIMIT,
    voiceDailyLimit: e.VOICE_DAILY_LIMIT,
    clientMaxSends: e.SMS_KEY_MAX_SENDS,
    clientWindowSeconds: e.SMS_KEY_WINDOW_SECONDS,
    testNumbers,
  }
  const sessions: SessionPolicy = {
    secret,
    idleTtlMs: e.SESSION_TTL_SECONDS * 1000,
    maxAgeMs: e.SESSION_MAX_AGE_SECONDS * 1000,
    // Enough for any real order, small enough that the Lex currentOrder attribute stays far below 12 KB.
    maxQuantity: 99,
    maxLines: 50,
    defaultLocale: e.DEFAULT_LOCALE,
  }
  return {
    env: e.NODE_ENV,
    http: {
      host: e.HOST,
      port: e.PORT,
      logLevel: e.LOG_LEVEL,
      /** Fastify's trustProxy: false, a hop count, or proxy addresses/CIDRs; true (every hop) is warned about at start. */
      trustProxy: parseTrustProxy(e.TRUST_PROXY),
      bodyLimit: e.BODY_LIMIT_BYTES,
      // What one connection may hold: headers and whole-request deadlines, idle keep-alive, a cap on connections.
      headersTimeoutMs: e.HTTP_HEADERS_TIMEOUT_MS,
      requestTimeoutMs: e.HTTP_REQUEST_TIMEOUT_MS,
      keepAliveTimeoutMs: e.HTTP_KEEP_ALIVE_TIMEOUT_MS,
      maxConnections: e.HTTP_MAX_CONNECTIONS,
    },
    /** Bearer keys with their names and scopes (API_KEYS and API_KEY_<NAME>). Outside production a fixed development key keeps the first run to one command. */
    apiKeys:
      apiKeys.length > 0
        ? apiKeys
        : [
            {
              name: 'development',
              key: 'dev-key-change-me-0000',
              scopes: new Set(API_KEY_SCOPES),
              bare: false,
            } satisfies ApiKey,
          ],
    /** keySecret keys the hashes of numbers and e-mails in Redis keys (KEY_HASH_SECRET, else PIN_HMAC_SECRET). */
    redis: {
      /** standalone: one node (url); cluster: url is a comma-separated list of seed nodes. */
      mode: e.REDIS_MODE,
      url: e.REDIS_URL,
      /** ACL user and AUTH password; they override the URL's. */
      username: e.REDIS_USERNAME,
      password: e.REDIS_PASSWORD,
      keyPrefix: e.REDIS_KEY_PREFIX,
      commandTimeoutMs: e.REDIS_COMMAND_TIMEOUT_MS,
      keySecret: e.KEY_HASH_SECRET ?? secret,
      /** Replicas that must acknowledge (WAIT) a verify or a send count before it is answered; 0 = none. */
      // A cluster fails over on its own: by default an approval waits for one replica (SECURITY.md).
      minReplicasAck: e.REDIS_MIN_REPLICAS_ACK ?? (e.REDIS_MODE === 'cluster' ? 1 : 0),
      replicaAckTimeoutMs,
    },
    verification,
    sessions,
    sms,
    /** AWS End User Messaging SMS and Voice v2 settings (SMS_PROVIDER=eum and VOICE_PROVIDER=eum). */
    eum: {
      originationIdentity: e.EUM_ORIGINATION_IDENTITY,
      configurationSet: e.EUM_CONFIGURATION_SET,
      protectConfigurationId: e.EUM_PROTECT_CONFIGURATION_ID,
      maxPrice: e.EUM_MAX_PRICE,
    },
    voice: {
      provider: e.VOICE_PROVIDER,
      originationIdentity: e.VOICE_ORIGINATION_IDENTITY,
      maxPricePerMinute: e.VOICE_MAX_PRICE_PER_MINUTE,
      voices,
    },
    /** How the Lex bot sends its PINs */
    lexPinChannel: e.LEX_PIN_CHANNEL,
    assertions: { keys: assertionKeys, issuer: e.ASSERTION_ISSUER, ttlSeconds: e.ASSERTION_TTL_SECONDS },
    events: {
      eventBridgeBus: e.EVENTS_EVENTBRIDGE_BUS,
      source: e.EVENTS_SOURCE,
      webhookUrl: e.EVENTS_WEBHOOK_URL,
      webhookSecret: e.EVENTS_WEBHOOK_SECRET,
      backlogMax: e.EVENTS_BACKLOG_MAX,
      timeoutMs: e.EVENTS_TIMEOUT_MS,
      retryMaxMs: e.EVENTS_RETRY_MAX_MS,
    },
    kms: { keyId: e.KMS_KEY_ID, timeoutMs: e.KMS_TIMEOUT_MS, maxAttempts: e.KMS_MAX_ATTEMPTS },
    rateLimit: {
      windowMs: e.RATE_LIMIT_WINDOW_SECONDS * 1000,
      perApiKey: e.RATE_LIMIT_PER_KEY,
      perIp: e.RATE_LIMIT_PER_IP,
      leaseMs: e.RATE_LIMIT_LEASE_MS,
    },
    channelRateLimit: {
      windowSeconds: e.CHANNEL_RATE_LIMIT_WINDOW_SECONDS,
      perKey: e.CHANNEL_RATE_LIMIT_PER_KEY,
      perConversation: e.CHANNEL_RATE_LIMIT_PER_CONVERSATION,
      perNumber: e.CHANNEL_RATE_LIMIT_PER_NUMBER,
    },
    /** `purpose` values counted by name in /metrics (besides pinline's own); others count as `other`. */
    metricsPurposes: e.METRICS_PURPOSES.split(',')
      .map((x) => x.trim())
      .filter(Boolean),
    /** trust: a known caller ID authenticates; verify: known callers also need a PIN. */
    callerIdAuth: e.CALLER_ID_AUTH,
    menu,
  }
}

/** A generated key signs assertions no other process can verify after a restart: development only. */
function loadAssertionKeys(
  signing: string | undefined,
  seed: string | undefined,
  previous: string | undefined,
  production: boolean,
): AssertionKeys {
  if (signing && seed)
    throw new ConfigError('Invalid configuration: set ASSERTION_SIGNING_KEY or ASSERTION_SIGNING_SEED, not both')
  if (!signing && !seed && production) {
    throw new ConfigError(
      'Invalid configuration: ASSERTION_SIGNING_KEY is required when NODE_ENV=production (an EC P-256 private key, PEM or JWK; or ASSERTION_SIGNING_SEED, a random secret of 32+ characters it is derived from); it is only generated in development',
    )
  }
  try {
    return {
      signing: signing
        ? parseKey(signing, 'ASSERTION_SIGNING_KEY', 'private')
        : seed
          ? deriveSigningKey(seed)
          : generateSigningKey(),
      previous: previous ? [parseKey(previous, 'ASSERTION_PREVIOUS_KEY', 'public')] : [],
      generated: !signing && !seed,
    }
  } catch (err) {
    throw new ConfigError(`Invalid configuration: ${(err as Error).message}`)
  }
}

// The defaults of VOICE_ID_EN and VOICE_ID_JA, which are End User Messaging voices: only another
// value loads the SDK's list to be checked (the SDK costs tens of MB, and most deployments never call).
const defaultOf = (schema: object) => (schema as { default: string }).default
const DEFAULT_VOICES: ReadonlySet<string> = new Set([
  defaultOf(Env.properties.VOICE_ID_EN),
  defaultOf(Env.properties.VOICE_ID_JA),
])

function voiceId(value: string, variable: string): VoiceId {
  if (DEFAULT_VOICES.has(value)) return value as VoiceId
  const sdk = createRequire(import.meta.url)(
    '@aws-sdk/client-pinpoint-sms-voice-v2',
  ) as typeof import('@aws-sdk/client-pinpoint-sms-voice-v2')
  if (!(Object.values(sdk.VoiceId) as string[]).includes(value))
    throw new ConfigError(
      `Invalid configuration: ${variable}: ${value} is not an End User Messaging voice (e.g. JOANNA, MIZUKI, TAKUMI)`,
    )
  return value as VoiceId
}

export interface SeedNode {
  host: string
  port: number
  tls: boolean
  username: string | undefined
  password: string | undefined
}

/** REDIS_URL in cluster mode: `redis://` or `rediss://` seed nodes, comma-separated, all of one scheme. */
export function parseSeedUrls(value: string): SeedNode[] {
  const seeds = value
    .split(',')
    .map((u) => u.trim())
    .filter(Boolean)
    .map((raw, i) => {
      let url: URL
      try {
        url = new URL(raw)
      } catch {
        // Named by position, not by content: the URL may hold a password.
        throw new ConfigError(`Invalid configuration: REDIS_URL: seed ${i + 1} is not a URL`)
      }
      if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') {
        throw new ConfigError(`Invalid configuration: REDIS_URL: seed ${i + 1} must start with redis:// or rediss://`)
      }
      if (!url.hostname) throw new ConfigError(`Invalid configuration: REDIS_URL: seed ${i + 1} has no host`)
      if (url.pathname.length > 1 && url.pathname !== '/0') {
        throw new ConfigError(
          `Invalid configuration: REDIS_URL: seed ${i + 1} names a database; a cluster has only database 0`,
        )
      }
      return {
        host: url.hostname.replace(/^\[|\]$/g, ''),
        port: url.port ? Number(url.port) : 6379,
        tls: url.protocol === 'rediss:',
        username: url.username ? decodeURIComponent(url.username) : undefined,
        password: url.password ? decodeURIComponent(url.password) : undefined,
      }
    })
  if (seeds.length === 0) throw new ConfigError('Invalid configuration: REDIS_URL: no seed node given')
  if (new Set(seeds.map((s) => s.tls)).size > 1) {
    throw new ConfigError('Invalid configuration: REDIS_URL: seeds mix redis:// and rediss://')
  }
  return seeds
}

function parseCountries(value: string): '*' | string[] {
  if (value.trim() === '*') return '*'
  const known = new Set<string>(getCountries())
  const codes = value.split(',').map((c) => c.trim())
  const unknown = codes.find((c) => !known.has(c))
  if (unknown)
    throw new ConfigError(
      `Invalid configuration: SMS_ALLOWED_COUNTRIES: ${unknown} is not a country code that phone numbers use`,
    )
  return [...new Set(codes)]
}

/** TEST_NUMBERS: `+819000000001:123456,+819000000002:654321`; each number valid, each code PIN_LENGTH digits. */
function parseTestNumbers(
  value: string | undefined,
  pinLength: number,
  defaultCountry: string | undefined,
): Map<string, string> {
  const numbers = new Map<string, string>()
  const entries = (value ?? '')
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean)
  for (const [i, entry] of entries.entries()) {
    const [number = '', code = '', ...rest] = entry.split(':').map((x) => x.trim())
    const phone = normalisePhone(number, defaultCountry)
    // Named by position, not by content: configuration errors end up in logs.
    const name = `entry ${i + 1}`
    if (!phone || rest.length > 0)
      throw new ConfigError(
        `Invalid configuration: TEST_NUMBERS: ${name} must be <phone number>:<code> with a valid number`,
      )
    if (!new RegExp(`^[0-9]{${pinLength}}$`).test(code))
      throw new ConfigError(
        `Invalid configuration: TEST_NUMBERS: ${name}: the code must be PIN_LENGTH (${pinLength}) ASCII digits`,
      )
    if (numbers.has(phone.e164)) throw new ConfigError(`Invalid configuration: TEST_NUMBERS: ${name} repeats a number`)
    numbers.set(phone.e164, code)
  }
  return numbers
}

/** What a key may do: `channels` (the Lambda shims), `verify` (PINs, sessions, lookups), `admin` (registry writes, unlock). */
export const API_KEY_SCOPES = ['channels', 'verify', 'admin'] as const
export type ApiKeyScope = (typeof API_KEY_SCOPES)[number]

/** One key read from an API_KEY_<NAME> variable. */
export interface NamedApiKey {
  /** <NAME> lower-cased, `_` as `-`: API_KEY_CONNECT_SHIM is "connect-shim". */
  name: string
  key: string
  scopes: ApiKeyScope[]
}

/** The variables readApiKeyVariables reads: API_KEY_ and an upper-case name. */
export const API_KEY_VARIABLE = /^API_KEY_([A-Z0-9]+(?:_[A-Z0-9]+)*)$/

/**
 * Keys given one per variable, `API_KEY_<NAME>={"key":"…","scopes":"channels+verify"}`, besides
 * API_KEYS. A secret store injects a whole secret into one variable but cannot join several
 * into API_KEYS: the deploy app generates one such JSON secret per client (Secrets Manager's
 * GenerateSecretString fills in `key`) and the task definition maps each to its variable.
 * A bad value throws naming the variable, never showing the value.
 */
export function readApiKeyVariables(source: Record<string, string | undefined>): NamedApiKey[] {
  const keys: NamedApiKey[] = []
  for (const variable of Object.keys(source).sort()) {
    const match = API_KEY_VARIABLE.exec(variable)
    const value = source[variable]
    if (!match || value === undefined) continue
    const invalid = (why: string) => new ConfigError(`Invalid configuration: ${variable}: ${why}`)
    let parsed: unknown
    try {
      parsed = JSON.parse(value)
    } catch {
      throw invalid('must be JSON {"key": "…", "scopes": "channels+verify+admin"}')
    }
    const { key, scopes } = (typeof parsed === 'object' && parsed !== null ? parsed : {}) as {
      key?: unknown
      scopes?: unknown
    }
    if (typeof key !== 'string' || key.length < 16 || /[\s,:]/.test(key))
      throw invalid('"key" must be a string of at least 16 characters without spaces, commas or colons')
    if (typeof scopes !== 'string')
      throw invalid(`"scopes" must name one or more of ${API_KEY_SCOPES.join(', ')}, joined by +`)
    const list = scopes.split('+')
    const unknown = list.find((scope) => !(API_KEY_SCOPES as readonly string[]).includes(scope))
    if (unknown !== undefined)
      throw invalid(`"scopes" must name one or more of ${API_KEY_SCOPES.join(', ')}, joined by +`)
    keys.push({ name: match[1]!.toLowerCase().replaceAll('_', '-'), key, scopes: [...new Set(list)] as ApiKeyScope[] })
  }
  return keys
}

export interface ApiKey {
  /** Logged and used for rate limits; never the key itself. */
  name: string
  key: string
  scopes: ReadonlySet<ApiKeyScope>
  /** A bare `key` entry (the old format): every scope, with a warning at start. */
  bare: boolean
}

const KEY_NAME = /^[A-Za-z0-9_.-]{1,64}$/

/**
 * API_KEYS: comma-separated `name:key:scope+scope` entries, e.g.
 * `connect-shim:<key>:channels,crm:<key>:verify,ops:<key>:admin+verify`. A bare `key` entry
 * keeps the old meaning (every scope) and is named by position (`key-1`...). Keys are at least
 * 16 characters; names and keys are unique. Errors name the entry by position, never its content.
 */
export function parseApiKeys(value: string): ApiKey[] {
  const entries = value
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean)
  const out: ApiKey[] = []
  for (const [i, entry] of entries.entries()) {
    const where = `Invalid configuration: API_KEYS: entry ${i + 1}`
    const parts = entry.split(':').map((x) => x.trim())
    let parsed: ApiKey
    if (parts.length === 1) {
      parsed = { name: `key-${i + 1}`, key: parts[0]!, scopes: new Set(API_KEY_SCOPES), bare: true }
    } else if (parts.length === 3) {
      const [name = '', key = '', scopeList = ''] = parts
      if (!KEY_NAME.test(name)) throw new ConfigError(`${where}: the name must be 1 to 64 of A-Z a-z 0-9 _ . -`)
      const scopes = scopeList.split('+').map((x) => x.trim())
      const unknown = scopes.find((x) => !(API_KEY_SCOPES as readonly string[]).includes(x))
      if (unknown !== undefined)
        throw new ConfigError(
          `${where} (${name}): unknown scope "${unknown.slice(0, 20)}"; scopes are ${API_KEY_SCOPES.join(', ')}, joined with +`,
        )
      parsed = { name, key, scopes: new Set(scopes as ApiKeyScope[]), bare: false }
    } else {
      throw new ConfigError(`${where} must be name:key:scope+scope (or a bare key, which has every scope)`)
    }
    if (parsed.key.length < 16)
      throw new ConfigError(`${where} (${parsed.name}): every key must be at least 16 characters`)
    if (out.some((k) => k.name === parsed.name))
      throw new ConfigError(`${where}: the name ${parsed.name} is used twice`)
    if (out.some((k) => k.key === parsed.key))
      throw new ConfigError(`${where} (${parsed.name}): repeats another entry's key`)
    out.push(parsed)
  }
  return out
}

export type TrustProxy = boolean | number | string[]

/**
 * TRUST_PROXY: `false` (the socket address), a hop count (`1`: the address the nearest proxy
 * appended to X-Forwarded-For), or the proxies' addresses/CIDRs, comma-separated. `true` trusts
 * every hop, so the client-written leftmost X-Forwarded-For becomes the client's address.
 */
export function parseTrustProxy(value: string): TrustProxy {
  const v = value.trim()
  if (v === '' || v === 'false') return false
  if (v === 'true') return true
  if (/^[0-9]+$/.test(v)) {
    const hops = Number(v)
    if (hops < 1 || hops > 10)
      throw new ConfigError('Invalid configuration: TRUST_PROXY: a hop count is 1 to 10 (0 is false)')
    return hops
  }
  const entries = v.split(',').map((x) => x.trim())
  for (const [i, entry] of entries.entries()) {
    const [address = '', bits, ...rest] = entry.split('/')
    const family = isIP(address)
    const max = family === 4 ? 32 : 128
    const badBits = bits !== undefined && (!/^[0-9]{1,3}$/.test(bits) || Number(bits) > max)
    if (family === 0 || badBits || rest.length > 0) {
      throw new ConfigError(
        `Invalid configuration: TRUST_PROXY: entry ${i + 1} is not an IP address or CIDR (use false, a hop count, or addresses/CIDRs, comma-separated)`,
      )
    }
  }
  return entries
}

/** API_KEYS and the API_KEY_<NAME> variables together: names and keys unique across both. */
function allApiKeys(fromList: ApiKey[], fromVariables: NamedApiKey[]): ApiKey[] {
  const all = [...fromList]
  for (const k of fromVariables) {
    const where = `Invalid configuration: API_KEY_${k.name.toUpperCase().replaceAll('-', '_')}`
    if (all.some((x) => x.name === k.name))
      throw new ConfigError(`${where}: the name ${k.name} is also used in API_KEYS`)
    if (all.some((x) => x.key === k.key)) throw new ConfigError(`${where}: repeats another key`)
    all.push({ name: k.name, key: k.key, scopes: new Set(k.scopes), bare: false })
  }
  return all
}
