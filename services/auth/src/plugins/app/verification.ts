import fp from 'fastify-plugin'
import { createCallerRegistry } from '../../adapters/redis/callers/registry.ts'
import { createChallengeStore } from '../../adapters/redis/challenges/store.ts'
import { failClosed } from '../../adapters/redis/fail-closed.ts'
import { adoptLegacyDailyCounts, createSpendCounters } from '../../adapters/redis/counters/spend-counters.ts'
import { createLogSender, createLogVoiceSender } from '../../adapters/sms/log-sender.ts'
import { snsSendDeadlineMs } from '../../adapters/sms/send-deadline.ts'
import { maskPhone } from '../../core/phone.ts'
import type { CallerRegistry, SmsSender, VoiceSender } from '../../core/ports.ts'
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
  /** Replaces the configured voice provider (tests record what would be said). */
  voice?: VoiceSender
}

/** The caller registry and the verification core, on the app's Redis connection and SMS sender. */
export default fp<VerificationOptions>(
  async (fastify, { sms, voice }) => {
    const { config, redis, keys } = fastify
    const callers = failClosed(createCallerRegistry(redis, keys))
    // One deadline for a send whatever the provider: the delivery grace is built on it.
    const deadlineMs = snsSendDeadlineMs(config.sms)
    // The AWS SDK clients are loaded only for the providers configured (each is tens of MB of RSS).
    const needsEum = config.sms.provider === 'eum' || config.voice.provider === 'eum'
    const eum = needsEum
      ? (await import('../../adapters/eum/client.ts')).createEumClient({
          timeoutMs: config.sms.timeoutMs,
          maxAttempts: config.sms.maxAttempts,
        })
      : undefined
    const eumShared = {
      configurationSet: config.eum.configurationSet,
      protectConfigurationId: config.eum.protectConfigurationId,
      deadlineMs,
    }
    // A sender for each provider the configuration allows: a new provider fails to compile until it is built here.
    // Each is loaded when configured only (the AWS SDK clients are tens of MB of RSS each).
    const smsSenders: Record<typeof config.sms.provider, () => Promise<SmsSender>> = {
      log: async () => createLogSender(fastify.log),
      sns: async () => (await import('../../adapters/sms/sns-sender.ts')).createSnsSender(config.sms),
      eum: async () =>
        (await import('../../adapters/eum/sms-sender.ts')).createEumSmsSender(eum!, {
          ...eumShared,
          originationIdentity: config.eum.originationIdentity,
          maxPrice: config.eum.maxPrice,
        }),
    }
    const voiceSenders: Record<NonNullable<typeof config.voice.provider>, () => Promise<VoiceSender>> = {
      log: async () => createLogVoiceSender(fastify.log),
      eum: async () =>
        (await import('../../adapters/eum/voice-sender.ts')).createEumVoiceSender(eum!, {
          ...eumShared,
          originationIdentity: config.voice.originationIdentity!,
          maxPricePerMinute: config.voice.maxPricePerMinute,
          voices: config.voice.voices,
        }),
    }
    const sender = sms ?? (await smsSenders[config.sms.provider]())
    const caller = voice ?? (config.voice.provider ? await voiceSenders[config.voice.provider]() : undefined)
    if (config.verification.testNumbers.size > 0) {
      fastify.log.warn(
        { testNumbers: [...config.verification.testNumbers.keys()].map(maskPhone) },
        'TEST_NUMBERS is set: these numbers get no SMS and a fixed code',
      )
    }

    // An upgrade from a version that kept the daily SMS and call counts under other key names
    // carries today's counts over once, off the start path (Redis may not be up yet; then the
    // budgets start again from zero for today, as the warning says).
    fastify.addHook('onReady', async () => {
      adoptLegacyDailyCounts(redis, keys, Date.now()).then(
        (adopted) => {
          if (adopted.length > 0)
            fastify.log.info({ adopted }, "today's SMS and call counts carried over from earlier key names")
        },
        (err: unknown) =>
          fastify.log.warn({ err }, "today's SMS and call counts could not be carried over from earlier key names"),
      )
    })

    fastify.decorate('callers', callers)
    fastify.decorate(
      'verification',
      createVerification({
        store: failClosed(createChallengeStore(redis, keys, fastify.replicaAck)),
        callers,
        sms: sender,
        voice: caller,
        assertions: fastify.assertions,
        spend: failClosed(createSpendCounters(redis, keys)),
        events: {
          ...fastify.metrics.events,
          ...fastify.verificationEvents,
          // An audit trail: a test number is a fixed code that anyone who knows it can use.
          testNumberUsed: (use) =>
            fastify.log.warn({ testNumber: use.phone, action: use.action }, 'test number used: no SMS sent'),
        },
        policy: config.verification,
      }),
    )
  },
  { name: 'verification', dependencies: ['metrics', 'redis', 'assertions', 'events'] },
)
