import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { createLexChannel } from '../../channels/lex/channel.ts'
import { commonErrors, security } from '../../schemas/common.ts'

// Any JSON is taken: an event the channel cannot use still gets a Lex Close/Failed answer,
// because a 400 here would reach the user as Lex's generic failure.
const LexEvent = Type.Unknown({ description: 'An Amazon Lex V2 code-hook event (DialogCodeHook or FulfillmentCodeHook), as the Lambda shim receives it' })

const LexResponse = Type.Object({
  sessionState: Type.Object({
    sessionAttributes: Type.Record(Type.String(), Type.String(), { description: 'The incoming attributes, with auth, uuid and currentOrder from the server session' }),
    dialogAction: Type.Object({ type: Type.String({ description: 'Close, ElicitSlot, or ElicitIntent (a voice turn after an item is added: "anything else?")' }), slotToElicit: Type.Optional(Type.String()) }),
    intent: Type.Object({
      name: Type.String(),
      state: Type.String({ description: 'Fulfilled, Failed or InProgress' }),
      confirmationState: Type.String(),
      slots: Type.Record(Type.String(), Type.Unknown()),
    }),
    activeContexts: Type.Optional(Type.Array(Type.Unknown())),
  }),
  messages: Type.Array(Type.Object({
    contentType: Type.Union([Type.Literal('PlainText'), Type.Literal('SSML')], { description: 'SSML (<speak>…</speak>) on voice turns (inputMode Speech or DTMF), PlainText on text turns' }),
    content: Type.String(),
  })),
}, { title: 'LexV2Response' })

/** The Lex V2 channel: the Lambda shim forwards each code-hook event here and returns the answer to Lex. */
const lexChannel: FastifyPluginAsyncTypebox = async (fastify) => {
  const channel = createLexChannel({ menu: fastify.menu, sessions: fastify.sessions, defaultLocale: fastify.config.defaultLocale })

  fastify.post('/v1/channels/lex', {
    // Only the Lambda shims call this, all from a few addresses with one key: per-IP and per-key
    // HTTP limits would throttle a busy bot. The PIN send and attempt caps still apply inside.
    config: { rateLimit: false },
    schema: {
      tags: ['channels'], security, summary: 'Handle an Amazon Lex V2 code-hook event (GetFoodMenu, OrderFood, FinishOrder)',
      description: 'Always answers 200 with a Lex V2 response once authorised, even when the event is unusable or a dependency fails: the message then says what happened.',
      body: LexEvent, response: { 200: LexResponse, ...commonErrors },
    },
  }, async (req) => {
    const { response, outcome } = await channel.handle(req.body, req.log)
    req.log.info({ lex: { outcome } }, 'lex turn')
    return response
  })
}

export default lexChannel
