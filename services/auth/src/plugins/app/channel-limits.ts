import type { FastifyInstance, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { takeChannelLimits } from '../../adapters/redis/counters/scripts.ts'
import { failClosed } from '../../adapters/redis/fail-closed.ts'
import { actionOf, callerNumber, type ContactFlowEvent } from '../../channels/connect/event.ts'
import { PinlineError } from '../../core/errors.ts'
import { normalisePhone } from '../../core/phone.ts'

declare module 'fastify' {
  interface FastifyInstance {
    /** preHandlers for the channel routes: per-key, per-conversation and per-number request limits. */
    channelLimits: {
      connect(req: FastifyRequest): Promise<void>
      lex(req: FastifyRequest): Promise<void>
      /**
       * The verdict of a Connect lookup's limits, still on its way: the lookup only reads, so it runs
       * alongside them (one round trip) and its answer waits for this; and the caller's number as the
       * limits normalised it (undefined when it has none). Undefined for other requests.
       */
      pending(req: FastifyRequest): { verdict: Promise<void>; callerE164: string | undefined } | undefined
    }
  }
}

/**
 * Limits for the channel routes, which the HTTP limits exempt (every Lambda call arrives from a
 * few addresses with one key): per API key, per Connect contact or Lex conversation, per caller
 * number. Each is a fixed-window counter; the conversation's and the number's are kept under the
API key, in its slot, and one script takes all three (one round trip), so a Lambda fleet lives
 * with them while a forged-event sweep (lookups over a number range, sendPins over many blocks)
 * is held to the per-key rate. Runs after the body is read: the contact and number are in it.
 */
export default fp(
  async (fastify: FastifyInstance) => {
    const { config, keys, redis } = fastify
    const { windowSeconds, perKey, perConversation, perNumber } = config.channelRateLimit
    const max = { key: perKey, conversation: perConversation, number: perNumber }
    const windowMs = windowSeconds * 1000
    const counters = failClosed({
      take: async (keyName: string, conversation: string | undefined, number: string | undefined) => {
        // An absent dimension is skipped (max 0); its key name is the key's own counter, in the slot.
        const perKey = keys.channelHits(keyName, 'key', '')
        return takeChannelLimits(
          redis,
          {
            perKey,
            perConversation:
              conversation === undefined ? perKey : keys.channelHits(keyName, 'conversation', conversation),
            perNumber: number === undefined ? perKey : keys.channelHits(keyName, 'number', number),
          },
          {
            keyMax: max.key,
            conversationMax: conversation === undefined ? 0 : max.conversation,
            numberMax: number === undefined ? 0 : max.number,
            windowMs,
          },
        )
      },
    })

    // The counters share the key's slot: one script, one round trip. Like the HTTP limits, a
    // request refused by one of them still counts against the others.
    async function limit(keyName: string | undefined, conversation: string | undefined, number?: string) {
      const reply = await counters.take(keyName ?? '', conversation, number)
      if (!reply.ok)
        throw new PinlineError('RATE_LIMITED', { retryAfter: Math.max(1, Math.ceil(reply.retryAfterMs / 1000)) })
    }

    const keyName = (req: FastifyRequest) => req.apiKey?.name
    const pending = new WeakMap<FastifyRequest, { verdict: Promise<void>; callerE164: string | undefined }>()
    fastify.decorate('channelLimits', {
      async connect(req: FastifyRequest) {
        const e = req.body as ContactFlowEvent
        let number: string | undefined
        try {
          number = normalisePhone(callerNumber(e), config.verification.defaultCountry)?.e164
        } catch {
          number = undefined // no number: the action itself answers CALLER_NUMBER_UNAVAILABLE
        }
        const verdict = limit(keyName(req), `connect:${e.Details.ContactData.ContactId}`, number)
        // A lookup writes nothing: it is sent right behind the limits instead of after their answer,
        // and the route withholds its result until they pass (a refused lookup answers RATE_LIMITED).
        // Every other action waits for them before it runs.
        if (actionOf(e) !== 'lookup') return verdict
        verdict.catch(() => undefined) // the route awaits it; this only keeps it from counting as unhandled
        pending.set(req, { verdict, callerE164: number })
      },
      async lex(req: FastifyRequest) {
        const sessionId = (req.body as { sessionId?: unknown } | null)?.sessionId
        await limit(keyName(req), typeof sessionId === 'string' ? `lex:${sessionId.slice(0, 256)}` : undefined)
      },
      pending: (req: FastifyRequest) => pending.get(req),
    })
  },
  { name: 'channel-limits', dependencies: ['redis'] },
)
