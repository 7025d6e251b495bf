import { Type, type Static } from 'typebox'

// Amazon Lex V2 code-hook responses: sessionState is always present, Close and ElicitSlot name
// the intent, session attributes are a string map that replaces Lex's copy (so the incoming
// ones are echoed), and a message is 1 to 1024 characters. The route serialises with this
// schema; the channel builds responses of the type derived from it.

// Any JSON is taken: an event the channel cannot use still gets a Lex Close/Failed answer,
// because a 400 here would reach the user as Lex's generic failure.
export const LexEvent = Type.Unknown({
  description:
    'An Amazon Lex V2 code-hook event (DialogCodeHook or FulfillmentCodeHook), as the Lambda shim receives it',
})

export const LexResponse = Type.Object(
  {
    sessionState: Type.Object({
      sessionAttributes: Type.Record(Type.String(), Type.String(), {
        description: 'The incoming attributes, with auth, uuid and currentOrder from the server session',
      }),
      dialogAction: Type.Object({
        type: Type.String({
          description: 'Close, ElicitSlot, or ElicitIntent (a voice turn after an item is added: "anything else?")',
        }),
        slotToElicit: Type.Optional(Type.String()),
      }),
      intent: Type.Object({
        name: Type.String(),
        state: Type.String({ description: 'Fulfilled, Failed or InProgress' }),
        confirmationState: Type.String(),
        slots: Type.Record(Type.String(), Type.Unknown()),
      }),
      activeContexts: Type.Optional(Type.Array(Type.Unknown())),
    }),
    messages: Type.Array(
      Type.Object({
        contentType: Type.Union([Type.Literal('PlainText'), Type.Literal('SSML')], {
          description: 'SSML (<speak>…</speak>) on voice turns (inputMode Speech or DTMF), PlainText on text turns',
        }),
        content: Type.String(),
      }),
    ),
  },
  { title: 'LexV2Response' },
)

export type LexResponse = Static<typeof LexResponse>
