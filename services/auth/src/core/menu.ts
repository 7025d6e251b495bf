import type { Locale } from './ports.ts'

/** One dish as the menu file describes it. Prices are in the currency's major unit (1200 JPY, 9.5 USD). */
export interface MenuItem {
  id: string
  price: number
  currency: string
  /** `en` is required; other locales fall back to it. */
  names: { en: string } & Partial<Record<Locale, string>>
  /** Other words people use for it ("pizzas", "ピッツァ"); matched like names. */
  aliases?: string[] | undefined
}

export interface LocalisedItem {
  id: string
  name: string
  price: number
  currency: string
}

export type Menu = ReturnType<typeof createMenu>

// NFKC folds full-width letters and half-width kana, so "Ｐｉｚｚａ" and "pizza" are the same dish.
// (PINs are never folded like this; this is only for matching what people call food.)
export const fold = (text: string) => text.normalize('NFKC').trim().toLowerCase().replace(/\s+/g, ' ')

/** The menu: localised listing and matching of what a person (or Lex) calls a dish. */
export function createMenu(items: readonly MenuItem[]) {
  const byId = new Map(items.map((item) => [item.id, item]))
  const byWord = new Map<string, MenuItem>()
  for (const item of items) {
    for (const word of [item.id, ...Object.values(item.names), ...(item.aliases ?? [])]) {
      if (word && !byWord.has(fold(word))) byWord.set(fold(word), item)
    }
  }

  const name = (item: MenuItem, locale: Locale) => item.names[locale] ?? item.names.en
  const localise = (item: MenuItem, locale: Locale): LocalisedItem => ({
    id: item.id,
    name: name(item, locale),
    price: item.price,
    currency: item.currency,
  })

  return {
    list: (locale: Locale): LocalisedItem[] => items.map((item) => localise(item, locale)),
    get: (id: string): MenuItem | undefined => byId.get(id),
    /** Finds a dish by id, name in any locale, or alias; undefined when it is not on the menu. */
    find: (text: string): MenuItem | undefined => byWord.get(fold(text)),
    localise,
    /** A localised name for an id, even if the item has since left the menu. */
    nameOf: (id: string, locale: Locale): string => {
      const item = byId.get(id)
      return item ? name(item, locale) : id
    },
  }
}

// Building an Intl.NumberFormat costs ~30 µs (it resolves locale data); formatting with a
// built one costs ~0.5 µs. A Lex menu turn formats every dish: one per locale and currency.
const formatters = new Map<string, Intl.NumberFormat>()

/** "¥1,200" / "$9.50" in the reader's locale. */
export function formatPrice(amount: number, currency: string, locale: Locale): string {
  const key = `${locale} ${currency}`
  let format = formatters.get(key)
  if (!format) {
    format = new Intl.NumberFormat(locale === 'ja' ? 'ja-JP' : 'en-US', { style: 'currency', currency })
    formatters.set(key, format)
  }
  return format.format(amount)
}
