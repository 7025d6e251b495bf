import { describe, expect, it } from 'vitest'
import { saysDone, saysYes } from '../../services/auth/src/channels/lex/answers.ts'
import { FINISH_UTTERANCES } from '../../services/auth/src/channels/lex/bot-names.ts'

// "Anything else?" answered with words the bot routed to FallbackIntent.

describe('saysDone', () => {
  it('every FinishOrder utterance the bot is built with ends the order when it reaches FallbackIntent instead', () => {
    for (const u of FINISH_UTTERANCES.en_US) expect(saysDone(u, 'en'), u).toBe(true)
    for (const u of FINISH_UTTERANCES.ja_JP) expect(saysDone(u, 'ja'), u).toBe(true)
  })

  it.each([
    ["No, that's all.", 'en'],
    ['No thanks!', 'en'],
    ['That’s it, thank you', 'en'],
    ['OK that’s all', 'en'],
    ['NOTHING ELSE', 'en'],
    ['いいえ、以上です。', 'ja'],
    ['以上です！', 'ja'],
    ['それで 全部です', 'ja'],
  ] as const)('%j (%s) is done', (said, locale) => {
    expect(saysDone(said, locale)).toBe(true)
  })

  it.each([
    ['no pizza', 'en'],
    ['pizza', 'en'],
    ["that's all the pizza I want, and a pasta", 'en'],
    ['', 'en'],
    [undefined, 'en'],
    ['以上です', 'en'],
    ['ピザ', 'ja'],
    ['いいえピザ', 'ja'],
    ["that's all", 'ja'],
    ['no '.repeat(60), 'en'],
  ] as const)('%j (%s) is not', (said, locale) => {
    expect(saysDone(said, locale)).toBe(false)
  })
})

describe('saysYes', () => {
  it('reads a bare yes in either language, and nothing more', () => {
    expect(saysYes('Yes, please.', 'en')).toBe(true)
    expect(saysYes('はい', 'ja')).toBe(true)
    expect(saysYes('yes pizza', 'en')).toBe(false)
    expect(saysYes('no', 'en')).toBe(false)
  })
})
