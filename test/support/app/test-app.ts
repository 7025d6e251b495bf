import { randomUUID } from 'node:crypto'
import type { FastifyInstance } from 'fastify'
import { Cluster } from 'ioredis'
import { afterAll, beforeAll, beforeEach, inject, onTestFinished } from 'vitest'
import { buildApp } from '../../../services/auth/src/app.ts'
import { loadConfig, type Config } from '../../../services/auth/src/config.ts'
import type { SmsMessage, SmsSender, VoiceSender } from '../../../services/auth/src/core/ports.ts'
import { loggerOptions } from '../../../services/auth/src/logging.ts'

export const TEST_API_KEY = 'test-key-0123456789abcdef'
export const TEST_SECRET = 'test-secret-0123456789-0123456789-0123456789'
export const auth = { authorization: `Bearer ${TEST_API_KEY}` }

/** The SMS port, recording what would have been sent (the SNS wire path has its own tests). */
export interface RecordingSms extends SmsSender {
  sent: SmsMessage[]
  /** Every message handed to the sender, accepted or not (one whose outcome is unknown may arrive). */
  attempted: SmsMessage[]
  /** The PIN in the last SMS to `to` (any number when omitted). */
  lastPin(to?: string): string
  failNext(count: number, error?: Error): void
  /** Holds the next send, like a provider that has not answered yet, until accept() or fail(). */
  holdNext(): SmsHold
}

export interface SmsHold {
  /** Resolves once the held send has started (the request is waiting on the provider). */
  reached: Promise<void>
  accept(): void
  fail(error?: Error): void
}

export function recordingSms(): RecordingSms {
  const sent: SmsMessage[] = []
  const attempted: SmsMessage[] = []
  let failures: Error[] = []
  const holds: Array<{ arrive(): void; outcome: Promise<Error | undefined> }> = []
  return {
    sent,
    attempted,
    async send(message) {
      attempted.push(message)
      const hold = holds.shift()
      if (hold) {
        hold.arrive()
        const refused = await hold.outcome
        if (refused) throw refused
      }
      const err = failures.shift()
      if (err) throw err
      sent.push(message)
    },
    lastPin(to) {
      const msg = [...sent].reverse().find((m) => !to || m.to === to)
      const pin = msg?.body.match(/\b(\d{4,10})\b/)?.[1]
      if (!pin) throw new Error(`no PIN was sent${to ? ` to ${to}` : ''}`)
      return pin
    },
    failNext(count, error = new Error('provider refused')) {
      failures = Array.from({ length: count }, () => error)
    },
    holdNext() {
      const reached = Promise.withResolvers<void>()
      const outcome = Promise.withResolvers<Error | undefined>()
      holds.push({ arrive: () => reached.resolve(), outcome: outcome.promise })
      return {
        reached: reached.promise,
        accept: () => outcome.resolve(undefined),
        fail: (error = new Error('provider refused')) => outcome.resolve(error),
      }
    },
  }
}

export interface TestApp {
  app: FastifyInstance
  config: Config
  sms: RecordingSms
  /** The key prefix this app writes under: tests share one Redis, never its keys. */
  prefix: string
  /** The app's log (pino JSON lines, with the production redaction) when built with `{ logs: true }`. */
  logs(): string
}

/** A real app on the shared test Redis, under a key prefix of its own. */
export async function buildTestApp(
  env: Record<string, string> = {},
  opts: { sms?: RecordingSms; logs?: boolean; voice?: VoiceSender } = {},
): Promise<TestApp> {
  const prefix = `t${randomUUID().slice(0, 8)}:`
  const config = loadConfig({
    NODE_ENV: 'test',
    REDIS_URL: inject('redisUrl'),
    // A test that brings its own Redis (REDIS_URL) brings a single node unless it says otherwise.
    REDIS_MODE: env.REDIS_URL === undefined ? inject('redisMode') : 'standalone',
    // On a cluster, approvals wait for a replica: on a busy CI machine a replica process can be
    // off the CPU for longer than the production default allows, which would be a 503 here.
    ...(inject('redisMode') === 'cluster' && env.REDIS_URL === undefined && env.REDIS_COMMAND_TIMEOUT_MS === undefined
      ? { REDIS_COMMAND_TIMEOUT_MS: '2000', REDIS_REPLICA_ACK_TIMEOUT_MS: '1000' }
      : {}),
    REDIS_KEY_PREFIX: prefix,
    PIN_HMAC_SECRET: TEST_SECRET,
    API_KEYS: TEST_API_KEY,
    LOG_LEVEL: opts.logs ? 'info' : 'silent',
    ...env,
  })
  const sms = opts.sms ?? recordingSms()
  let lines = ''
  const logger = opts.logs
    ? { ...loggerOptions(config.http.logLevel), stream: { write: (line: string) => void (lines += line) } }
    : false
  const app = await buildApp({ config, sms, logger, ...(opts.voice ? { voice: opts.voice } : {}) })
  return { app, config, sms, prefix: config.redis.keyPrefix, logs: () => lines }
}

/** buildTestApp for one test: the app closes itself when the test finishes, pass or fail. */
export async function useTestApp(
  env: Record<string, string> = {},
  opts: { sms?: RecordingSms; logs?: boolean; voice?: VoiceSender } = {},
): Promise<TestApp> {
  const t = await buildTestApp(env, opts)
  onTestFinished(() => t.app.close())
  return t
}

/**
 * One app for all the tests of a file: built before the first, closed after the last, its SMS
 * record emptied before each. `use` receives it: `shareTestApp(env, (app) => (t = app))`.
 */
export function shareTestApp(env: Record<string, string>, use: (t: TestApp) => void): void {
  let shared: TestApp | undefined
  beforeAll(async () => {
    shared = await buildTestApp(env)
    use(shared)
  })
  afterAll(() => shared?.app.close())
  beforeEach(() => {
    if (shared) shared.sms.sent.length = 0
  })
}

/**
 * Every key of state this app wrote (to prove that refused requests wrote nothing). Rate-limit
 * counters are left out: every authenticated request moves them, by design.
 */
export async function keysOf(t: TestApp): Promise<string[]> {
  const counters = t.app.keys.rateLimit.namespace
  return (await keysMatching(t, `${t.prefix}*`)).filter((k) => !k.startsWith(counters)).sort()
}

/** The rate-limit counters this app wrote. */
export async function rateLimitKeysOf(t: TestApp): Promise<string[]> {
  return (await keysMatching(t, `${t.app.keys.rateLimit.namespace}*`)).sort()
}

/** KEYS on every primary of a cluster (a test-only look at the whole keyspace), or on the one node. */
export async function keysMatching(t: TestApp, pattern: string): Promise<string[]> {
  const redis = t.app.redis
  if (!(redis instanceof Cluster)) return redis.keys(pattern)
  return (await Promise.all(redis.nodes('master').map((node) => node.keys(pattern)))).flat()
}
