import { randomUUID } from 'node:crypto'
import { decodeJwt } from 'jose'
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest'
import { connectEvent } from '../support/events/connect-events.ts'
import { startEumStandIn, type EumStandIn } from '../support/stand-ins/eum-stand-in.ts'
import { TEST_API_KEY } from '../support/app/test-app.ts'
import { call, startService, stopAll, type ServiceProcess } from '../support/processes.ts'

// PINs by phone call and SMS through AWS End User Messaging SMS and Voice v2: the real server
// process, the real SDK, over the wire to a stand-in of the API.

const ORIGIN = '+81345678901'
let eum: EumStandIn
let svc: ServiceProcess
let seq = 0
// Mobiles (090) and Tokyo landlines (03), distinct per run.
const mobile = () => `+8190${String(55_000_000 + seq++ * 7 + (process.pid % 7)).padStart(8, '0')}`
const landline = () => `+8135${String(5_000_000 + seq++ * 7 + (process.pid % 7)).padStart(7, '0')}`

const env = (extra: Record<string, string> = {}) => ({
  REDIS_URL: inject('redisUrl'),
  REDIS_KEY_PREFIX: `e2ec${randomUUID().slice(0, 6)}:`,
  API_KEYS: TEST_API_KEY,
  PIN_HMAC_SECRET: 'e2e-secret-0123456789-0123456789-0123',
  PIN_RESEND_COOLDOWN_SECONDS: '0',
  SMS_PROVIDER: 'eum',
  SMS_ALLOWED_COUNTRIES: 'JP',
  EUM_ORIGINATION_IDENTITY: 'pool-0123456789abcdef',
  EUM_CONFIGURATION_SET: 'pinline-otp',
  EUM_PROTECT_CONFIGURATION_ID: 'protect-0123456789abcdef',
  EUM_MAX_PRICE: '0.10',
  VOICE_PROVIDER: 'eum',
  VOICE_ORIGINATION_IDENTITY: ORIGIN,
  VOICE_MAX_PRICE_PER_MINUTE: '0.50',
  SMS_TIMEOUT_MS: '500',
  SMS_MAX_ATTEMPTS: '3',
  AWS_REGION: 'ap-northeast-1',
  AWS_ACCESS_KEY_ID: 'test',
  AWS_SECRET_ACCESS_KEY: 'test',
  AWS_ENDPOINT_URL_PINPOINT_SMS_VOICE_V2: eum.url,
  AWS_EC2_METADATA_DISABLED: 'true',
  ...extra,
})

beforeAll(async () => {
  eum = await startEumStandIn()
  svc = await startService(env())
})
afterAll(() => stopAll(svc, eum))
beforeEach(() => eum.reset())

/** The digits the call reads out, in order. */
const spoken = (ssml: string) =>
  [...ssml.matchAll(/<say-as interpret-as="digits">(\d)<\/say-as>/g)].map((m) => m[1]).join('')
const calledPin = (to: string) => spoken(eum.calls.findLast((c) => c.to === to)!.ssml).slice(0, 6)
const textedPin = (to: string) => eum.texts.findLast((t) => t.to === to)!.body.match(/\b(\d{6})\b/)![1]!

describe('SMS_PROVIDER=eum: SendTextMessage', () => {
  it('sends a transactional SMS with the configuration set, protect configuration, max price and origination identity', async () => {
    const phone = mobile()
    const issued = await call(svc.url, 'POST', '/v1/pins', { phone })
    expect(issued.status).toBe(201)
    expect(issued.body.channel).toBe('sms')
    expect(eum.texts).toEqual([
      {
        to: phone,
        body: expect.stringContaining('your verification code is'),
        type: 'TRANSACTIONAL',
        originationIdentity: 'pool-0123456789abcdef',
        configurationSet: 'pinline-otp',
        protectConfigurationId: 'protect-0123456789abcdef',
        maxPrice: '0.10',
      },
    ])
    expect(eum.calls).toHaveLength(0)
    const verified = await call(svc.url, 'POST', `/v1/pins/${issued.body.challengeId}/verify`, {
      pin: textedPin(phone),
    })
    expect(verified.body.status).toBe('approved')
    expect(decodeJwt(verified.body.assertion).amr).toEqual(['otp', 'sms'])
  })

  it('throttled twice, then accepted: exactly one SMS; refused for good: 503 SMS_SEND_FAILED and the retry sends', async () => {
    const phone = mobile()
    eum.failNext(2, 'throttle')
    expect((await call(svc.url, 'POST', '/v1/pins', { phone })).status).toBe(201)
    expect(eum.texts).toHaveLength(1)
    const other = mobile()
    eum.failNext(1, 'validation')
    const refused = await call(svc.url, 'POST', '/v1/pins', { phone: other })
    expect(refused).toMatchObject({ status: 503, body: { code: 'SMS_SEND_FAILED' } })
    expect((await call(svc.url, 'POST', '/v1/pins', { phone: other })).status).toBe(201)
  })
})

describe('channel voice: the PIN read out on a call (SendVoiceMessage)', () => {
  it('reads the PIN digit by digit, twice, in SSML, from VOICE_ORIGINATION_IDENTITY; the PIN verifies and the assertion says tel', async () => {
    const phone = mobile()
    const issued = await call(svc.url, 'POST', '/v1/pins', { phone, channel: 'voice' })
    expect(issued.status).toBe(201)
    expect(issued.body.channel).toBe('voice')
    expect(eum.texts).toHaveLength(0)
    expect(eum.calls).toHaveLength(1)
    const [placed] = eum.calls
    expect(placed).toMatchObject({
      to: phone,
      voiceId: 'JOANNA',
      originationIdentity: ORIGIN,
      configurationSet: 'pinline-otp',
      maxPricePerMinute: '0.50',
    })
    const digits = spoken(placed!.ssml)
    expect(digits).toHaveLength(12)
    expect(digits.slice(0, 6)).toBe(digits.slice(6))
    expect(placed!.ssml).toMatch(/<break time="400ms"\/>/)
    const verified = await call(svc.url, 'POST', `/v1/pins/${issued.body.challengeId}/verify`, {
      pin: digits.slice(0, 6),
    })
    expect(verified.body.status).toBe('approved')
    expect(decodeJwt(verified.body.assertion)).toMatchObject({ amr: ['otp', 'tel'], via: 'rest' })
  })

  it('in Japanese with the ja voice (MIZUKI), and the transaction it approves', async () => {
    const phone = mobile()
    await call(svc.url, 'POST', '/v1/pins', {
      phone,
      channel: 'voice',
      locale: 'ja',
      amount: '5000',
      currency: 'JPY',
      payee: '佐藤商店',
    })
    expect(eum.calls[0]).toMatchObject({ voiceId: 'MIZUKI' })
    expect(eum.calls[0]!.ssml).toContain('佐藤商店への5000 JPYのお支払いの認証コードは')
    expect(eum.calls[0]!.ssml).toContain('もう一度申し上げます')
  })

  it('auto: a call to a fixed line, an SMS to a mobile', async () => {
    const home = landline()
    const cell = mobile()
    expect((await call(svc.url, 'POST', '/v1/pins', { phone: home, channel: 'auto' })).body.channel).toBe('voice')
    expect((await call(svc.url, 'POST', '/v1/pins', { phone: cell, channel: 'auto' })).body.channel).toBe('sms')
    expect(eum.calls.map((c) => c.to)).toEqual([home])
    expect(eum.texts.map((t) => t.to)).toEqual([cell])
  })

  it('the same allow-list and per-number caps as SMS: a call abroad is 422, a sixth send to one number 429', async () => {
    const abroad = await call(svc.url, 'POST', '/v1/pins', { phone: '+44 20 7946 0958', channel: 'voice' })
    expect(abroad).toMatchObject({ status: 422, body: { code: 'DESTINATION_NOT_ALLOWED' } })
    const phone = landline()
    const issued = await call(svc.url, 'POST', '/v1/pins', { phone, channel: 'voice' })
    for (let i = 0; i < 4; i++)
      expect((await call(svc.url, 'POST', `/v1/pins/${issued.body.challengeId}/resend`)).status).toBe(200)
    const sixth = await call(svc.url, 'POST', '/v1/pins', { phone, channel: 'voice' })
    expect(sixth.status).toBe(429)
    expect(sixth.headers.get('retry-after')).toMatch(/^\d+$/)
    expect(eum.calls).toHaveLength(5)
  })

  it('a call the provider refuses: 503 VOICE_SEND_FAILED, nothing counted, and the retry calls', async () => {
    const phone = landline()
    eum.failNext(1, 'validation')
    const refused = await call(svc.url, 'POST', '/v1/pins', { phone, channel: 'voice' })
    expect(refused).toMatchObject({ status: 503, body: { code: 'VOICE_SEND_FAILED' } })
    // Five more sends fit: the refused one was taken back from the per-number count.
    for (let i = 0; i < 5; i++)
      expect((await call(svc.url, 'POST', '/v1/pins', { phone, channel: 'voice' })).status).toBe(201)
    expect(eum.calls).toHaveLength(5)
  })

  it('a resend can switch to a call (the SMS did not arrive): the SMS PIN stops working, the spoken one verifies', async () => {
    const phone = mobile()
    const issued = await call(svc.url, 'POST', '/v1/pins', { phone })
    const smsPin = textedPin(phone)
    const resent = await call(svc.url, 'POST', `/v1/pins/${issued.body.challengeId}/resend?channel=voice`)
    expect(resent.body).toMatchObject({ challengeId: issued.body.challengeId, channel: 'voice', sendsLeft: 3 })
    const voicePin = calledPin(phone)
    if (voicePin !== smsPin)
      expect(
        (await call(svc.url, 'POST', `/v1/pins/${issued.body.challengeId}/verify`, { pin: smsPin })).body.status,
      ).toBe('rejected')
    const verified = await call(svc.url, 'POST', `/v1/pins/${issued.body.challengeId}/verify`, { pin: voicePin })
    expect(verified.body.status).toBe('approved')
    expect(decodeJwt(verified.body.assertion).amr).toEqual(['otp', 'tel'])
    expect((await call(svc.url, 'POST', `/v1/pins/${issued.body.challengeId}/resend?channel=fax`)).status).toBe(400)
  })

  it('Connect: sendPin with channel voice calls; "press 1 for a call" is sendPin resend=true channel=voice', async () => {
    const phone = mobile()
    const contactId = randomUUID()
    const connect = async (parameters: Record<string, string>) =>
      (await call(svc.url, 'POST', '/v1/channels/connect', connectEvent({ phone, contactId, parameters }))).body
    expect(await connect({ action: 'sendPin' })).toMatchObject({ lambdaResult: 'Success', channel: 'sms' })
    expect(await connect({ action: 'sendPin', resend: 'true', channel: 'voice' })).toMatchObject({
      lambdaResult: 'Success',
      channel: 'voice',
    })
    expect(eum.calls.map((c) => c.to)).toEqual([phone])
    const verified = await connect({ action: 'verifyPin', pin: `${calledPin(phone)}#` })
    expect(verified).toMatchObject({ pinVerified: 'True' })
    expect(decodeJwt(verified.pinlineAssertion).amr).toEqual(['otp', 'tel'])

    const home = landline()
    const direct = await call(
      svc.url,
      'POST',
      '/v1/channels/connect',
      connectEvent({ phone: home, parameters: { action: 'sendPin', channel: 'auto' } }),
    )
    expect(direct.body).toMatchObject({ lambdaResult: 'Success', channel: 'voice' })
  })
})

describe('calls have their own daily budget (VOICE_DAILY_LIMIT)', () => {
  it('past it: 503 VOICE_BUDGET_EXCEEDED with Retry-After until midnight UTC, no call; SMS still go', async () => {
    const budget = await startService(env({ VOICE_DAILY_LIMIT: '2' }))
    try {
      for (let i = 0; i < 2; i++)
        expect((await call(budget.url, 'POST', '/v1/pins', { phone: landline(), channel: 'voice' })).status).toBe(201)
      const over = await call(budget.url, 'POST', '/v1/pins', { phone: landline(), channel: 'voice' })
      expect(over).toMatchObject({ status: 503, body: { code: 'VOICE_BUDGET_EXCEEDED' } })
      const untilMidnight = 86_400 - Math.floor((Date.now() % 86_400_000) / 1000)
      expect(Math.abs(Number(over.headers.get('retry-after')) - untilMidnight)).toBeLessThan(60)
      expect(eum.calls).toHaveLength(2)
      expect((await call(budget.url, 'POST', '/v1/pins', { phone: mobile() })).status).toBe(201)
      const metrics = await (await fetch(`${budget.url}/metrics`)).text()
      expect(metrics).toMatch(/pinline_sms_refused_total\{reason="voice_budget"\} 1/)
    } finally {
      await budget.stop()
    }
  })

  it('without VOICE_PROVIDER: channel voice is 422 VOICE_NOT_AVAILABLE, nothing sent; auto falls back to SMS', async () => {
    const { VOICE_PROVIDER: _, VOICE_ORIGINATION_IDENTITY: __, ...smsOnly } = env()
    const plain = await startService(smsOnly)
    try {
      const refused = await call(plain.url, 'POST', '/v1/pins', { phone: landline(), channel: 'voice' })
      expect(refused).toMatchObject({ status: 422, body: { code: 'VOICE_NOT_AVAILABLE' } })
      expect((await call(plain.url, 'POST', '/v1/pins', { phone: landline(), channel: 'auto' })).body.channel).toBe(
        'sms',
      )
      expect(eum.calls).toHaveLength(0)
      expect(eum.texts).toHaveLength(1)
    } finally {
      await plain.stop()
    }
  })
})
