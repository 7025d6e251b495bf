import type { Locale } from '../../core/ports.ts'

// Reads a PIN the way a caller says or keys it: digits one by one, as digits or as words.
// Speech recognition and AMAZON.Number lose leading zeros ("zero four two seven one nine"
// becomes 42719), so the words themselves are read here, in the bot's language. A reading
// is all or nothing: one word that is not a digit and the text is not a PIN.

const MAX_INPUT = 120 // characters; a PIN said slowly with separators fits many times over

const EN_WORDS: Record<string, string> = {
  zero: '0',
  oh: '0',
  o: '0',
  one: '1',
  two: '2',
  three: '3',
  four: '4',
  five: '5',
  six: '6',
  seven: '7',
  eight: '8',
  nine: '9',
}
const EN_REPEAT: Record<string, number> = { double: 2, triple: 3 }

/** en: "zero four two", "0 4 2", "042-719", "double oh seven". */
function readEnglish(text: string): string | undefined {
  const words = text
    .toLowerCase()
    .split(/[\s,.\-–]+/)
    .filter(Boolean)
  let out = ''
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!
    const repeat = EN_REPEAT[w]
    if (repeat) {
      // "double" counts only before a single digit: "double four" is 44, "double 42" is not a PIN.
      const next = words[i + 1]
      const digit = next === undefined ? undefined : (EN_WORDS[next] ?? (/^[0-9]$/.test(next) ? next : undefined))
      if (digit === undefined) return undefined
      out += digit.repeat(repeat)
      i++
    } else if (/^[0-9]+$/.test(w)) out += w
    else if (EN_WORDS[w] !== undefined) out += EN_WORDS[w]
    else return undefined
  }
  return out || undefined
}

// ja: how each digit is read out (hiragana; katakana is folded to hiragana first), kanji
// numerals, and full-width digits, which Japanese recognisers and keyboards produce.
const JA_TOKENS: Array<[string, string]> = [
  ...['ぜろ', 'れい', 'まる', '〇', '零', '○'].map((t): [string, string] => [t, '0']),
  ...['いち', '一'].map((t): [string, string] => [t, '1']),
  ...['に', 'にい', 'にー', '二'].map((t): [string, string] => [t, '2']),
  ...['さん', '三'].map((t): [string, string] => [t, '3']),
  ...['よん', 'し', '四'].map((t): [string, string] => [t, '4']),
  ...['ご', 'ごお', 'ごー', '五'].map((t): [string, string] => [t, '5']),
  ...['ろく', '六'].map((t): [string, string] => [t, '6']),
  ...['なな', 'しち', '七'].map((t): [string, string] => [t, '7']),
  ...['はち', '八'].map((t): [string, string] => [t, '8']),
  ...['きゅう', 'きゅー', 'く', '九'].map((t): [string, string] => [t, '9']),
  ...[...'0123456789'].map((d): [string, string] => [d, d]),
  ...[...'０１２３４５６７８９'].map((d, i): [string, string] => [d, String(i)]),
]

const toHiragana = (s: string) => s.replace(/[\u30a1-\u30f6]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0x60))

/**
 * ja: "ゼロヨンニナナイチキュウ", "れい よん に なな いち きゅう", "０４２７１９", "〇四二七一九".
 * Words run together, so every way of cutting the text into digit words is tried; if two
 * cuts read differently (a long vowel could belong to either word), the text is not a PIN.
 */
function readJapanese(text: string): string | undefined {
  const s = toHiragana(text).replace(/[\s\u3000、。・,.-]+/g, '')
  if (!s) return undefined
  // readings[i]: the distinct digit strings s.slice(i) reads as (at most two are kept).
  const readings: Array<string[]> = new Array(s.length + 1)
  readings[s.length] = ['']
  for (let i = s.length - 1; i >= 0; i--) {
    const found = new Set<string>()
    for (const [token, digit] of JA_TOKENS) {
      if (!s.startsWith(token, i)) continue
      for (const rest of readings[i + token.length]!) found.add(digit + rest)
      if (found.size > 1) break
    }
    readings[i] = [...found].slice(0, 2)
  }
  const all = readings[0]!
  return all.length === 1 ? all[0] : undefined
}

/**
 * The digits a caller said or keyed, in the bot's language (ASCII digits in any language),
 * or undefined when the text is not digits alone. Leading zeros are kept.
 */
export function readDigits(text: string | undefined, locale: Locale): string | undefined {
  if (typeof text !== 'string' || text.length > MAX_INPUT) return undefined
  const trimmed = text.trim()
  if (!trimmed) return undefined
  return locale === 'ja' ? readJapanese(trimmed) : readEnglish(trimmed)
}

const sameNumber = (a: string, b: string) => a.replace(/^0+/, '') === b.replace(/^0+/, '')

/**
 * The PIN of a turn, from what Lex heard: the slot's raw words (originalValue), the whole
 * utterance (inputTranscript) and Lex's interpretation (interpretedValue), in that order of
 * trust. The first reading decides the number; a reading of the same number with more
 * leading zeros wins, because recognisers drop zeros and never invent them. Nothing readable:
 * the interpretation as Lex gave it, for the core to refuse by its format.
 */
export function pinFromSpeech(
  heard: { originalValue?: string | undefined; transcript?: string | undefined; interpretedValue?: string | undefined },
  locale: Locale,
): string | undefined {
  const readings = [heard.originalValue, heard.transcript, heard.interpretedValue]
    .map((text) => readDigits(text, locale))
    .filter((d): d is string => d !== undefined)
  const first = readings[0]
  if (first === undefined) return heard.interpretedValue || heard.originalValue || undefined
  return readings.filter((d) => sameNumber(d, first)).reduce((best, d) => (d.length > best.length ? d : best), first)
}
