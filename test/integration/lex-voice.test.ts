import { randomUUID } from 'node:crypto'
import { decodeJwt } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { VoiceMessage } from '../../services/auth/src/core/ports.ts'
import { lexEvent, slot, type Json } from '../support/events/lex-events.ts'
import { buildTestApp, type TestApp } from '../support/app/test-app.ts'
import { registerCustomer } from '../support/app/callers.ts'
import { postLex } from '../support/app/channels.ts'

// LEX_PIN_CHANNEL: the bot's PINs by phone call (voice) or, with auto, by call to landlines only.

const calls: VoiceMessage[] = []
let t: TestApp

beforeAll(async () => {
  t = await buildTestApp(
    { VOICE_PROVIDER: 'log', LEX_PIN_CHANNEL: 'auto' },
    { voice: { call: async (m) => void calls.push(m) } },
  )
})
afterAll(() => t.app.close())

async function customer(phone: string) {
  const { email } = await registerCustomer(t, phone, {
    firstName: 'Aiko',
    lastName: 'Sato',
    custLevel: 'Gold',
    language: 'ja',
  })
  const sessionId = randomUUID()
  const say = (extra: Json = {}): Promise<Json> =>
    postLex(t, lexEvent({ intent: 'OrderFood', sessionId, localeId: 'ja_JP', sessionAttributes: { email }, ...extra }))
  return { say, sessionId }
}

describe('LEX_PIN_CHANNEL=auto', () => {
  it('a landline customer is called (in Japanese), the bot says so, and the spoken PIN verifies with an assertion that says tel', async () => {
    const phone = '+81355550123'
    const c = await customer(phone)
    const asked = await c.say()
    expect(asked.messages[0].content).toContain('末尾0123の電話番号にお電話でワンタイムPINをお伝えします')
    expect(calls.map((m) => [m.to, m.locale])).toEqual([[phone, 'ja']])
    expect(t.sms.sent).toHaveLength(0)
    const pin = [...calls[0]!.ssml.matchAll(/interpret-as="digits">(\d)</g)]
      .map((m) => m[1])
      .join('')
      .slice(0, 6)
    const approved = await c.say({ slots: { Pin: slot(pin) } })
    expect(approved.sessionState.sessionAttributes.auth).toBe('true')
    expect(decodeJwt(approved.sessionState.sessionAttributes.pinlineAssertion)).toMatchObject({
      amr: ['otp', 'tel'],
      via: 'lex',
      binding: `lex:${c.sessionId}`,
    })
  })

  it('a mobile customer gets an SMS as before', async () => {
    const phone = '+819055550123'
    const c = await customer(phone)
    const before = calls.length
    await c.say()
    expect(t.sms.sent.map((m) => m.to)).toEqual([phone])
    expect(calls).toHaveLength(before)
  })
})
