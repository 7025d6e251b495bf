import type { OrderSession } from '../../core/session-ports.ts'
import type { LexResponse } from '../../schemas/lex.ts'
import { INTENTS, SLOTS, type SlotName } from './bot-names.ts'
import type { LexSlots, LexTurn } from './event.ts'
import { toPlainText, toSsml } from './speech.ts'

// Builds Lex V2 code-hook responses (their schema and type: schemas/lex.ts). A voice turn
// (Speech, DTMF: a phone call) is answered in SSML, a text turn in plain text.
export type { LexResponse }

/** The session attribute that carries the signed verification assertion. */
export const ASSERTION_ATTRIBUTE = 'pinlineAssertion'

type DialogAction = { type: 'Close' } | { type: 'ElicitIntent' } | { type: 'ElicitSlot'; slotToElicit: string }
type Intent = { name: string; state: 'Fulfilled' | 'Failed' | 'InProgress'; confirmationState: string; slots: LexSlots }

const MAX_CONTENT = 1000 // code points; Lex allows 1024 characters

function clip(text: string): string {
  const chars = [...text]
  return chars.length <= MAX_CONTENT ? text : `${chars.slice(0, MAX_CONTENT - 1).join('')}…`
}

/** The message for the turn's mode; SSML too long for Lex is spoken from the clipped plain text. */
export function message(text: string, voice: boolean): LexResponse['messages'][number] {
  if (!voice) return { contentType: 'PlainText', content: clip(toPlainText(text)) }
  let ssml = toSsml(text)
  // Escaping can lengthen the text: shorten the plain words until the SSML fits.
  for (let chars = [...toPlainText(text)], keep = MAX_CONTENT; [...ssml].length > MAX_CONTENT; keep -= 50) {
    ssml = toSsml(`${chars.slice(0, keep - 1).join('')}…`)
  }
  return { contentType: 'SSML', content: ssml }
}

/**
 * Builds the responses for one turn. Once the turn's server session is known (`use`), the
 * session attributes the client reads are written from it: `auth`, `uuid` (the challenge id, the client's
 * EncryptionContext) and `currentOrder`. Until then `auth` is "false": the client's own
 * value is never repeated as if it were ours.
 */
export function lexResponder(turn: LexTurn, currentOrder: (s: OrderSession) => string) {
  let session: OrderSession | undefined
  let assertion: string | undefined

  // pinline alone writes auth, uuid and currentOrder: the client's own values are never echoed,
  // with or without a server session. pinlineAssertion is signed, so a client cannot forge one;
  // it is still kept only while the server session is verified (another e-mail drops it).
  const {
    auth: _auth,
    uuid: _uuid,
    currentOrder: _order,
    [ASSERTION_ATTRIBUTE]: echoed,
    ...clientAttributes
  } = turn.attributes
  const attributes = (): Record<string, string> => {
    const kept = assertion ?? (session?.authenticated ? echoed : undefined)
    return {
      ...clientAttributes,
      auth: session?.authenticated ? 'true' : 'false',
      ...(session ? { uuid: session.challengeId ?? '', currentOrder: currentOrder(session) } : {}),
      ...(kept ? { [ASSERTION_ATTRIBUTE]: kept } : {}),
    }
  }

  const respond = (dialogAction: DialogAction, intent: Intent, content: string): LexResponse => ({
    sessionState: {
      sessionAttributes: attributes(),
      dialogAction,
      intent,
      ...(turn.activeContexts ? { activeContexts: turn.activeContexts } : {}),
    },
    messages: [message(content, turn.voice)],
  })

  /** The turn's slots with Pin emptied: a PIN never stays in Lex's state to be sent again. */
  const slots = (): LexSlots => {
    const own = { ...(turn.intent?.slots ?? {}) }
    if (SLOTS.pin in own) own[SLOTS.pin] = null
    return own
  }

  return {
    use(s: OrderSession) {
      session = s
    },

    /** The signed assertion of this turn's approval, for the client and back-ends. */
    assert(token: string) {
      assertion = token
    },

    /** ElicitSlot on OrderFood (also from GetFoodMenu: the menu leads straight into ordering). */
    elicitOrder(slotToElicit: SlotName, content: string, opts: { clearFood?: boolean } = {}): LexResponse {
      const continuing = turn.intent?.name === INTENTS.order
      const own = continuing ? slots() : {}
      const food = opts.clearFood ? null : (own[SLOTS.food] ?? null)
      return respond(
        { type: 'ElicitSlot', slotToElicit },
        {
          name: INTENTS.order,
          state: 'InProgress',
          confirmationState: continuing ? turn.intent!.confirmationState : 'None',
          slots: { ...own, [SLOTS.food]: food, [SLOTS.pin]: null },
        },
        content,
      )
    },

    /**
     * The intent is done but the conversation is not: "anything else?". On a call, Close would
     * mean no answer is expected; ElicitIntent lets the caller say the next dish, or "that's all".
     */
    elicitIntent(content: string, state: 'Fulfilled' | 'Failed'): LexResponse {
      const intent = turn.intent
      const own = slots()
      for (const k of Object.keys(own)) own[k] = null
      return respond(
        { type: 'ElicitIntent' },
        {
          name: intent?.name ?? INTENTS.order,
          state,
          confirmationState: intent?.confirmationState ?? 'None',
          slots: own,
        },
        content,
      )
    },

    close(state: 'Fulfilled' | 'Failed', content: string): LexResponse {
      const intent = turn.intent
      return respond(
        { type: 'Close' },
        {
          name: intent?.name ?? 'FallbackIntent',
          state,
          confirmationState: intent?.confirmationState ?? 'None',
          slots: slots(),
        },
        content,
      )
    },
  }
}
