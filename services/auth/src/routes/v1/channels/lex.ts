import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { createLexChannel } from '../../../channels/lex/channel.ts'
import { noteOnAccessLine } from '../../../logging.ts'
import { commonErrors, security } from '../../../schemas/common.ts'
import { LexEvent, LexResponse } from '../../../schemas/lex.ts'

/** The Lex V2 channel: the Lambda shim forwards each code-hook event here and returns the answer to Lex. */
const lexChannel: FastifyPluginAsyncTypebox = async (fastify) => {
  const channel = createLexChannel({
    menu: fastify.menu,
    sessions: fastify.sessions,
    defaultLocale: fastify.config.verification.defaultLocale,
    pinChannel: fastify.config.lexPinChannel,
  })

  fastify.post(
    '/v1/channels/lex',
    {
      // Only the Lambda shims call this, all from a few addresses with one key: per-IP HTTP limits
      // would throttle a busy bot. Order turns have limits of their own (channel-limits.ts) instead,
      // answered as a Lex Close/Failed like every other outcome.
      config: { rateLimit: false },
      schema: {
        tags: ['channels'],
        security,
        summary: 'Handle an Amazon Lex V2 code-hook event (GetFoodMenu, OrderFood, FinishOrder)',
        description:
          'Always answers 200 with a Lex V2 response once authorised, even when the event is unusable or a dependency fails: the message then says what happened.',
        body: LexEvent,
        response: { 200: LexResponse, ...commonErrors },
      },
    },
    async (req) => {
      const { response, outcome } = await channel.handle(req.body, req.log, {
        client: req.apiKey?.name,
        admit: () => fastify.channelLimits.lex(req),
      })
      // The turn's access line says how it ended: a step name or one of our codes.
      noteOnAccessLine(req, { lex: { outcome } })
      return response
    },
  )
}

export default lexChannel
