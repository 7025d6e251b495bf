// What the bot says is written once, for the screen and the phone. The few places a voice
// must read differently are marked in the text (private-use characters, never shown):
// digits to be read one by one ("ending in 3344" is not "three thousand ..."), and spans with
// a spoken wording of their own (an amount in words instead of "¥1,200"). A text turn gets
// the plain wording; a voice turn gets SSML that Amazon Lex passes to Polly.

const DIGITS_OPEN = '\u{E000}'
const DIGITS_CLOSE = '\u{E001}'
const ALT_OPEN = '\u{E002}'
const ALT_SPLIT = '\u{E003}'
const ALT_CLOSE = '\u{E004}'
const MARKS = /[\u{E000}-\u{E004}]/gu
const ALT = /\u{E002}([^\u{E002}-\u{E004}]*)\u{E003}([^\u{E002}-\u{E004}]*)\u{E004}/gu
const DIGITS = /\u{E000}([0-9]*)\u{E001}/gu

/** Digits a voice reads one by one: a number's last four, a count of seconds is not one. */
export const digits = (d: string): string => `${DIGITS_OPEN}${d.replace(/[^0-9]/g, '')}${DIGITS_CLOSE}`

/** `plain` on a screen, `spoken` on a call. */
export const spoken = (plain: string, said: string): string =>
  `${ALT_OPEN}${unmarked(plain)}${ALT_SPLIT}${unmarked(said)}${ALT_CLOSE}`

/** Text from outside (what the user said, a dish name) can never carry marks of its own. */
export const unmarked = (text: string): string => text.replace(MARKS, '')

export function toPlainText(text: string): string {
  return text.replace(ALT, (_, plain: string) => plain).replace(MARKS, '')
}

const escapeXml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!)

/** The SSML for a voice turn: everything escaped, marked digits in say-as digits. */
export function toSsml(text: string): string {
  const said = text.replace(ALT, (_, _plain: string, voice: string) => voice)
  const body = escapeXml(said)
    .replace(DIGITS, (_, d: string) => (d ? `<say-as interpret-as="digits">${d}</say-as>` : ''))
    .replace(MARKS, '')
  return `<speak>${body}</speak>`
}
