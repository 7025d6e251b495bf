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

/**
 * The Pin slot's type: AlphaNumeric keeps "0 4 2 7 1 9" as said, where AMAZON.Number makes
 * it 42719. The regex (digits only) goes on where the locale accepts one; the channel reads
 * the words itself either way (spoken-digits.ts).
 */
export const PIN_SLOT_TYPE = {
  name: 'PinDigits',
  parent: 'AMAZON.AlphaNumeric',
  regex: (pinLength: number) => `[0-9]{${pinLength}}`,
} as const

/**
 * FinishOrder's sample utterances: the answers to "anything else?" that end an order. The
 * channel also reads these words on FallbackIntent turns (answers.ts), for a bot without them.
 */
export const FINISH_UTTERANCES: Record<keyof typeof BOT_LOCALES, readonly string[]> = {
  en_US: [
    'no',
    'nope',
    'no thanks',
    'no thank you',
    "that's all",
    "that's it",
    "that's everything",
    'nothing else',
    "i'm done",
    'done',
    'all done',
    "no that's all",
  ],
  ja_JP: [
    'いいえ',
    '以上です',
    '以上',
    '以上でお願いします',
    'それで全部です',
    'それだけです',
    '大丈夫です',
    '結構です',
    'ないです',
    'いいえ以上です',
  ],
}

export type IntentName = (typeof INTENTS)[keyof typeof INTENTS]
export type SlotName = (typeof SLOTS)[keyof typeof SLOTS]
