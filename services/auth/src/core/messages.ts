import type { Transaction } from './ports.ts'

/** The languages pinline speaks (SMS texts, bot texts); the one list of them. */
export const LOCALES = ['en', 'ja'] as const
export type Locale = (typeof LOCALES)[number]

/** Picks a supported locale from a tag like `ja`, `ja_JP` or `en-US`. */
export function toLocale(tag: string | undefined | null): Locale | undefined {
  const base = tag?.trim().slice(0, 2).toLowerCase()
  return LOCALES.find((l) => l === base)
}

interface PinText {
  brand: string
  pin: string
  minutes: number
  /** PSD2 dynamic linking: the user is told the amount and payee the code approves. */
  transaction?: Transaction | undefined
}

// Brand first so the phone's preview names the sender; the warning closes every
// message because "never share" is what stops most social-engineering of codes.
const templates: Record<Locale, (t: PinText) => string> = {
  en: ({ brand, pin, minutes, transaction: t }) =>
    `${brand}: your verification code is ${pin}${t ? ` to pay ${t.amount} ${t.currency} to ${t.payee}` : ''}. It expires in ${minutes} min. Do not share it with anyone; ${brand} will never ask you for it.`,
  ja: ({ brand, pin, minutes, transaction: t }) =>
    `【${brand}】認証コード: ${pin}（${t ? `${t.payee}へ${t.amount} ${t.currency}のお支払い、` : ''}有効期限${minutes}分）。このコードは誰にも教えないでください。${brand}がコードを尋ねることはありません。`,
}

export function pinMessage(locale: Locale, text: PinText): string {
  return templates[locale](text)
}

const xml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)

// The PIN digit by digit, slowly, with a pause between digits (a 6-digit number read as one
// would be "four hundred eighty-two thousand..."), said twice.
const digits = (pin: string, pause: string) =>
  `<prosody rate="slow">${[...pin].map((d) => `<say-as interpret-as="digits">${d}</say-as>`).join(`<break time="${pause}"/>`)}</prosody>`

const voiceTemplates: Record<Locale, (t: PinText) => string> = {
  en: ({ brand, pin, minutes, transaction: t }) => {
    const what = t ? ` to pay ${xml(t.amount)} ${xml(t.currency)} to ${xml(t.payee)}` : ''
    return (
      `<speak>This is ${xml(brand)}. Your verification code${what} is <break time="300ms"/>${digits(pin, '400ms')}.<break time="700ms"/>` +
      `Again, your code is <break time="300ms"/>${digits(pin, '400ms')}.<break time="500ms"/>` +
      `It expires in ${minutes} minutes. Do not share it with anyone; ${xml(brand)} will never ask you for it.</speak>`
    )
  },
  ja: ({ brand, pin, minutes, transaction: t }) => {
    const what = t ? `${xml(t.payee)}への${xml(t.amount)} ${xml(t.currency)}のお支払いの` : ''
    return (
      `<speak>${xml(brand)}です。${what}認証コードは、<break time="300ms"/>${digits(pin, '400ms')}、です。<break time="700ms"/>` +
      `もう一度申し上げます。認証コードは、<break time="300ms"/>${digits(pin, '400ms')}、です。<break time="500ms"/>` +
      `有効期限は${minutes}分です。このコードは誰にも教えないでください。</speak>`
    )
  },
}

/** SSML for a PIN by phone call: the same facts as the SMS, the code read twice. */
export function pinVoiceMessage(locale: Locale, text: PinText): string {
  return voiceTemplates[locale](text)
}
