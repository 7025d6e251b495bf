import type { Locale } from '../../core/ports.ts'
import { FINISH_UTTERANCES } from './bot-names.ts'

// The answers to "Would you like anything else?" when the bot has no intent for them. The bot
// should define FinishOrder (bot-names.ts) with these as utterances; if it does not, Lex
// routes "no" or "以上です" to FallbackIntent, and the channel reads the words itself. Only a
// whole utterance counts: "no pizza" is not "no".

const normalise = (text: string) =>
  text
    .toLowerCase()
    .normalize('NFKC')
    .replace(/[’`]/g, "'")
    .replace(/[.,!?。、！？…]/g, ' ')
    .replace(/\s+/g, ' ')
    .trim()

// The bot's own utterances, and what recognisers also write for them.
const EN_DONE = new Set([
  ...FINISH_UTTERANCES.en_US,
  'nah',
  'thats all',
  'that is all',
  'thats it',
  'that is it',
  'nothing',
  'im done',
  "i'm good",
  'finish',
  'finished',
])
const JA_DONE = new Set([
  ...FINISH_UTTERANCES.ja_JP,
  '以上で',
  '以上になります',
  'いえ',
  'ありません',
  'けっこうです',
  '終わりです',
  'おわりです',
])
const EN_YES = new Set(['yes', 'yeah', 'yep', 'yes please', 'sure', 'ok', 'okay'])
const JA_YES = new Set(['はい', 'ええ', 'うん', 'お願いします', 'はいお願いします'])

function phrase(text: string | undefined, locale: Locale): string {
  if (!text || text.length > 100) return ''
  const s = normalise(text)
  if (locale === 'ja') return s.replace(/ /g, '')
  // "No, thanks." and "That's all, thank you." say the same as "no" and "that's all".
  return s.replace(/ (thanks|thank you)$/, '').replace(/^(no|ok|okay) (?=.)/, '')
}

/** "No", "that's all", "以上です": the caller has finished ordering. */
export function saysDone(text: string | undefined, locale: Locale): boolean {
  const p = phrase(text, locale)
  if (locale === 'ja') return JA_DONE.has(p) || JA_DONE.has(p.replace(/^(いいえ|いえ)/, ''))
  return EN_DONE.has(p) || (p !== '' && EN_DONE.has(normalise(text ?? '')))
}

/** "Yes": the caller wants something more but has not said what. */
export function saysYes(text: string | undefined, locale: Locale): boolean {
  const p = phrase(text, locale)
  return (locale === 'ja' ? JA_YES : EN_YES).has(p)
}
