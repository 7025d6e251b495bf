import fp from 'fastify-plugin'
import type { Config } from '../../config.ts'
import { createCallerRegistry } from '../../adapters/redis/caller-store.ts'
import { createChallengeStore } from '../../adapters/redis/challenge-store.ts'
import { createRedis } from '../../adapters/redis/client.ts'
import { failClosed } from '../../adapters/redis/fail-closed.ts'
import { createKeys, type Keys } from '../../adapters/redis/keys.ts'
import type { ScriptedRedis } from '../../adapters/redis/scripts.ts'
import { createLogSender } from '../../adapters/sms/log-sender.ts'
import { createSnsSender } from '../../adapters/sms/sns-sender.ts'
import type { CallerRegistry, SmsSender } from '../../core/ports.ts'
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
}

/** Wires the adapters to the core and decorates the instance with them. */
export default fp<ServicesOptions>(async (fastify, { config, sms }) => {
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

  const keys = createKeys(config.redis.keyPrefix)
  const callers = failClosed(createCallerRegistry(redis, keys))
  const sender = sms ?? (config.sms.provider === 'log' ? createLogSender(fastify.log) : createSnsSender(config.sms))

  fastify.decorate('config', config)
  fastify.decorate('redis', redis)
  fastify.decorate('keys', keys)
  fastify.decorate('callers', callers)
  fastify.decorate('verification', createVerification({
    store: failClosed(createChallengeStore(redis, keys)),
    callers,
    sms: sender,
    events: fastify.metrics.events,
    policy: {
      secret: config.pin.secret,
      pinLength: config.pin.length,
      ttlMs: config.pin.ttlSeconds * 1000,
      maxAttempts: config.pin.maxAttempts,
      maxSendsPerChallenge: config.pin.maxSends,
      resendCooldownMs: config.pin.resendCooldownSeconds * 1000,
      phoneMaxFailures: config.phone.maxFailures,
      phoneFailureWindowSeconds: config.phone.failureWindowSeconds,
      phoneMaxSends: config.phone.maxSends,
      phoneSendWindowSeconds: config.phone.sendWindowSeconds,
      trustTtlSeconds: config.trustTtlSeconds,
      brand: config.sms.brand,
      defaultLocale: config.defaultLocale,
      defaultCountry: config.defaultCountry,
      enrolDefaults: { firstName: 'New', lastName: 'Customer', custLevel: 'Welcome' },
    },
  }))
}, { name: 'services', dependencies: ['metrics'] })
