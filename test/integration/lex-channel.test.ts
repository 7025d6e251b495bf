import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { freePort } from '../support/app/free-port.ts'
import { lexEvent, slot, type Json, type TurnSpec } from '../support/events/lex-events.ts'
import { auth, buildTestApp, type TestApp, useTestApp } from '../support/app/test-app.ts'
import { phoneSequence } from '../support/app/phones.ts'
import { registerCustomer } from '../support/app/callers.ts'
import { postLex } from '../support/app/channels.ts'

let t: TestApp
const nextPhone = phoneSequence('90', 20000000)
const wrong = (pin: string) => pin.replace(/^./, (d) => String((Number(d) + 1) % 10))

const say = (app: TestApp, spec: TurnSpec): Promise<Json> => postLex(app, lexEvent(spec))

/** A known caller with an e-mail, and a fresh Lex conversation for them. */
async function customer(app: TestApp, language = 'en') {
  const { phone, email } = await registerCustomer(app, nextPhone(), {
    firstName: 'Aiko',
    lastName: 'Sato',
    custLevel: 'Gold',
    language,
  })
  const sessionId = randomUUID()
  const attrs = (extra: Record<string, string> = {}) => ({ email, ...extra })
  return { phone, email, sessionId, attrs }
}

const order = (r: Json) => JSON.parse(r.sessionState.sessionAttributes.currentOrder)
const message = (r: Json): string => r.messages[0].content

/** Every response Lex gets must be a well-formed V2 response with string-only attributes. */
function expectLexShape(r: Json) {
  expect(['Close', 'ElicitSlot']).toContain(r.sessionState.dialogAction.type)
  if (r.sessionState.dialogAction.type === 'ElicitSlot')
    expect(r.sessionState.dialogAction.slotToElicit).toEqual(expect.any(String))
  expect(r.sessionState.intent).toMatchObject({
    name: expect.any(String),
    state: expect.stringMatching(/^(Fulfilled|Failed|InProgress)$/),
  })
  for (const v of Object.values(r.sessionState.sessionAttributes)) expect(typeof v).toBe('string')
  expect(r.messages).toHaveLength(1)
  expect(r.messages[0].contentType).toBe('PlainText')
  expect(message(r).length).toBeGreaterThan(0)
  expect(message(r).length).toBeLessThanOrEqual(1024)
}

/** The first turn of a new conversation for `email`: a pizza is ordered. Its answer, checked for shape. */
async function orderPizza(app: TestApp, email: string): Promise<Json> {
  const r = await say(app, {
    intent: 'OrderFood',
    sessionId: randomUUID(),
    sessionAttributes: { email },
    slots: { Food: slot('pizza') },
  })
  expectLexShape(r)
  return r
}

beforeAll(async () => {
  // Cooldown 0: as in the seed, a wrong PIN is followed at once by a fresh one.
  t = await buildTestApp({ PIN_RESEND_COOLDOWN_SECONDS: '0', PHONE_MAX_SENDS: '20' })
})
afterAll(() => t.app.close())
beforeEach(() => {
  t.sms.sent.length = 0
})

describe('GetFoodMenu', () => {
  it("lists the menu in the bot's language and leads straight into OrderFood's Food slot", async () => {
    const en = await say(t, { intent: 'GetFoodMenu', sessionAttributes: { email: 'x@example.com', theme: 'dark' } })
    expectLexShape(en)
    expect(en.sessionState.dialogAction).toEqual({ type: 'ElicitSlot', slotToElicit: 'Food' })
    expect(en.sessionState.intent).toEqual({
      name: 'OrderFood',
      state: 'InProgress',
      confirmationState: 'None',
      slots: { Food: null, Pin: null },
    })
    expect(message(en)).toMatch(
      /^Here is our menu: Pizza \(¥1,200\), Pasta \(¥1,000\).*What would you like to order\?$/,
    )
    expect(en.sessionState.sessionAttributes).toEqual({ email: 'x@example.com', theme: 'dark', auth: 'false' })
    const ja = await say(t, { intent: 'GetFoodMenu', localeId: 'ja_JP' })
    expect(message(ja)).toMatch(/^メニューはこちらです：ピザ（￥1,200）、パスタ（￥1,000）/)
    expect(t.sms.sent).toHaveLength(0)
  })
})

describe('OrderFood: the whole conversation', () => {
  it('menu -> order -> PIN by SMS -> wrong PIN -> new PIN -> right PIN -> two more items without re-auth', async () => {
    const c = await customer(t)
    const turn = (slots: Record<string, Json>, extra: Partial<TurnSpec> = {}) =>
      say(t, {
        intent: 'OrderFood',
        sessionId: c.sessionId,
        sessionAttributes: c.attrs({ auth: 'false' }),
        slots,
        ...extra,
      })

    expectLexShape(await say(t, { intent: 'GetFoodMenu', sessionId: c.sessionId, sessionAttributes: c.attrs() }))

    // Order before verification: a PIN goes to the caller's registered phone.
    const asked = await turn({ Food: slot('pizza') })
    expectLexShape(asked)
    expect(asked.sessionState.dialogAction).toEqual({ type: 'ElicitSlot', slotToElicit: 'Pin' })
    expect(asked.sessionState.intent.slots.Food.value.originalValue).toBe('pizza')
    expect(message(asked)).toContain(`ending in ${c.phone.slice(-4)}`)
    expect(t.sms.sent.map((m) => m.to)).toEqual([c.phone])
    const first = t.sms.lastPin(c.phone)
    const challengeId = asked.sessionState.sessionAttributes.uuid
    expect(challengeId).toMatch(/^[A-Za-z0-9_-]{38}$/)
    expect(asked.sessionState.sessionAttributes).toMatchObject({ email: c.email, auth: 'false', currentOrder: '[]' })
    expect(JSON.stringify(asked)).not.toContain(first)

    // Wrong PIN: a fresh PIN is sent (same challenge, attempt still counted) and asked for again.
    const rejected = await turn({ Food: slot('pizza'), Pin: slot(wrong(first)) })
    expectLexShape(rejected)
    expect(rejected.sessionState.dialogAction.slotToElicit).toBe('Pin')
    expect(rejected.sessionState.intent.slots.Pin).toBeNull()
    expect(message(rejected)).toBe(
      `That PIN is not correct. I've sent a new PIN to your number ending in ${c.phone.slice(-4)}. Please enter it.`,
    )
    expect(t.sms.sent).toHaveLength(2)
    const second = t.sms.lastPin(c.phone)
    expect((await t.app.verification.status(challengeId))?.attempts).toBe(1)

    // Right PIN: verified, and the pizza asked for at the start is ordered.
    const approved = await turn({ Food: slot('pizza'), Pin: slot(second) })
    expectLexShape(approved)
    expect(approved.sessionState.dialogAction).toEqual({ type: 'Close' })
    expect(approved.sessionState.intent).toMatchObject({ name: 'OrderFood', state: 'Fulfilled', slots: { Pin: null } })
    expect(message(approved)).toBe(
      "Thank you, you are verified. I've added Pizza to your order. Your order so far: 1 × Pizza (total ¥1,200). Would you like anything else?",
    )
    expect(approved.sessionState.sessionAttributes).toMatchObject({ auth: 'true', uuid: '' })
    expect(order(approved)).toEqual([{ id: 'pizza', name: 'Pizza', quantity: 1 }])

    // Two more items, no PIN: the session stays verified. The second comes as a fulfillment hook
    // (a sample from another bot: given this bot's id, it is the same conversation).
    const pasta = await turn({ Food: slot('pasta') })
    expect(pasta.sessionState.intent.state).toBe('Fulfilled')
    expect(order(pasta)).toEqual([
      { id: 'pizza', name: 'Pizza', quantity: 1 },
      { id: 'pasta', name: 'Pasta', quantity: 1 },
    ])
    const more = await say(t, {
      intent: 'OrderFood',
      fixture: 'lexv2-fulfillmentcodehook-text-bankingbot',
      botId: 'CCGFLGVZMD',
      sessionId: c.sessionId,
      sessionAttributes: c.attrs(),
      slots: { Food: slot('Pizzas', 'Pizzas', ['pizza']) },
    })
    expectLexShape(more)
    expect(message(more)).toBe(
      "I've added Pizza to your order. Your order so far: 2 × Pizza, 1 × Pasta (total ¥3,400). Would you like anything else?",
    )
    expect(t.sms.sent).toHaveLength(2)
  })

  it('speaks Japanese on a ja_JP bot, and the SMS is Japanese too', async () => {
    const c = await customer(t, 'ja')
    const spec = { intent: 'OrderFood', localeId: 'ja_JP', sessionId: c.sessionId, sessionAttributes: c.attrs() }
    const asked = await say(t, { ...spec, slots: { Food: slot('ピザ') } })
    expect(message(asked)).toBe(
      `ご注文の前にご本人確認をいたします。末尾${c.phone.slice(-4)}の電話番号にSMSでワンタイムPINをお送りしました。PINを入力してください。`,
    )
    expect(t.sms.sent[0]!.body).toMatch(/認証コード/)
    const done = await say(t, { ...spec, slots: { Food: slot('ピザ'), Pin: slot(t.sms.lastPin(c.phone)) } })
    expect(message(done)).toBe(
      '認証が完了しました。ピザをご注文に追加しました。現在のご注文：ピザ×1（合計￥1,200）。他にご注文はありますか？',
    )
  })

  it('once verified, OrderFood without Food asks for it; an unknown dish is named and the menu offered', async () => {
    const c = await customer(t)
    const spec = { intent: 'OrderFood', sessionId: c.sessionId, sessionAttributes: c.attrs() }
    await say(t, spec)
    const verified = await say(t, { ...spec, slots: { Pin: slot(t.sms.lastPin(c.phone)) } })
    expect(verified.sessionState.dialogAction).toEqual({ type: 'ElicitSlot', slotToElicit: 'Food' })
    expect(message(verified)).toMatch(
      /^Thank you, you are verified\. What would you like to order\? We have Pizza, Pasta/,
    )
    expect(verified.sessionState.sessionAttributes.auth).toBe('true')
    const unknown = await say(t, { ...spec, slots: { Food: slot('lobster') } })
    expect(unknown.sessionState.dialogAction).toEqual({ type: 'ElicitSlot', slotToElicit: 'Food' })
    expect(unknown.sessionState.intent.slots.Food).toBeNull()
    expect(message(unknown)).toMatch(/^Sorry, "lobster" is not on our menu\. We have Pizza/)
  })
})

describe('OrderFood: authentication comes from the server session only', () => {
  it('a client-supplied auth: "true" (and a forged uuid) is ignored: a PIN is still required', async () => {
    const c = await customer(t)
    const r = await say(t, {
      intent: 'OrderFood',
      sessionId: c.sessionId,
      sessionAttributes: c.attrs({
        auth: 'true',
        uuid: 'A'.repeat(38),
        currentOrder: '[{"id":"pizza","quantity":50}]',
      }),
      slots: { Food: slot('pizza') },
    })
    expect(r.sessionState.dialogAction.slotToElicit).toBe('Pin')
    expect(r.sessionState.sessionAttributes.auth).toBe('false')
    expect(r.sessionState.sessionAttributes.uuid).not.toBe('A'.repeat(38))
    expect(order(r)).toEqual([])
  })

  it('a verified session does not carry over to another e-mail or another Lex session', async () => {
    const a = await customer(t)
    const b = await customer(t)
    await say(t, { intent: 'OrderFood', sessionId: a.sessionId, sessionAttributes: a.attrs() })
    const ok = await say(t, {
      intent: 'OrderFood',
      sessionId: a.sessionId,
      sessionAttributes: a.attrs(),
      slots: { Pin: slot(t.sms.lastPin(a.phone)) },
    })
    expect(ok.sessionState.sessionAttributes.auth).toBe('true')
    // Same Lex session, someone else's e-mail: back to unverified, and the PIN goes to b's phone.
    const swapped = await say(t, {
      intent: 'OrderFood',
      sessionId: a.sessionId,
      sessionAttributes: b.attrs({ auth: 'true' }),
      slots: { Food: slot('pizza') },
    })
    expect(swapped.sessionState.dialogAction.slotToElicit).toBe('Pin')
    expect(t.sms.sent.at(-1)!.to).toBe(b.phone)
    // Same e-mail, another Lex session, or the same session id on another bot: unverified too.
    const other = await say(t, {
      intent: 'OrderFood',
      sessionId: randomUUID(),
      sessionAttributes: a.attrs({ auth: 'true' }),
      slots: { Food: slot('pizza') },
    })
    expect(other.sessionState.dialogAction.slotToElicit).toBe('Pin')
    const otherBot = await say(t, {
      intent: 'OrderFood',
      botId: 'OTHERBOT01',
      sessionId: a.sessionId,
      sessionAttributes: a.attrs({ auth: 'true' }),
      slots: { Food: slot('pizza') },
    })
    expect(otherBot.sessionState.dialogAction.slotToElicit).toBe('Pin')
  })

  it('an expired PIN is replaced by a new challenge, and the old one is gone', async () => {
    const c = await customer(t)
    const spec = { intent: 'OrderFood', sessionId: c.sessionId, sessionAttributes: c.attrs() }
    const asked = await say(t, spec)
    const old = asked.sessionState.sessionAttributes.uuid
    // Expire it the way Redis would at the TTL, without waiting 5 minutes.
    await t.app.redis.pexpire(t.app.keys.challenge(old), 1)
    await new Promise((r) => setTimeout(r, 20))
    const r = await say(t, { ...spec, slots: { Pin: slot(t.sms.lastPin(c.phone)) } })
    expect(message(r)).toBe(
      `That PIN has expired. I've sent a new PIN to your number ending in ${c.phone.slice(-4)}. Please enter it.`,
    )
    expect(r.sessionState.sessionAttributes.uuid).not.toBe(old)
    expect(t.sms.sent).toHaveLength(2)
    const done = await say(t, { ...spec, slots: { Food: slot('ramen'), Pin: slot(t.sms.lastPin(c.phone)) } })
    expect(done.sessionState.intent.state).toBe('Fulfilled')
  })
})

describe('OrderFood: voice and DTMF', () => {
  // Spoken: as Lex reports a number, the words as heard and an interpretation without leading
  // zeros. DTMF: the digits as keyed, interpreted the same way.
  it.each([
    {
      inputMode: 'Speech',
      food: 'cheeseburger',
      name: 'Cheeseburger',
      heard: (pin: string) => pin.split('').join(' '),
    },
    { inputMode: 'DTMF', food: 'sushi', name: 'Sushi', heard: (pin: string) => pin },
  ] as const)(
    '$inputMode: the PIN comes from the AMAZON.Number slot, keeping a leading zero the interpretation drops',
    async ({ inputMode, food, name, heard }) => {
      const c = await customer(t)
      const spec = { intent: 'OrderFood', inputMode, sessionId: c.sessionId, sessionAttributes: c.attrs() }
      await say(t, { ...spec, slots: { Food: slot(food) } })
      const pin = t.sms.lastPin(c.phone)
      const r = await say(t, { ...spec, slots: { Food: slot(food), Pin: slot(heard(pin), String(Number(pin))) } })
      expect(r.sessionState.intent.state).toBe('Fulfilled')
      expect(order(r)).toEqual([{ id: food, name, quantity: 1 }])
    },
  )

  it('a PIN of the wrong shape is asked for again, without counting an attempt or sending an SMS', async () => {
    const c = await customer(t)
    const spec = { intent: 'OrderFood', sessionId: c.sessionId, sessionAttributes: c.attrs() }
    const asked = await say(t, spec)
    const r = await say(t, { ...spec, slots: { Pin: slot('12', '12') } })
    expect(r.sessionState.dialogAction.slotToElicit).toBe('Pin')
    expect(message(r)).toMatch(/just the digits/)
    expect(t.sms.sent).toHaveLength(1)
    expect((await t.app.verification.status(asked.sessionState.sessionAttributes.uuid))?.attempts).toBe(0)
  })
})

describe('OrderFood: caps, cooldown and locks', () => {
  it('a wrong PIN inside the resend cooldown asks again, says when a new PIN can come, and sends nothing', async () => {
    const slow = await useTestApp()
    const c = await customer(slow)
    const spec = { intent: 'OrderFood', sessionId: c.sessionId, sessionAttributes: c.attrs() }
    await say(slow, spec)
    const r = await say(slow, { ...spec, slots: { Pin: slot(wrong(slow.sms.lastPin(c.phone))) } })
    expect(r.sessionState.dialogAction.slotToElicit).toBe('Pin')
    expect(message(r)).toMatch(
      new RegExp(
        `^That PIN is not correct\\. Please enter the PIN we sent to your number ending in ${c.phone.slice(-4)}\\. A new PIN can be sent in about (2\\d|30) seconds\\.$`,
      ),
    )
    expect(slow.sms.sent).toHaveLength(1)
    // Asking again without a PIN does not send another one either.
    expect(message(await say(slow, spec))).toMatch(/^Please enter the PIN we sent/)
    expect(slow.sms.sent).toHaveLength(1)
  })

  it('when no more PINs may be sent, a wrong PIN re-asks for the last one, which still works', async () => {
    const capped = await useTestApp({ PIN_RESEND_COOLDOWN_SECONDS: '0', PIN_MAX_SENDS: '2' })
    const c = await customer(capped)
    const spec = {
      intent: 'OrderFood',
      sessionId: c.sessionId,
      sessionAttributes: c.attrs(),
      slots: { Food: slot('salad') },
    }
    await say(capped, spec)
    await say(capped, { ...spec, slots: { ...spec.slots, Pin: slot(wrong(capped.sms.lastPin(c.phone))) } })
    const last = capped.sms.lastPin(c.phone)
    const r = await say(capped, { ...spec, slots: { ...spec.slots, Pin: slot(wrong(last)) } })
    expect(message(r)).toMatch(/^That PIN is not correct\. Please enter the most recent PIN/)
    expect(capped.sms.sent).toHaveLength(2)
    expect((await say(capped, { ...spec, slots: { ...spec.slots, Pin: slot(last) } })).sessionState.intent.state).toBe(
      'Fulfilled',
    )
  })

  it('locks after PIN_MAX_ATTEMPTS wrong PINs: Close/Failed saying when to try again, and it stays locked', async () => {
    const strict = await useTestApp({ PIN_RESEND_COOLDOWN_SECONDS: '0', PIN_MAX_ATTEMPTS: '2' })
    const c = await customer(strict)
    const spec = { intent: 'OrderFood', sessionId: c.sessionId, sessionAttributes: c.attrs() }
    await say(strict, spec)
    await say(strict, { ...spec, slots: { Pin: slot(wrong(strict.sms.lastPin(c.phone))) } })
    const pin = strict.sms.lastPin(c.phone)
    const locked = await say(strict, { ...spec, slots: { Pin: slot(wrong(pin)) } })
    expectLexShape(locked)
    expect(locked.sessionState.dialogAction).toEqual({ type: 'Close' })
    expect(locked.sessionState.intent.state).toBe('Failed')
    expect(message(locked)).toMatch(
      /^Too many incorrect PINs\. For your security, please try again in [1-5] minute\(s\)\.$/,
    )
    // The right PIN no longer helps, and no new PIN is sent while the lock lasts.
    const after = await say(strict, { ...spec, slots: { Pin: slot(pin) } })
    expect(after.sessionState.intent.state).toBe('Failed')
    expect(message(await say(strict, spec))).toMatch(/^Too many incorrect PINs/)
    expect(strict.sms.sent).toHaveLength(2)
  })
})

describe('OrderFood: what cannot be done is said clearly', () => {
  it('no phone registered for the e-mail: Close/Failed telling the user to contact support, nothing sent', async () => {
    const r = await orderPizza(t, 'nobody@example.com')
    expect(r.sessionState.intent).toMatchObject({ name: 'OrderFood', state: 'Failed' })
    expect(message(r)).toMatch(/couldn't find a phone number.*contact support/)
    expect(t.sms.sent).toHaveLength(0)
  })

  it('a registered number outside SMS_ALLOWED_COUNTRIES: Close/Failed telling the user to contact support, nothing sent', async () => {
    const profile = { firstName: 'Ann', lastName: 'Lee', custLevel: 'Gold', language: 'en' }
    const { email } = await registerCustomer(t, '+12025550143', profile)
    const r = await orderPizza(t, email)
    expect(r.sessionState.intent).toMatchObject({ name: 'OrderFood', state: 'Failed' })
    expect(message(r)).toMatch(/can't send a PIN to the phone number.*contact support/)
    expect(t.sms.sent).toHaveLength(0)
  })

  it('no e-mail attribute (the bookhotel sample has no sessionAttributes at all): Close/Failed', async () => {
    const r = await say(t, { intent: 'OrderFood', slots: { Food: slot('pizza') } })
    expectLexShape(r)
    expect(r.sessionState.intent.state).toBe('Failed')
    expect(message(r)).toMatch(/e-mail address you signed in with/)
    const bad = await say(t, { intent: 'OrderFood', sessionAttributes: { email: 'not-an-email' } })
    expect(message(bad)).toMatch(/e-mail address you signed in with/)
  })

  it("an unknown intent (the samples' own) gets Close/Failed naming it, attributes echoed", async () => {
    for (const intent of ['BookHotel', 'FallbackIntent']) {
      const r = await say(t, { intent, sessionAttributes: { email: 'x@example.com', cart: '{"a":1}' } })
      expectLexShape(r)
      expect(r.sessionState.intent).toMatchObject({ name: intent, state: 'Failed' })
      expect(r.sessionState.sessionAttributes).toEqual({ email: 'x@example.com', cart: '{"a":1}', auth: 'false' })
      expect(message(r)).toBe('Sorry, I can show you the menu or take your food order.')
    }
  })

  it('unusable JSON events get a well-formed Close/Failed, never a 4xx or 500', async () => {
    const noSession = lexEvent({ intent: 'OrderFood', sessionAttributes: { email: 'x@example.com' } })
    delete noSession.sessionId
    const oddAttributes = lexEvent({ intent: 'OrderFood' })
    oddAttributes.sessionState.sessionAttributes = { email: 42, nested: { a: 1 }, gone: null }
    for (const payload of [
      {},
      [],
      'text',
      42,
      null,
      { sessionState: 'x', bot: 7 },
      { sessionState: { intent: { name: 5 } } },
      noSession,
      oddAttributes,
    ]) {
      const res = await t.app.inject({
        method: 'POST',
        url: '/v1/channels/lex',
        headers: { ...auth, 'content-type': 'application/json' },
        payload: JSON.stringify(payload),
      })
      expect(res.statusCode).toBe(200)
      const r = res.json()
      expectLexShape(r)
      expect(r.sessionState).toMatchObject({ dialogAction: { type: 'Close' }, intent: { state: 'Failed' } })
    }
    expect(t.sms.sent).toHaveLength(0)
  })

  it('a Pin slot of the wrong type (a client that is not Lex) is no PIN: asked for, not "something went wrong"', async () => {
    const c = await customer(t)
    const spec = { intent: 'OrderFood', sessionId: c.sessionId, sessionAttributes: c.attrs() }
    const challengeId = (await say(t, spec)).sessionState.sessionAttributes.uuid
    for (const Pin of [
      { shape: 'Scalar', value: { originalValue: 123456, interpretedValue: 123456 } },
      { shape: 'List', values: 'x' },
    ]) {
      const r = await say(t, { ...spec, slots: { Pin } })
      expectLexShape(r)
      expect(r.sessionState.dialogAction).toEqual({ type: 'ElicitSlot', slotToElicit: 'Pin' })
      expect(message(r)).not.toMatch(/went wrong/)
    }
    expect((await t.app.verification.status(challengeId))?.attempts).toBe(0)
  })

  it('without the API key: 401, like every /v1 route', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/v1/channels/lex',
      payload: lexEvent({ intent: 'GetFoodMenu' }),
    })
    expect(res.statusCode).toBe(401)
  })
})

describe('OrderFood: dependencies failing', () => {
  it('Redis down: Close/Failed "something went wrong, nothing was ordered"; the menu still works', async () => {
    const down = await useTestApp({ REDIS_URL: `redis://127.0.0.1:${await freePort()}` })
    const r = await orderPizza(down, 'a@example.com')
    expect(r.sessionState.intent.state).toBe('Failed')
    expect(message(r)).toBe(
      'Sorry, something went wrong on our side and nothing was ordered. Please try again in a moment.',
    )
    const menu = await say(down, { intent: 'GetFoodMenu', sessionId: randomUUID() })
    expect(message(menu)).toMatch(/^Here is our menu/)
    expect(down.sms.sent).toHaveLength(0)
  })

  it('SMS provider refuses: Close/Failed saying so; nothing counted, the next try sends the PIN', async () => {
    const c = await customer(t)
    const spec = { intent: 'OrderFood', sessionId: c.sessionId, sessionAttributes: c.attrs() }
    t.sms.failNext(1)
    const r = await say(t, spec)
    expect(r.sessionState.intent.state).toBe('Failed')
    expect(message(r)).toMatch(/^I couldn't send the PIN just now/)
    const again = await say(t, spec)
    expect(again.sessionState.dialogAction.slotToElicit).toBe('Pin')
    expect(t.sms.sent).toHaveLength(1)
  })
})
