import { toLocale } from '../../core/messages.ts'
import type { Locale } from '../../core/ports.ts'
import { SESSION_ATTRIBUTES } from './bot-names.ts'
import { pinFromSpeech } from './spoken-digits.ts'

// What pinline reads from a Lex V2 code-hook event. Lex may add fields without a new
// messageVersion, and samples differ (sessionAttributes missing or {}, slots null or
// absent), so every field is read defensively and nothing unknown is an error.

export interface LexSlotValue {
  originalValue?: string
  interpretedValue?: string
  resolvedValues?: string[]
}
export interface LexSlot {
  shape?: string
  value?: LexSlotValue
  values?: LexSlot[]
}
export type LexSlots = Record<string, LexSlot | null>

export interface LexIntent {
  name: string
  confirmationState: string
  slots: LexSlots
}

export type InputMode = 'Text' | 'Speech' | 'DTMF'

export interface LexTurn {
  /** [bot id, alias id, Lex sessionId]: which conversation this is; undefined if the event lacks them. */
  conversation: [string, string, string] | undefined
  locale: Locale
  intent: LexIntent | undefined
  /** Incoming session attributes as strings, minus encryptedPin (a one-shot value, never echoed). */
  attributes: Record<string, string>
  email: string | undefined
  /** The caller's number as the contact flow passed it (callerPhone); trusted on voice turns only. */
  callerPhone: string | undefined
  encryptedPin: string | undefined
  activeContexts: unknown[] | undefined
  /** How the user spoke: Text (typed), or Speech and DTMF (a phone call): voice turns answer in SSML. */
  inputMode: InputMode
  voice: boolean
  /** What Lex heard or was sent, as the user said it (inputTranscript). */
  transcript: string | undefined
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)
const str = (v: unknown): string | undefined => (typeof v === 'string' && v.length > 0 ? v : undefined)
// Lex V2 limits: sessionId 2-100 of [0-9a-zA-Z._:-], bot and alias ids 10 alphanumerics.
const SESSION_ID = /^[0-9a-zA-Z._:-]{2,100}$/
const BOT_ID = /^[0-9A-Za-z]{1,20}$/

// Slots and activeContexts are echoed back to Lex. Lex's own are a few levels deep; a forged
// event can nest thousands, which the response serializer would overflow on: deeper is dropped.
const MAX_ECHO_DEPTH = 12

/** Whether `v` nests no deeper than `max` objects/arrays (iterative: no stack to overflow here). */
function shallow(v: unknown, max = MAX_ECHO_DEPTH): boolean {
  let level: unknown[] = [v]
  for (let depth = 0; level.length > 0; depth++) {
    const next: unknown[] = []
    for (const x of level) if (typeof x === 'object' && x !== null) next.push(...Object.values(x))
    if (next.length > 0 && depth >= max) return false
    level = next
  }
  return true
}

function readIntent(v: unknown): LexIntent | undefined {
  if (!isObject(v) || !str(v.name)) return undefined
  const slots: LexSlots = {}
  if (isObject(v.slots))
    for (const [k, s] of Object.entries(v.slots)) slots[k] = isObject(s) && shallow(s) ? (s as LexSlot) : null
  return { name: v.name as string, confirmationState: str(v.confirmationState) ?? 'None', slots }
}

function readAttributes(v: unknown): Record<string, string> {
  const out: Record<string, string> = {}
  if (!isObject(v)) return out
  // Lex only sends strings; anything else came from a broken client and is stringified, as Lex requires.
  for (const [k, a] of Object.entries(v))
    if (k.length > 0 && a !== undefined && a !== null) out[k] = typeof a === 'string' ? a : JSON.stringify(a)
  return out
}

export function parseLexEvent(raw: unknown, defaultLocale: Locale): LexTurn {
  const e = isObject(raw) ? raw : {}
  const bot = isObject(e.bot) ? e.bot : {}
  const state = isObject(e.sessionState) ? e.sessionState : {}
  const interpretations = Array.isArray(e.interpretations) ? e.interpretations : []
  const top = isObject(interpretations[0]) ? interpretations[0].intent : undefined
  const { encryptedPin, ...attributes } = readAttributes(state.sessionAttributes)
  const sessionId = str(e.sessionId)
  const botId = str(bot.id)
  const inputMode: InputMode = e.inputMode === 'Speech' || e.inputMode === 'DTMF' ? e.inputMode : 'Text'
  return {
    conversation:
      sessionId && SESSION_ID.test(sessionId) && botId && BOT_ID.test(botId)
        ? [botId, str(bot.aliasId) ?? '', sessionId]
        : undefined,
    locale: toLocale(str(bot.localeId)) ?? defaultLocale,
    // The intent Lex is working on; the top interpretation only if sessionState lacks one.
    intent: readIntent(state.intent) ?? readIntent(top),
    attributes,
    email: str(attributes[SESSION_ATTRIBUTES.email]?.trim()),
    callerPhone: str(attributes[SESSION_ATTRIBUTES.callerPhone]?.trim()),
    encryptedPin: str(encryptedPin?.trim()),
    activeContexts:
      Array.isArray(state.activeContexts) && shallow(state.activeContexts) ? state.activeContexts : undefined,
    inputMode,
    voice: inputMode !== 'Text',
    transcript: str(e.inputTranscript),
  }
}

// Slots are passed on as the event had them (readIntent checks only that each is an object):
// a client that is not Lex can put anything in them, so their values are checked here.
function scalar(slot: LexSlot | null | undefined): LexSlotValue | undefined {
  const values: unknown = slot?.values
  const v: unknown =
    slot?.value ?? (Array.isArray(values) ? values.find((s) => isObject(s) && s.value)?.value : undefined)
  return isObject(v) ? v : undefined
}

/** What the user said for a slot, best reading first: resolved values, then Lex's interpretation, then the raw words. */
export function slotReadings(slot: LexSlot | null | undefined): string[] {
  const v = scalar(slot)
  if (!v) return []
  const all = [...(Array.isArray(v.resolvedValues) ? v.resolvedValues : []), v.interpretedValue, v.originalValue]
  return [...new Set(all.filter((s): s is string => typeof s === 'string' && s.trim().length > 0))]
}

/**
 * The PIN of a turn whose Pin slot Lex filled: read from the words heard (see spoken-digits.ts),
 * so a spoken or keyed PIN keeps its leading zeros whatever the slot type made of it. The
 * whole utterance is read too, since on that turn it is the answer to "please say your PIN".
 * Either way the core checks the format.
 */
export function slotPin(
  slot: LexSlot | null | undefined,
  turn: Pick<LexTurn, 'locale' | 'transcript'> = { locale: 'en', transcript: undefined },
): string | undefined {
  const v = scalar(slot)
  if (!v) return undefined
  return pinFromSpeech(
    { originalValue: str(v.originalValue), transcript: turn.transcript, interpretedValue: str(v.interpretedValue) },
    turn.locale,
  )
}
