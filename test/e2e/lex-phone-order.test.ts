import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest'
import { expectLexMessage } from '../support/property/lex-arbitraries.ts'
import { callTurn, sayDigits, slot, type Json } from '../support/events/lex-events.ts'
import { startService, type ServiceProcess } from '../support/app/service-process.ts'
import { call as rest } from '../support/app/service-env.ts'
import { bundleShim, type ShimBundle } from '../support/app/shim-bundle.ts'
import { startSnsStandIn, type SnsStandIn } from '../support/stand-ins/sns-stand-in.ts'
import { stopAll } from '../support/processes.ts'
import { TEST_API_KEY, TEST_SECRET } from '../support/app/test-app.ts'
import { TEST_ASSERTION_KEY } from '../support/app/assertion-keys.ts'

// A whole phone order as Amazon Connect and Lex would run it: each turn shaped as Connect
// hands it to Lex (Speech, the caller's number in callerPhone as connect/pinline-lex-order.json
// sets it, no e-mail) -> the bundled Lex shim (dist/shims/lex.mjs as `npm run build` makes it)
// -> the real server process -> Redis, with the SMS over the wire to an SNS stand-in.

type LexHandler = (event: unknown) => Promise<Json>

let sns: SnsStandIn
let service: ServiceProcess
let bundle: ShimBundle
let shim: LexHandler

beforeAll(async () => {
  vi.spyOn(console, 'warn').mockImplementation(() => {})
  sns = await startSnsStandIn()
  ;[service, bundle] = await Promise.all([
    startService({
      NODE_ENV: 'production',
      ASSERTION_SIGNING_KEY: TEST_ASSERTION_KEY,
      REDIS_URL: inject('redisUrl'),
      REDIS_KEY_PREFIX: `e2e${randomUUID().slice(0, 8)}:`,
      API_KEYS: TEST_API_KEY,
      PIN_HMAC_SECRET: TEST_SECRET,
      SMS_PROVIDER: 'sns',
      LOG_LEVEL: 'info',
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      AWS_ENDPOINT_URL_SNS: sns.url,
      // A caller may ask for a new code at once, up to the caps (the test waits for a PIN starting with 0).
      PIN_RESEND_COOLDOWN_SECONDS: '0',
      PIN_MAX_SENDS: '10',
      PHONE_MAX_SENDS: '100',
      SMS_PREFIX_MAX_SENDS: '1000',
    }),
    bundleShim('lex'),
  ])
  shim = (
    await bundle.load({
      AUTH_SERVICE_URL: service.url,
      AUTH_SERVICE_API_KEY: TEST_API_KEY,
      AUTH_SERVICE_TIMEOUT_MS: undefined,
    })
  ).handler as unknown as LexHandler
})
afterAll(() => stopAll(service, sns, bundle))
afterAll(() => vi.restoreAllMocks()) // after hooks run last-registered first: this one before the stops

const spoken = (r: Json): string => r.messages[0].content.replace(/<[^>]+>/g, '').replace(/&apos;/g, "'")
const order = (r: Json) => JSON.parse(r.sessionState.sessionAttributes.currentOrder)

/** A call: each turn carries the attributes Lex kept from the previous answer, as Lex does. */
function phoneCall(phone: string, localeId: 'en_US' | 'ja_JP') {
  const contactId = randomUUID()
  let attributes: Record<string, string> = {}
  /** `copies` > 1: the same turn that many times at once (a retried Lambda, double taps); all must get one answer. */
  return async (intent: string, said: string, slots: Record<string, Json> = {}, copies = 1): Promise<Json> => {
    const event = callTurn({ intent, contactId, callerPhone: phone, localeId, said, attributes, slots })
    const answers = await Promise.all(Array.from({ length: copies }, () => shim(structuredClone(event))))
    const r = answers[0]!
    for (const a of answers) expect(a).toEqual(r)
    expectLexMessage(r)
    expect(r.messages[0].contentType).toBe('SSML')
    attributes = r.sessionState.sessionAttributes
    return r
  }
}

const CASES = [
  {
    localeId: 'en_US' as const,
    language: 'en' as const,
    phone: '+819022220001',
    food: ['pizza', 'pasta'],
    order: 'I would like a pizza',
    again: (i: number) => `I did not get the code, please send another one (${i})`,
    added:
      /^Thank you, you are verified\. I've added Pizza to your order\. Your order so far: 1 Pizza \(total 1,200 Japanese yen\)\. Would you like anything else\?$/,
    finish: { intent: 'FinishOrder', said: "That's all" },
    summary: 'Thank you. Your order: 1 Pizza, 1 Pasta (total 2,200 Japanese yen). Goodbye!',
  },
  {
    localeId: 'ja_JP' as const,
    language: 'ja' as const,
    phone: '+819022220002',
    food: ['ピザ', 'パスタ'],
    order: 'ピザを注文したいのですが',
    again: (i: number) => `コードが届きません。もう一度送ってください（${i}）`,
    added:
      /^認証が完了しました。ピザをご注文に追加しました。現在のご注文：ピザを1つ（合計1,200円）。他にご注文はありますか？$/,
    // No FinishOrder utterance matched: Lex gives it to FallbackIntent, and the channel reads the words.
    finish: { intent: 'FallbackIntent', said: '以上です' },
    summary: 'ありがとうございました。ご注文は、ピザを1つ、パスタを1つ（合計2,200円）です。',
  },
]

describe.each(CASES)('a phone order in $localeId, through the bundled shim and the real service', (c) => {
  it('order -> PIN by SMS -> spoken PIN with a leading zero -> added -> "anything else?" -> second item (20 copies at once), no PIN -> "that\'s all" -> summary, Fulfilled', async () => {
    expect(
      (
        await rest(service.url, 'PUT', `/v1/callers/${c.phone}`, {
          firstName: 'Yui',
          lastName: 'Mori',
          custLevel: 'Gold',
          language: c.language,
        })
      ).status,
    ).toBe(201)
    sns.reset()
    const smsPin = () => sns.publishes.at(-1)!.message.match(/\b(\d{6})\b/)![1]!

    // About one PIN in ten starts with 0: the caller asks for new codes (new calls after the
    // per-challenge cap) until one does, as many times as it takes (100 sends: 1 in 37,000 runs fails).
    let say = phoneCall(c.phone, c.localeId)
    let asked = await say('OrderFood', c.order, { Food: slot(c.food[0]!) })
    for (let i = 1; !smsPin().startsWith('0'); i++) {
      expect(i, 'no PIN with a leading zero in 100 SMS').toBeLessThan(100)
      if (i % 10 === 0) say = phoneCall(c.phone, c.localeId)
      asked = await say('OrderFood', c.again(i), { Food: slot(c.food[0]!) })
    }
    expect(asked.sessionState.dialogAction).toEqual({ type: 'ElicitSlot', slotToElicit: 'Pin' })
    expect(asked.messages[0].content).toContain(`<say-as interpret-as="digits">${c.phone.slice(-4)}</say-as>`)
    expect(new Set(sns.publishes.map((p) => p.phoneNumber))).toEqual(new Set([c.phone]))
    const sent = sns.publishes.length

    // Spoken one digit at a time; AMAZON.Number (or a recogniser) makes 42719 of "zero four two seven one nine".
    const pin = smsPin()
    const words = sayDigits(pin, c.language)
    const added = await say('OrderFood', words, { Food: slot(c.food[0]!), Pin: slot(words, String(Number(pin))) })
    expect(added.sessionState.dialogAction).toEqual({ type: 'ElicitIntent' })
    expect(added.sessionState.intent.state).toBe('Fulfilled')
    expect(spoken(added)).toMatch(c.added)

    // The second dish reaches the service 20 times at once: it is added once.
    const second = await say('OrderFood', c.food[1]!, { Food: slot(c.food[1]!) }, 20)
    expect(second.sessionState.dialogAction).toEqual({ type: 'ElicitIntent' })
    expect(order(second)).toEqual([
      expect.objectContaining({ id: 'pizza', quantity: 1 }),
      expect.objectContaining({ id: 'pasta', quantity: 1 }),
    ])
    expect(sns.publishes).toHaveLength(sent)

    const done = await say(c.finish.intent, c.finish.said)
    expect(done.sessionState).toMatchObject({
      dialogAction: { type: 'Close' },
      intent: { name: c.finish.intent, state: 'Fulfilled' },
    })
    expect(spoken(done)).toBe(c.summary)

    // Neither the PIN nor the caller's number reached the service's log.
    const logs = service.logs()
    expect(logs).toContain('"lex":{"outcome":"unverified:pin_sent"}')
    expect(logs).not.toMatch(new RegExp(`(?<![0-9])${pin}(?![0-9])`))
    expect(logs).not.toContain(c.phone.slice(1))
  })
})
