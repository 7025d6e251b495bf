import { type Json, type LexFixture, loadEvent } from './load.ts'

// Real Lex V2 events (test/events/lex/, copied verbatim from AWS samples), adapted to this
// bot's intents and slots. The envelope (interpretations, transcriptions, bot, proposedNextState)
// stays as Lex sends it.

export type { Json, LexFixture }

/** A Scalar slot as Lex fills it. */
export function slot(originalValue: string, interpretedValue = originalValue, resolvedValues: string[] = []): Json {
  return { shape: 'Scalar', value: { originalValue, interpretedValue, resolvedValues } }
}

export interface TurnSpec {
  intent: string
  /** Slot values (filled as Lex would from the words); null = not filled. */
  slots?: Record<string, Json>
  sessionAttributes?: Record<string, string>
  sessionId?: string
  localeId?: string
  /** Conversations are per bot: the two samples come from different bots. */
  botId?: string
  inputMode?: 'Text' | 'Speech' | 'DTMF'
  transcript?: string
  fixture?: LexFixture
}

const SLOTS: Record<string, Record<string, null>> = { OrderFood: { Food: null, Pin: null }, GetFoodMenu: {} }

export function lexEvent(spec: TurnSpec): Json {
  const e = loadEvent('lex', spec.fixture ?? 'lexv2-dialogcodehook-text-bookhotel')
  const slots = { ...(SLOTS[spec.intent] ?? {}), ...(spec.slots ?? {}) }
  const state = e.invocationSource === 'FulfillmentCodeHook' ? 'ReadyForFulfillment' : 'InProgress'
  const intent = () => ({ slots: structuredClone(slots), confirmationState: 'None', name: spec.intent, state })
  const transcript = spec.transcript ?? e.inputTranscript
  e.sessionId = spec.sessionId ?? e.sessionId
  e.inputTranscript = transcript
  e.interpretations[0].intent = intent()
  if (e.proposedNextState) {
    e.proposedNextState.intent = intent()
    e.proposedNextState.dialogAction = { slotToElicit: 'Food', type: 'ElicitSlot' }
  }
  e.sessionState.intent = intent()
  if (spec.sessionAttributes !== undefined) e.sessionState.sessionAttributes = { ...spec.sessionAttributes }
  e.transcriptions[0].transcription = transcript
  e.transcriptions[0].resolvedContext.intent = spec.intent
  e.transcriptions[0].resolvedSlots = {}
  if (spec.localeId) e.bot.localeId = spec.localeId
  if (spec.botId) e.bot.id = spec.botId
  if (spec.inputMode) {
    e.inputMode = spec.inputMode
    if (spec.inputMode !== 'Text') e.responseContentType = 'audio/pcm'
  }
  return e
}
