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
}

// Brand first so the phone's preview names the sender; the warning closes every
// message because "never share" is what stops most social-engineering of codes.
const templates: Record<Locale, (t: PinText) => string> = {
  en: ({ brand, pin, minutes }) =>
    `${brand}: your verification code is ${pin}. It expires in ${minutes} min. Do not share it with anyone; ${brand} will never ask you for it.`,
  ja: ({ brand, pin, minutes }) =>
    `【${brand}】認証コード: ${pin}（有効期限${minutes}分）。このコードは誰にも教えないでください。${brand}がコードを尋ねることはありません。`,
}

export function pinMessage(locale: Locale, text: PinText): string {
  return templates[locale](text)
}
