import { XMLParser, XMLValidator } from 'fast-xml-parser'
import { describe, expect, it } from 'vitest'
import { message } from '../../services/auth/src/channels/lex/response.ts'
import { digits, spoken, toPlainText, toSsml, unmarked } from '../../services/auth/src/channels/lex/speech.ts'

// One text, two renderings: plain for a screen, SSML for a call.

describe('speech marks', () => {
  const text = `Sent to the number ending in ${digits('0344')}. Total ${spoken('¥1,200', '1,200 Japanese yen')}. Fish & "chips" <b>`

  it('plain text drops the marks and keeps the screen wording', () => {
    expect(toPlainText(text)).toBe('Sent to the number ending in 0344. Total ¥1,200. Fish & "chips" <b>')
  })

  it('SSML reads marked digits one by one, says the spoken wording, and escapes everything else', () => {
    const ssml = toSsml(text)
    expect(ssml).toBe(
      '<speak>Sent to the number ending in <say-as interpret-as="digits">0344</say-as>. Total 1,200 Japanese yen. Fish &amp; &quot;chips&quot; &lt;b&gt;</speak>',
    )
    expect(XMLValidator.validate(ssml)).toBe(true)
    const doc = new XMLParser({ ignoreAttributes: false }).parse(ssml)
    expect(doc.speak['say-as']).toMatchObject({ '#text': 344, '@_interpret-as': 'digits' })
  })

  it('text from outside cannot bring marks of its own', () => {
    expect(unmarked('a\u{E000}12\u{E001}b\u{E002}x\u{E003}y\u{E004}')).toBe('a12bxy')
    expect(digits('+81 90-1234')).toBe(digits('81901234'))
  })

  it('a message too long for Lex: plain is clipped, SSML is cut from the plain words and stays valid', () => {
    const long = `${'&'.repeat(400)} ${digits('1234')} ${'x'.repeat(900)}`
    const plain = message(long, false)
    expect(plain.contentType).toBe('PlainText')
    expect([...plain.content]).toHaveLength(1000)
    const ssml = message(long, true)
    expect(ssml.contentType).toBe('SSML')
    expect([...ssml.content].length).toBeLessThanOrEqual(1000)
    expect(XMLValidator.validate(ssml.content)).toBe(true)
  })
})
