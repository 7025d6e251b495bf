/**
 * The names the Lex V2 bot and this channel share: the deploy app builds the bot from
 * these, and the channel switches on them, so renaming one side breaks a test, not a call.
 */
export const INTENTS = {
  menu: 'GetFoodMenu',
  order: 'OrderFood',
  /** "No", "that's all", "以上です" after "anything else?": ends the order with a summary. */
  finish: 'FinishOrder',
  fallback: 'FallbackIntent',
} as const

export const SLOTS = {
  food: 'Food',
  pin: 'Pin',
} as const

/** Session attributes pinline reads (client-written) or writes (pinline alone). */
export const SESSION_ATTRIBUTES = {
  email: 'email',
  /** Set by the contact flow (connect/pinline-lex-order.json) to $.CustomerEndpoint.Address; read on voice turns only. */
  callerPhone: 'callerPhone',
  encryptedPin: 'encryptedPin',
  auth: 'auth',
  uuid: 'uuid',
  currentOrder: 'currentOrder',
} as const

/** The bot's locales, each with the service locale it speaks. */
export const BOT_LOCALES = { en_US: 'en', ja_JP: 'ja' } as const

export type IntentName = (typeof INTENTS)[keyof typeof INTENTS]
export type SlotName = (typeof SLOTS)[keyof typeof SLOTS]
