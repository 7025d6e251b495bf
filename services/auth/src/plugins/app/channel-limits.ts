import type { FastifyInstance, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { takeCapped } from '../../adapters/redis/counters/scripts.ts'
import { failClosed } from '../../adapters/redis/fail-closed.ts'
import { callerNumber, type ContactFlowEvent } from '../../channels/connect/event.ts'
import { PinlineError } from '../../core/errors.ts'
import { normalisePhone } from '../../core/phone.ts'

declare module 'fastify' {
  interface FastifyInstance {
    /** preHandlers for the channel routes: per-key, per-conversation and per-number request limits. */
    channelLimits: { connect(req: FastifyRequest): Promise<void>; lex(req: FastifyRequest): Promise<void> }
  }
}

type Dimension = 'key' | 'conversation' | 'number'

/**
 * Limits for the channel routes, which the HTTP limits exempt (every Lambda call arrives from a
 * few addresses with one key): per API key, per Connect contact or Lex conversation, per caller
 * number. Each is a fixed-window counter of its own (one key, one slot), so a Lambda fleet lives
 * with them while a forged-event sweep (lookups over a number range, sendPins over many blocks)
 * is held to the per-key rate. Runs after the body is read: the contact and number are in it.
 */
export default fp(async (fastify: FastifyInstance) => {
  const { config, keys, redis } = fastify
  const { windowSeconds, perKey, perConversation, perNumber } = config.channelRateLimit
  const max: Record<Dimension, number> = { key: perKey, conversation: perConversation, number: perNumber }
  const counters = failClosed({
    take: async (dimension: Dimension, id: string) => takeCapped(redis, { counter: keys.channelHits(dimension, id) }, { max: max[dimension], windowMs: windowSeconds * 1000 }),
  })

  // The counters are in different slots (one script each), sent together: one round trip. Like
  // the HTTP limits, a request refused by one of them still counts against the others.
  async function limit(checks: Array<[Dimension, string | undefined]>) {
    const replies = await Promise.all(checks.filter(([, id]) => id).map(([dimension, id]) => counters.take(dimension, id!)))
    const waits = replies.flatMap((r) => (r.taken ? [] : [r.retryAfterMs]))
    if (waits.length > 0) throw new PinlineError('RATE_LIMITED', { retryAfter: Math.max(1, Math.ceil(Math.max(...waits) / 1000)) })
  }

  const keyName = (req: FastifyRequest) => req.apiKey?.name
  fastify.decorate('channelLimits', {
    async connect(req: FastifyRequest) {
      const e = req.body as ContactFlowEvent
      let number: string | undefined
      try {
        number = normalisePhone(callerNumber(e), config.verification.defaultCountry)?.e164
      } catch {
        number = undefined // no number: the action itself answers CALLER_NUMBER_UNAVAILABLE
      }
      await limit([['key', keyName(req)], ['conversation', `connect:${e.Details.ContactData.ContactId}`], ['number', number]])
    },
    async lex(req: FastifyRequest) {
      const sessionId = (req.body as { sessionId?: unknown } | null)?.sessionId
      await limit([['key', keyName(req)], ['conversation', typeof sessionId === 'string' ? `lex:${sessionId.slice(0, 256)}` : undefined]])
    },
  })
}, { name: 'channel-limits', dependencies: ['redis'] })
