import { randomUUID } from 'node:crypto'
import { XMLParser } from 'fast-xml-parser'
import { describe, expect, it } from 'vitest'
import { expectLexMessage } from '../support/property/lex-arbitraries.ts'
import { callTurn, lexEvent, sayDigits, slot, type CallTurnSpec, type Json } from '../support/events/lex-events.ts'
import { auth, keysOf, shareTestApp, type TestApp } from '../support/app/test-app.ts'
import { phoneSequence } from '../support/app/phones.ts'
import { registerCaller } from '../support/app/callers.ts'

// The Lex bot on a phone line: Amazon Connect hands the call to the bot with the caller's
// number in the callerPhone session attribute, turns arrive as Speech or DTMF, and answers
// are SSML. (test/e2e/lex-phone-order.test.ts runs whole calls through the bundled shim.)

let t: TestApp
const nextPhone = phoneSequence('70', 50000000)

async function say(event: Json, app = t): Promise<Json> {
  const res = await app.app.inject({ method: 'POST', url: '/v1/channels/lex', headers: auth, payload: event })
  expect(res.statusCode).toBe(200)
  const r = res.json()
  expectLexMessage(r)
  return r
}
const text = (r: Json): string => r.messages[0].content
const spokenText = (r: Json): string => text(r).replace(/<[^>]+>/g, '')
const order = (r: Json) => JSON.parse(r.sessionState.sessionAttributes.currentOrder)

async function caller(opts: { language?: 'en' | 'ja'; email?: string } = {}) {
  const phone = nextPhone()
  const profile = { firstName: 'Ken', lastName: 'Ito', custLevel: 'Gold', language: opts.language ?? 'en' }
  await registerCaller(t, phone, { ...profile, ...(opts.email ? { email: opts.email } : {}) })
  return phone
}

/** An order turn of the call `contactId` from `phone`, naming `food` (with what Lex holds, when given). */
const orderTurn = (contactId: string, phone: string, food: string, attributes?: Record<string, string>) =>
  callTurn({
    intent: 'OrderFood',
    contactId,
    callerPhone: phone,
    said: food,
    slots: { Food: slot(food) },
    ...(attributes ? { attributes } : {}),
  })

/** One call: each turn carries what Lex holds from the previous answer, as Lex does. */
function call(phone: string | undefined, base: Partial<CallTurnSpec> = {}) {
  const contactId = randomUUID()
  let attributes: Record<string, string> = {}
  return {
    contactId,
    async turn(spec: Omit<CallTurnSpec, 'contactId' | 'callerPhone'>): Promise<Json> {
      const r = await say(
        callTurn({
          ...base,
          ...spec,
          contactId,
          callerPhone: phone,
          attributes: { ...attributes, ...(spec.attributes ?? {}) },
        }),
      )
      attributes = r.sessionState.sessionAttributes
      return r
    },
  }
}

shareTestApp(
  { PIN_RESEND_COOLDOWN_SECONDS: '0', PHONE_MAX_SENDS: '50', SMS_PREFIX_MAX_SENDS: '1000' },
  (app) => (t = app),
)

describe('a call identified by its number', () => {
  it('order -> PIN by SMS to the registered number -> spoken PIN -> added, "anything else?" keeps the call -> second item -> "no, that\'s all" -> summary', async () => {
    const phone = await caller()
    const c = call(phone)
    const asked = await c.turn({ intent: 'OrderFood', said: 'I would like a pizza', slots: { Food: slot('pizza') } })
    expect(asked.sessionState.dialogAction).toEqual({ type: 'ElicitSlot', slotToElicit: 'Pin' })
    expect(t.sms.sent.map((m) => m.to)).toEqual([phone])
    expect(text(asked)).toContain(`ending in <say-as interpret-as="digits">${phone.slice(-4)}</say-as>`)

    const pin = t.sms.lastPin(phone)
    const added = await c.turn({
      intent: 'OrderFood',
      said: sayDigits(pin, 'en'),
      slots: { Food: slot('pizza'), Pin: slot(sayDigits(pin, 'en'), String(Number(pin))) },
    })
    expect(added.sessionState.dialogAction).toEqual({ type: 'ElicitIntent' })
    expect(added.sessionState.intent).toMatchObject({
      name: 'OrderFood',
      state: 'Fulfilled',
      slots: { Food: null, Pin: null },
    })
    expect(spokenText(added)).toBe(
      'Thank you, you are verified. I&apos;ve added Pizza to your order. Your order so far: 1 Pizza (total 1,200 Japanese yen). Would you like anything else?',
    )
    expect(order(added)).toEqual([{ id: 'pizza', name: 'Pizza', quantity: 1 }])

    const second = await c.turn({ intent: 'OrderFood', said: 'pasta please', slots: { Food: slot('pasta') } })
    expect(second.sessionState.dialogAction).toEqual({ type: 'ElicitIntent' })
    expect(order(second)).toEqual([
      { id: 'pizza', name: 'Pizza', quantity: 1 },
      { id: 'pasta', name: 'Pasta', quantity: 1 },
    ])
    expect(t.sms.sent).toHaveLength(1)

    // The bot has no FinishOrder intent for these words here: Lex routes them to FallbackIntent.
    const done = await c.turn({ intent: 'FallbackIntent', said: "No, that's all, thanks.", slots: {} })
    expect(done.sessionState.dialogAction).toEqual({ type: 'Close' })
    expect(done.sessionState.intent).toMatchObject({ name: 'FallbackIntent', state: 'Fulfilled' })
    expect(spokenText(done)).toBe('Thank you. Your order: 1 Pizza, 1 Pasta (total 2,200 Japanese yen). Goodbye!')
  })

  it('the FinishOrder intent ends it the same way, in Japanese; "以上です" read from FallbackIntent too', async () => {
    const phone = await caller({ language: 'ja' })
    const c = call(phone, { localeId: 'ja_JP' })
    await c.turn({ intent: 'OrderFood', said: 'ピザをお願いします', slots: { Food: slot('ピザ') } })
    const pin = t.sms.lastPin(phone)
    const added = await c.turn({
      intent: 'OrderFood',
      said: sayDigits(pin, 'ja'),
      slots: { Food: slot('ピザ'), Pin: slot(sayDigits(pin, 'ja'), String(Number(pin))) },
    })
    expect(spokenText(added)).toBe(
      '認証が完了しました。ピザをご注文に追加しました。現在のご注文：ピザを1つ（合計1,200円）。他にご注文はありますか？',
    )
    const done = await c.turn({ intent: 'FinishOrder', said: '以上です', slots: {} })
    expect(done.sessionState.intent).toMatchObject({ name: 'FinishOrder', state: 'Fulfilled' })
    expect(spokenText(done)).toBe('ありがとうございました。ご注文は、ピザを1つ（合計1,200円）です。')
    const again = await c.turn({ intent: 'FallbackIntent', said: 'いいえ、以上です。', slots: {} })
    expect(spokenText(again)).toBe('ありがとうございました。ご注文は、ピザを1つ（合計1,200円）です。')
  })

  it('"that\'s all" before anything was ordered ends the call without an order; "yes" asks what to add', async () => {
    const c = call(await caller())
    const yes = await c.turn({ intent: 'FallbackIntent', said: 'yes please', slots: {} })
    expect(yes.sessionState.dialogAction).toEqual({ type: 'ElicitSlot', slotToElicit: 'Food' })
    const none = await c.turn({ intent: 'FallbackIntent', said: 'nope', slots: {} })
    expect(none.sessionState).toMatchObject({ dialogAction: { type: 'Close' }, intent: { state: 'Failed' } })
    expect(spokenText(none)).toBe('All right, nothing has been ordered. Goodbye!')
    const other = await c.turn({ intent: 'FallbackIntent', said: 'what is the weather', slots: {} })
    expect(other.sessionState.dialogAction).toEqual({ type: 'ElicitIntent' })
    expect(t.sms.sent).toHaveLength(0)
  })

  it('a PIN keyed on the keypad (DTMF) keeps its leading zero too', async () => {
    const phone = await caller()
    const c = call(phone, { inputMode: 'DTMF' })
    await c.turn({ intent: 'OrderFood', said: 'sushi', slots: { Food: slot('sushi') } })
    const pin = t.sms.lastPin(phone)
    const r = await c.turn({
      intent: 'OrderFood',
      said: pin,
      slots: { Food: slot('sushi'), Pin: slot(String(Number(pin)), String(Number(pin))) },
    })
    expect(r.sessionState.sessionAttributes.auth).toBe('true')
    expect(order(r)).toEqual([{ id: 'sushi', name: 'Sushi', quantity: 1 }])
  })

  it('an unknown number: a clear spoken answer, no SMS, no session written', async () => {
    const before = await keysOf(t)
    const r = await call('+817099999999').turn({ intent: 'OrderFood', said: 'pizza', slots: { Food: slot('pizza') } })
    expect(r.sessionState).toMatchObject({ dialogAction: { type: 'Close' }, intent: { state: 'Failed' } })
    expect(spokenText(r)).toMatch(/^I couldn&apos;t find an account for the number you&apos;re calling from/)
    expect(t.sms.sent).toHaveLength(0)
    expect(await keysOf(t)).toEqual(before)
  })

  it('a withheld number (Connect passes "anonymous", or nothing): asked to call again with the number shown', async () => {
    for (const phone of ['anonymous', undefined]) {
      const r = await call(phone).turn({ intent: 'OrderFood', said: 'pizza', slots: { Food: slot('pizza') } })
      expect(r.sessionState.intent.state).toBe('Failed')
      expect(spokenText(r)).toMatch(/^I can&apos;t see the number you&apos;re calling from/)
    }
    expect(t.sms.sent).toHaveLength(0)
  })
})

describe('which attribute identifies the caller', () => {
  it('a registered number outside SMS_ALLOWED_COUNTRIES calling: told no PIN can go to that number, nothing sent', async () => {
    const us = '+12025550177'
    await registerCaller(t, us, { firstName: 'Ann', lastName: 'Lee', custLevel: 'Gold', language: 'en' })
    const r = await call(us).turn({ intent: 'OrderFood', said: 'pizza', slots: { Food: slot('pizza') } })
    expect(r.sessionState.intent.state).toBe('Failed')
    expect(spokenText(r)).toBe(
      'I can&apos;t send a PIN to the number you&apos;re calling from. Please contact support.',
    )
    expect(t.sms.sent).toHaveLength(0)
  })

  it('on a call, the number wins over an e-mail; the PIN goes to the number as registered', async () => {
    const emailOwner = await caller({ email: `owner-${randomUUID().slice(0, 6)}@example.com` })
    const email = (await t.app.inject({ method: 'GET', url: `/v1/callers/${emailOwner}`, headers: auth })).json().email
    const phone = await caller()
    await call(phone).turn({
      intent: 'OrderFood',
      said: 'pizza',
      attributes: { email },
      slots: { Food: slot('pizza') },
    })
    expect(t.sms.sent.map((m) => m.to)).toEqual([phone])
  })

  it('on a text turn, callerPhone is ignored: a web client cannot make a PIN go to, or verify, the number it names', async () => {
    const victim = await caller()
    const sessionId = randomUUID()
    const r = await say(
      lexEvent({
        intent: 'OrderFood',
        sessionId,
        inputMode: 'Text',
        sessionAttributes: { callerPhone: victim },
        slots: { Food: slot('pizza') },
      }),
    )
    expect(r.sessionState.intent.state).toBe('Failed')
    expect(text(r)).toMatch(/e-mail address you signed in with/)
    expect(r.messages[0].contentType).toBe('PlainText')
    expect(t.sms.sent).toHaveLength(0)
  })

  it('a forged callerPhone on a voice turn only sends the registered owner a PIN the forger never sees; nothing is granted', async () => {
    const victim = await caller()
    const forger = call(victim)
    const r = await forger.turn({ intent: 'OrderFood', said: 'pizza', slots: { Food: slot('pizza') } })
    expect(t.sms.sent.map((m) => m.to)).toEqual([victim])
    expect(JSON.stringify(r)).not.toContain(t.sms.lastPin(victim))
    const guess = await forger.turn({
      intent: 'OrderFood',
      said: 'one two three four five six',
      slots: { Food: slot('pizza'), Pin: slot('one two three four five six', '123456') },
    })
    expect(guess.sessionState.sessionAttributes.auth).toBe('false')
    expect(order(guess)).toEqual([])
  })

  it('a verified call does not carry over when the number changes mid-conversation', async () => {
    const a = await caller()
    const b = await caller()
    const c = call(a)
    await c.turn({ intent: 'OrderFood', said: 'pizza', slots: { Food: slot('pizza') } })
    const pin = t.sms.lastPin(a)
    expect(
      (await c.turn({ intent: 'OrderFood', said: pin, slots: { Pin: slot(pin) } })).sessionState.sessionAttributes.auth,
    ).toBe('true')
    const swapped = await say(orderTurn(c.contactId, b, 'pizza'))
    expect(swapped.sessionState.dialogAction).toEqual({ type: 'ElicitSlot', slotToElicit: 'Pin' })
    expect(t.sms.sent.at(-1)!.to).toBe(b)
  })
})

describe('voice-friendly answers', () => {
  const parser = new XMLParser({ ignoreAttributes: false, preserveOrder: true })

  it('every voice answer is one <speak> document; numbers are read digit by digit, prices as amounts; text turns stay plain', async () => {
    const phone = await caller()
    const c = call(phone)
    const menu = await c.turn({ intent: 'GetFoodMenu', said: "what's on the menu", slots: {} })
    expect(spokenText(menu)).toMatch(/^Here is our menu: Pizza \(1,200 Japanese yen\), Pasta \(1,000 Japanese yen\)/)
    const asked = await c.turn({ intent: 'OrderFood', said: 'pizza', slots: { Food: slot('pizza') } })
    const doc = parser.parse(text(asked))
    expect(doc).toHaveLength(1)
    expect(Object.keys(doc[0])).toEqual(['speak'])
    expect(text(asked)).toMatch(/Please say it, or key it in\.<\/speak>$/)
    // What the caller said is read back, escaped: it can never become markup.
    const pin = t.sms.lastPin(phone)
    await c.turn({ intent: 'OrderFood', said: pin, slots: { Pin: slot(pin) } })
    const odd = await c.turn({
      intent: 'OrderFood',
      said: 'x',
      slots: { Food: slot('<break time="10s"/> & "fish" \u{E000}12\u{E001}') },
    })
    expect(text(odd)).toContain(
      'Sorry, &quot;&lt;break time=&quot;10s&quot;/&gt; &amp; &quot;fish&quot; 12&quot; is not on our menu.',
    )
    expect(text(odd)).not.toContain('<say-as interpret-as="digits">12')

    const typed = await say(lexEvent({ intent: 'GetFoodMenu', inputMode: 'Text', sessionId: randomUUID() }))
    expect(typed.messages[0]).toEqual({
      contentType: 'PlainText',
      content: expect.stringMatching(/^Here is our menu: Pizza \(¥1,200\)/),
    })
  })

  it('a message too long for Lex is cut before it is marked up, and still parses', async () => {
    const phone = await caller()
    const c = call(phone)
    await c.turn({ intent: 'OrderFood', said: 'pizza', slots: {} })
    const pin = t.sms.lastPin(phone)
    await c.turn({ intent: 'OrderFood', said: pin, slots: { Pin: slot(pin) } })
    const r = await c.turn({ intent: 'OrderFood', said: 'x', slots: { Food: slot('&'.repeat(900)) } })
    expect(r.messages[0].contentType).toBe('SSML')
    expect([...text(r)].length).toBeLessThanOrEqual(1000)
  })
})

describe('one conversation, one turn at a time', () => {
  it('20 identical turns at once on a verified call: the item is added once and every answer is the same "added"', async () => {
    const phone = await caller()
    const c = call(phone)
    await c.turn({ intent: 'OrderFood', said: 'pizza', slots: {} })
    const pin = t.sms.lastPin(phone)
    const verified = await c.turn({ intent: 'OrderFood', said: pin, slots: { Pin: slot(pin) } })
    expect(verified.sessionState.sessionAttributes.auth).toBe('true')

    const same = orderTurn(c.contactId, phone, 'pasta', verified.sessionState.sessionAttributes)
    const answers = await Promise.all(Array.from({ length: 20 }, () => say(structuredClone(same))))
    for (const a of answers) expect(a).toEqual(answers[0])
    expect(spokenText(answers[0])).toMatch(/^I&apos;ve added Pasta to your order\. Your order so far: 1 Pasta/)
    const session = await t.app.sessions.peekChannel('lex', ['CCGFLGVZMD', 'TSTALIASID', c.contactId])
    expect(session?.items).toEqual([{ item: 'pasta', quantity: 1 }])

    // Saying it again after the answer is a new turn (Lex sends the new attributes): a second pasta.
    const again = await say(orderTurn(c.contactId, phone, 'pasta', answers[0].sessionState.sessionAttributes))
    expect(order(again)).toEqual([{ id: 'pasta', name: 'Pasta', quantity: 2 }])
  })

  it('20 identical PIN turns at once: one attempt, one verification, one item, and no "something went wrong"', async () => {
    const phone = await caller()
    const c = call(phone)
    const asked = await c.turn({ intent: 'OrderFood', said: 'ramen', slots: { Food: slot('ramen') } })
    const pin = t.sms.lastPin(phone)
    const same = callTurn({
      intent: 'OrderFood',
      contactId: c.contactId,
      callerPhone: phone,
      said: sayDigits(pin, 'en'),
      attributes: asked.sessionState.sessionAttributes,
      slots: { Food: slot('ramen'), Pin: slot(sayDigits(pin, 'en'), String(Number(pin))) },
    })
    const answers = await Promise.all(Array.from({ length: 20 }, () => say(structuredClone(same))))
    for (const a of answers) {
      expect(spokenText(a)).toMatch(/^Thank you, you are verified\. I&apos;ve added Ramen/)
      expect(order(a)).toEqual([{ id: 'ramen', name: 'Ramen', quantity: 1 }])
    }
    expect(t.sms.sent).toHaveLength(1)
  })

  it('a turn behind one that waits on the SMS provider is not held up for long: it runs as before and hears the PIN is on its way', async () => {
    const phone = await caller()
    const c = call(phone)
    const hold = t.sms.holdNext()
    const first = say(orderTurn(c.contactId, phone, 'pizza'))
    await hold.reached
    const second = await say(orderTurn(c.contactId, phone, 'pasta'))
    expect(second.sessionState.dialogAction).toEqual({ type: 'ElicitSlot', slotToElicit: 'Pin' })
    expect(spokenText(second)).toMatch(/A PIN is already on its way/)
    expect(text(second)).not.toMatch(/went wrong/)
    hold.accept()
    expect((await first).sessionState.dialogAction).toEqual({ type: 'ElicitSlot', slotToElicit: 'Pin' })
    expect(t.sms.sent).toHaveLength(1)
  })

  it('a turn that failed is not kept: the same words again are tried again', async () => {
    const phone = await caller()
    const c = call(phone)
    t.sms.failNext(1)
    const spec = { intent: 'OrderFood', said: 'pizza', slots: { Food: slot('pizza') } }
    const failed = await say(callTurn({ ...spec, contactId: c.contactId, callerPhone: phone }))
    expect(spokenText(failed)).toMatch(/^I couldn&apos;t send the PIN just now/)
    const retried = await say(callTurn({ ...spec, contactId: c.contactId, callerPhone: phone }))
    expect(retried.sessionState.dialogAction).toEqual({ type: 'ElicitSlot', slotToElicit: 'Pin' })
    expect(t.sms.sent).toHaveLength(1)
  })
})
