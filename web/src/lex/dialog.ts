// A small stand-in for the part of Amazon Lex V2 that sits between the user's words and the
// code hook: it picks the intent and fills the slots of pinline's food bot (GetFoodMenu,
// OrderFood with Food and Pin) from the text, builds the DialogCodeHook event Lex would send
// (the shape of test/events/lex/, AWS's own samples), and follows the dialog the code hook
// answers with (ElicitSlot keeps the intent, Close ends it). The browser playground's local
// mode uses it in place of Lex (the chat's text turns, and the phone's voice and DTMF turns on
// the food-order line), and the test stand-in of the Lex runtime API uses it too.
// Keyword matching, not NLU: enough to drive the real channel, not a model of Lex.
// No DOM and no Node APIs here.

import { saysDone } from '../../../services/auth/src/channels/lex/answers.ts'
import { randomId } from './random-id.ts'

export const INTENT_MENU = 'GetFoodMenu'
export const INTENT_ORDER = 'OrderFood'
export const INTENT_FINISH = 'FinishOrder'
export const SLOT_FOOD = 'Food'
export const SLOT_PIN = 'Pin'

export interface BotRef {
  id: string
  aliasId: string
  name: string
  aliasName: string
  version: string
  localeId: string
}

/** The bot that local mode plays, named as Lex names a draft bot on its test alias. */
export const playgroundBot = (localeId: string): BotRef => ({
  id: 'PLAYGROUND',
  aliasId: 'TSTALIASID',
  name: 'pinline-food',
  aliasName: 'TestBotAlias',
  version: 'DRAFT',
  localeId,
})

export type Slot = {
  shape: 'Scalar'
  value: { originalValue: string; interpretedValue: string; resolvedValues: string[] }
} | null
export interface Intent {
  name: string
  slots: Record<string, Slot>
  state: string
  confirmationState: string
}

/** Where the conversation is: what the last code-hook answer left in Lex's session state. */
export interface DialogState {
  intent?: Intent | undefined
  slotToElicit?: string | undefined
  sessionAttributes: Record<string, string>
}

export interface CodeHookResponse {
  sessionState: {
    sessionAttributes?: Record<string, string>
    dialogAction: { type: string; slotToElicit?: string }
    intent?: Intent
    activeContexts?: unknown[]
  }
  messages?: Array<{ contentType: string; content: string }>
}

const MENU_WORDS = /\b(menu|recommend\w*)\b|メニュー|おすすめ|お品書き/i
const ORDER_LEADS =
  /^(?:(?:i'?d like|i would like|i want|can i (?:have|order|get)|order|please)(?: to order)?\s+)?(?:(?:an?|one|some)\s+)?/i
const ORDER_TAILS =
  /(?:を(?:注文(?:したいのですが|します|したい)?|ください|お願いします)|ください|をひとつ|を一つ)[。!！]*$/

const scalar = (text: string, interpreted = text): Slot => ({
  shape: 'Scalar',
  value: { originalValue: text, interpretedValue: interpreted, resolvedValues: [] },
})

/** The intent and slots Lex would pick for `text` in this state of the dialog. */
export function recognize(text: string, state: DialogState): Intent {
  const said = text.trim()
  const intent = (name: string, slots: Record<string, Slot>): Intent => ({
    name,
    slots,
    state: 'InProgress',
    confirmationState: 'None',
  })
  if (state.intent?.name === INTENT_ORDER && state.slotToElicit === SLOT_PIN) {
    // AMAZON.Number: the digits the user said or typed, spaces and dashes dropped.
    const digits = said.replace(/[\s-]/g, '')
    return intent(INTENT_ORDER, {
      ...state.intent.slots,
      [SLOT_FOOD]: state.intent.slots[SLOT_FOOD] ?? null,
      [SLOT_PIN]: /^\d+$/.test(digits) ? scalar(said, digits) : null,
    })
  }
  if (MENU_WORDS.test(said)) return intent(INTENT_MENU, {})
  // FinishOrder's sample utterances ("that's all", "以上です", bot-names.ts), read as the channel reads them.
  if (saysDone(said, 'en') || saysDone(said, 'ja')) return intent(INTENT_FINISH, {})
  const dish = said.replace(ORDER_LEADS, '').replace(ORDER_TAILS, '').trim() || said
  return intent(INTENT_ORDER, { [SLOT_FOOD]: scalar(said, dish), [SLOT_PIN]: null })
}

/**
 * The DialogCodeHook event Lex V2 sends for one turn: typed (Text), or on a call as Connect
 * hands it to Lex (Speech: the words as transcribed; DTMF: the keys), with an audio response.
 */
export function codeHookEvent(opts: {
  bot: BotRef
  sessionId: string
  text: string
  state: DialogState
  requestId?: string
  inputMode?: 'Text' | 'Speech' | 'DTMF'
}): Record<string, unknown> {
  const inputMode = opts.inputMode ?? 'Text'
  const intent = recognize(opts.text, opts.state)
  const copy = () => structuredClone(intent)
  return {
    sessionId: opts.sessionId,
    inputTranscript: opts.text,
    interpretations: [
      { intent: copy(), nluConfidence: 1 },
      { intent: { slots: {}, confirmationState: 'None', name: 'FallbackIntent', state: 'InProgress' } },
    ],
    responseContentType: inputMode === 'Text' ? 'text/plain; charset=utf-8' : 'audio/pcm',
    sessionState: {
      intent: copy(),
      sessionAttributes: { ...opts.state.sessionAttributes },
      originatingRequestId: opts.requestId ?? randomId(),
    },
    messageVersion: '1.0',
    invocationSource: 'DialogCodeHook',
    transcriptions: [
      {
        resolvedSlots: {},
        resolvedContext: { intent: intent.name },
        transcription: opts.text,
        transcriptionConfidence: 1,
      },
    ],
    inputMode,
    bot: { ...opts.bot },
  }
}

/** The dialog after the code hook answered: ElicitSlot keeps the intent open, Close ends it. */
export function nextState(response: CodeHookResponse, previous: DialogState): DialogState {
  const s = response.sessionState
  const attributes = s.sessionAttributes ?? previous.sessionAttributes
  if (s.dialogAction.type === 'ElicitSlot' && s.intent)
    return { intent: s.intent, slotToElicit: s.dialogAction.slotToElicit, sessionAttributes: attributes }
  return { sessionAttributes: attributes }
}
