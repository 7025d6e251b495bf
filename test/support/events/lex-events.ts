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

export interface CallTurnSpec {
  intent: string
  /** The Amazon Connect contact id: Connect uses it as the Lex sessionId. */
  contactId: string
  /** What the contact flow put in callerPhone ($.CustomerEndpoint.Address); omitted = not set. */
  callerPhone?: string | undefined
  /** Attributes Lex holds from the previous answer (the flow's callerPhone is added to them). */
  attributes?: Record<string, string>
  localeId?: 'en_US' | 'ja_JP'
  inputMode?: 'Speech' | 'DTMF'
  /** What the caller said or keyed (inputTranscript and the top transcription). */
  said: string
  slots?: Record<string, Json>
  botId?: string
}

/**
 * A turn of a phone call as Connect hands it to Lex and Lex to the code hook: Speech (or
 * DTMF), audio response, the transcript as heard, slots as Lex filled them from those words,
 * and the session attributes the contact flow set, with no e-mail.
 */
export function callTurn(spec: CallTurnSpec): Json {
  const attributes = {
    ...(spec.attributes ?? {}),
    ...(spec.callerPhone === undefined ? {} : { callerPhone: spec.callerPhone }),
  }
  const e = lexEvent({
    intent: spec.intent,
    sessionId: spec.contactId,
    localeId: spec.localeId ?? 'en_US',
    botId: spec.botId,
    inputMode: spec.inputMode ?? 'Speech',
    transcript: spec.said,
    sessionAttributes: attributes,
    slots: spec.slots,
  })
  e.transcriptions[0].transcriptionConfidence = 0.91
  return e
}

/** How a caller reads digits out, one by one, in each language. */
export function sayDigits(digits: string, language: 'en' | 'ja'): string {
  const words =
    language === 'ja'
      ? ['ゼロ', 'いち', 'に', 'さん', 'よん', 'ご', 'ろく', 'なな', 'はち', 'きゅう']
      : ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine']
  return digits
    .split('')
    .map((d) => words[Number(d)])
    .join(language === 'ja' ? '' : ' ')
}
