import { describe, expect, it } from 'vitest'
import { pinFromSpeech, readDigits } from '../../services/auth/src/channels/lex/spoken-digits.ts'

// How a PIN said or keyed on a phone reads, in each of the bot's languages.

// Digits alone, as callers say or key them; and what must not be read as digits.
const READS: Record<'en' | 'ja', Array<[said: string, digits: string | undefined]>> = {
  en: [
    ['zero four two seven one nine', '042719'],
    ['Zero Four Two Seven One Nine', '042719'],
    ['oh four two seven one nine', '042719'],
    ['o 4 2 7 1 9', '042719'],
    ['0 4 2 7 1 9', '042719'],
    ['042719', '042719'],
    ['042-719', '042719'],
    ['042 719.', '042719'],
    ['zero, four, two, seven, one, nine', '042719'],
    ['double oh seven one two three', '007123'],
    ['one double four triple nine', '144999'],
    ['double 4 0 0 0 1', '440001'],
    ['eight', '8'],
  ],
  ja: [
    ['ゼロヨンニナナイチキュウ', '042719'],
    ['ぜろよんになないちきゅう', '042719'],
    ['れい よん に なな いち きゅう', '042719'],
    ['まる、よん、に、しち、いち、く', '042719'],
    ['〇四二七一九', '042719'],
    ['零四二七一九', '042719'],
    ['０４２７１９', '042719'],
    ['042719', '042719'],
    ['０４２ー７１９', undefined],
    ['ゼロキューゼロ', '090'],
    ['ニーイチ', '21'],
    ['ゴーゴー', '55'],
    ['シチハチ', '78'],
    ['シロク', '46'],
    ['サンサンヨンヨン', '3344'],
    ['0　4　2　7　1　9', '042719'],
  ],
}
const NOT_DIGITS: Record<'en' | 'ja', string[]> = {
  en: [
    'my code is 042719',
    'four two seven and one',
    'double',
    'double double four',
    'double forty',
    'twelve',
    'forty two',
    '',
    '   ',
    '０４２７１９',
    'ゼロよんに',
    '4.2e5',
    '+042719',
    '042719#',
  ],
  ja: ['以上です', 'ピザ', 'よんじゅうに', '四十二', 'ゼロよんにX', 'zero four two', '', 'あ'],
}

describe.each(['en', 'ja'] as const)('readDigits (%s)', (language) => {
  it.each(READS[language])('%j -> %s', (said, digits) => {
    expect(readDigits(said, language)).toBe(digits)
  })

  it.each(NOT_DIGITS[language])('%j is not digits alone', (said) => {
    expect(readDigits(said, language)).toBeUndefined()
  })
})

describe('readDigits', () => {
  it('words run together are cut every way, not greedily: にいち is に + いち', () => {
    // "にい" is 2 said long, which would leave a stray ち if taken first.
    expect(readDigits('にいち', 'ja')).toBe('21')
    expect(readDigits('にいいち', 'ja')).toBe('21')
  })

  it('very long text is not read at all', () => {
    expect(readDigits('ゼロ'.repeat(100), 'ja')).toBeUndefined()
    expect(readDigits('zero '.repeat(40), 'en')).toBeUndefined()
  })
})

describe('pinFromSpeech: which of the words Lex reports decides', () => {
  it('AMAZON.Number drops the leading zero: the words said keep it', () => {
    expect(pinFromSpeech({ originalValue: 'zero four two seven one nine', interpretedValue: '42719' }, 'en')).toBe(
      '042719',
    )
    expect(pinFromSpeech({ originalValue: 'ゼロ四二七一九', interpretedValue: '42719' }, 'ja')).toBe('042719')
    expect(pinFromSpeech({ originalValue: 'れいよんになないちきゅう', interpretedValue: '42719' }, 'ja')).toBe('042719')
  })

  it('a slot value that already lost its zero is completed from the utterance when it reads as the same number', () => {
    expect(
      pinFromSpeech(
        { originalValue: '42719', transcript: 'zero four two seven one nine', interpretedValue: '42719' },
        'en',
      ),
    ).toBe('042719')
    expect(
      pinFromSpeech(
        { originalValue: '42719', transcript: 'まるよんにななひときゅう', interpretedValue: '42719' },
        'ja',
      ),
    ).toBe('42719')
  })

  it('the words heard win over a different interpretation, and over a different utterance', () => {
    expect(pinFromSpeech({ originalValue: 'one two three four five six', interpretedValue: '654321' }, 'en')).toBe(
      '123456',
    )
    expect(pinFromSpeech({ originalValue: '123456', transcript: '654321', interpretedValue: '123456' }, 'en')).toBe(
      '123456',
    )
  })

  it('words that are not digits fall back to what Lex understood, then to the words as they are', () => {
    expect(pinFromSpeech({ originalValue: 'my code', interpretedValue: '042719' }, 'en')).toBe('042719')
    expect(
      pinFromSpeech(
        { originalValue: 'my code', interpretedValue: '42719', transcript: 'my code is zero four two seven one nine' },
        'en',
      ),
    ).toBe('42719')
    expect(pinFromSpeech({ originalValue: 'twelve' }, 'en')).toBe('twelve')
    expect(pinFromSpeech({}, 'en')).toBeUndefined()
  })

  it('full-width digits are read on a Japanese bot only (English recognisers never produce them)', () => {
    expect(pinFromSpeech({ originalValue: '０４２７１９', interpretedValue: '０４２７１９' }, 'ja')).toBe('042719')
    expect(pinFromSpeech({ originalValue: '０４２７１９', interpretedValue: '０４２７１９' }, 'en')).toBe(
      '０４２７１９',
    )
  })
})
