import fp from 'fastify-plugin'
import { createCallerRegistry } from '../../adapters/redis/callers/registry.ts'
import { createChallengeStore } from '../../adapters/redis/challenges/store.ts'
import { failClosed } from '../../adapters/redis/fail-closed.ts'
import { createSpendCounters } from '../../adapters/redis/counters/spend-counters.ts'
import { createLogSender } from '../../adapters/sms/log-sender.ts'
import { createSnsSender } from '../../adapters/sms/sns-sender.ts'
import { maskPhone } from '../../core/phone.ts'
import type { CallerRegistry, SmsSender } from '../../core/ports.ts'
import { createVerification, type Verification } from '../../core/verification.ts'

declare module 'fastify' {
  interface FastifyInstance {
    callers: CallerRegistry
    verification: Verification
  }
}

export interface VerificationOptions {
  /** Replaces the configured SMS provider (tests record what would be sent). */
  sms?: SmsSender
}

/** The caller registry and the verification core, on the app's Redis connection and SMS sender. */
export default fp<VerificationOptions>(async (fastify, { sms }) => {
  const { config, redis, keys } = fastify
  const callers = failClosed(createCallerRegistry(redis, keys))
  const sender = sms ?? (config.sms.provider === 'log' ? createLogSender(fastify.log) : createSnsSender(config.sms))
  if (config.verification.testNumbers.size > 0) {
    fastify.log.warn({ testNumbers: [...config.verification.testNumbers.keys()].map(maskPhone) }, 'TEST_NUMBERS is set: these numbers get no SMS and a fixed code')
  }

  fastify.decorate('callers', callers)
  fastify.decorate('verification', createVerification({
    store: failClosed(createChallengeStore(redis, keys, fastify.replicaAck)),
    callers,
    sms: sender,
    spend: failClosed(createSpendCounters(redis, keys)),
    events: {
      ...fastify.metrics.events,
      // An audit trail: a test number is a fixed code that anyone who knows it can use.
      testNumberUsed: (use) => fastify.log.warn({ testNumber: use.phone, action: use.action }, 'test number used: no SMS sent'),
    },
    policy: config.verification,
  }))
}, { name: 'verification', dependencies: ['metrics', 'redis'] })
