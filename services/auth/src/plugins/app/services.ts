import fp from 'fastify-plugin'
import type { Config } from '../../config.ts'
import { createCallerRegistry } from '../../adapters/redis/caller-store.ts'
import { createChallengeStore } from '../../adapters/redis/challenge-store.ts'
import { createRedis } from '../../adapters/redis/client.ts'
import { failClosed } from '../../adapters/redis/fail-closed.ts'
import { createKeys, type Keys } from '../../adapters/redis/keys.ts'
import type { ScriptedRedis } from '../../adapters/redis/scripts.ts'
import { createSpendCounters } from '../../adapters/redis/spend-counters.ts'
import { createEumClient } from '../../adapters/eum/client.ts'
import { createEumSmsSender } from '../../adapters/eum/sms-sender.ts'
import { createEumVoiceSender } from '../../adapters/eum/voice-sender.ts'
import { createLogSender, createLogVoiceSender } from '../../adapters/sms/log-sender.ts'
import { createSnsSender, snsSendDeadlineMs } from '../../adapters/sms/sns-sender.ts'
import { maskPhone } from '../../core/phone.ts'
import type { CallerRegistry, SmsSender, VoiceSender } from '../../core/ports.ts'
import { createVerification, type Verification } from '../../core/verification.ts'

declare module 'fastify' {
  interface FastifyInstance {
    config: Config
    redis: ScriptedRedis
    keys: Keys
    callers: CallerRegistry
    verification: Verification
  }
}

export interface ServicesOptions {
  config: Config
  /** Replaces the configured SMS provider (tests record what would be sent). */
  sms?: SmsSender
  /** Replaces the configured voice provider (tests record what would be said). */
  voice?: VoiceSender
}

/** Wires the adapters to the core and decorates the instance with them. */
export default fp<ServicesOptions>(async (fastify, { config, sms, voice }) => {
  const redis = createRedis(config.redis)
  // ioredis emits 'error' on every failed reconnect: log the outage once, and the recovery.
  let down = false
  redis.on('error', (err: Error) => {
    if (!down) fastify.log.error({ err }, 'Redis connection lost; requests get 503 until it is back')
    down = true
  })
  redis.on('ready', () => {
    if (down) fastify.log.info('Redis connection restored')
    down = false
  })
  // Wait for the first connection, but start anyway if Redis is down: until it
  // answers, requests get 503 and /readyz says so, and ioredis keeps reconnecting.
  await redis.connect().catch(() => undefined)
  fastify.addHook('onClose', async () => {
    await redis.quit().catch(() => redis.disconnect())
  })

  const keys = createKeys(config.redis.keyPrefix, config.redis.keySecret)
  const callers = failClosed(createCallerRegistry(redis, keys))
  // One deadline for a send whatever the provider: the delivery grace below is built on it.
  const deadlineMs = snsSendDeadlineMs(config.sms)
  const needsEum = config.sms.provider === 'eum' || config.voice.provider === 'eum'
  const eum = needsEum ? createEumClient({ timeoutMs: config.sms.timeoutMs, maxAttempts: config.sms.maxAttempts }) : undefined
  const eumShared = { configurationSet: config.eum.configurationSet, protectConfigurationId: config.eum.protectConfigurationId, deadlineMs }
  const sender = sms ?? (
    config.sms.provider === 'log' ? createLogSender(fastify.log)
      : config.sms.provider === 'eum' ? createEumSmsSender(eum!, { ...eumShared, originationIdentity: config.eum.originationIdentity, maxPrice: config.eum.maxPrice })
        : createSnsSender(config.sms))
  const caller = voice ?? (
    config.voice.provider === 'log' ? createLogVoiceSender(fastify.log)
      : config.voice.provider === 'eum' ? createEumVoiceSender(eum!, {
        ...eumShared, originationIdentity: config.voice.originationIdentity!, maxPricePerMinute: config.voice.maxPricePerMinute, voices: config.voice.voices,
      })
        : undefined)
  if (config.testNumbers.size > 0) {
    fastify.log.warn({ testNumbers: [...config.testNumbers.keys()].map(maskPhone) }, 'TEST_NUMBERS is set: these numbers get no SMS and a fixed code')
  }

  fastify.decorate('config', config)
  fastify.decorate('redis', redis)
  fastify.decorate('keys', keys)
  fastify.decorate('callers', callers)
  fastify.decorate('verification', createVerification({
    store: failClosed(createChallengeStore(redis, keys)),
    callers,
    sms: sender,
    voice: caller,
    assertions: fastify.assertions,
    spend: failClosed(createSpendCounters(redis, keys)),
    events: {
      ...fastify.metrics.events,
      ...fastify.verificationEvents,
      // An audit trail: a test number is a fixed code that anyone who knows it can use.
      testNumberUsed: (use) => fastify.log.warn({ testNumber: use.phone, action: use.action }, 'test number used: no SMS sent'),
    },
    policy: {
      secret: config.pin.secret,
      pinLength: config.pin.length,
      ttlMs: config.pin.ttlSeconds * 1000,
      maxAttempts: config.pin.maxAttempts,
      maxSendsPerChallenge: config.pin.maxSends,
      resendCooldownMs: config.pin.resendCooldownSeconds * 1000,
      phoneMaxFailures: config.phone.maxFailures,
      phoneFailureWindowSeconds: config.phone.failureWindowSeconds,
      phoneMaxConsecutiveFailures: config.phone.maxConsecutiveFailures,
      phoneConsecutiveWindowSeconds: config.phone.consecutiveWindowSeconds,
      phoneMaxSends: config.phone.maxSends,
      phoneSendWindowSeconds: config.phone.sendWindowSeconds,
      trustTtlSeconds: config.trustTtlSeconds,
      // From the create script to the delivery record: two spend-counter steps, the SMS (its
      // whole deadline), the record itself; plus a second for clocks and event-loop delays.
      deliveryGraceMs: deadlineMs + 3 * config.redis.commandTimeoutMs + 1000,
      brand: config.sms.brand,
      defaultLocale: config.defaultLocale,
      defaultCountry: config.defaultCountry,
      enrolDefaults: { firstName: 'New', lastName: 'Customer', custLevel: 'Welcome' },
      ...config.smsSpend,
      testNumbers: config.testNumbers,
    },
  }))
}, { name: 'services', dependencies: ['metrics', 'assertions', 'events'] })
