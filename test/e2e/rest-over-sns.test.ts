import { randomUUID } from 'node:crypto'
import { once } from 'node:events'
import { connect } from 'node:net'
import { afterAll, beforeAll, beforeEach, describe, expect, it, inject } from 'vitest'
import { startService, type ServiceProcess } from '../support/app/service-process.ts'
import { startSnsStandIn, type SnsStandIn } from '../support/stand-ins/sns-stand-in.ts'
import { stopAll } from '../support/processes.ts'

const KEY = 'e2e-key-0123456789abcdef'
let sns: SnsStandIn
let svc: ServiceProcess

beforeAll(async () => {
  sns = await startSnsStandIn()
  svc = await startService({
    REDIS_URL: inject('redisUrl'),
    REDIS_KEY_PREFIX: `e2e${randomUUID().slice(0, 6)}:`,
    API_KEYS: KEY,
    PIN_HMAC_SECRET: 'e2e-secret-0123456789-0123456789-0123',
    SMS_PROVIDER: 'sns',
    SMS_BRAND: 'WiserBank',
    SMS_SENDER_ID: 'WiserBank',
    SMS_MAX_ATTEMPTS: '3',
    SMS_TIMEOUT_MS: '1000',
    AWS_REGION: 'ap-northeast-1',
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    AWS_ENDPOINT_URL_SNS: sns.url,
  })
})
afterAll(() => stopAll(svc, sns))
beforeEach(() => sns.reset())

// Response bodies are asserted field by field, so they are typed loosely.
type Json = Record<string, any>

async function call(method: string, path: string, payload?: unknown) {
  const res = await fetch(`${svc.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${KEY}`, ...(payload ? { 'content-type': 'application/json' } : {}) },
    ...(payload ? { body: JSON.stringify(payload) } : {}),
  })
  const body = (res.status === 204 ? undefined : await res.json()) as Json
  return { status: res.status, headers: res.headers, body }
}
const pinIn = (message: string) => message.match(/\b(\d{6})\b/)![1]!

describe('the server process, SMS through the real SNS client', () => {
  it('issues a PIN by SNS Publish, verifies it and enrols the caller', async () => {
    const phone = '+819055550001'
    expect((await call('GET', `/v1/callers/${phone}`)).status).toBe(404)
    const issued = await call('POST', '/v1/pins', { phone, enrol: true, locale: 'ja' })
    expect(issued.status).toBe(201)
    expect(sns.publishes).toHaveLength(1)
    const [sms] = sns.publishes
    expect(sms!.phoneNumber).toBe(phone)
    expect(sms!.attributes).toMatchObject({
      'AWS.SNS.SMS.SMSType': 'Transactional',
      'AWS.SNS.SMS.SenderID': 'WiserBank',
    })
    expect(sms!.message).toContain('【WiserBank】')
    const verified = await call('POST', `/v1/pins/${issued.body.challengeId}/verify`, { pin: pinIn(sms!.message) })
    expect(verified.body).toMatchObject({ status: 'approved', caller: { phone, firstName: 'New', language: 'ja' } })
    expect((await call('GET', `/v1/callers/${phone}`)).body).toMatchObject({ phone, custLevel: 'Welcome' })
    expect(svc.logs()).not.toContain(pinIn(sms!.message))
    expect(svc.logs()).not.toContain('9055550001')
  })

  it('retries SNS throttling and sends exactly one SMS', async () => {
    sns.failNext(2, 'throttle')
    const res = await call('POST', '/v1/pins', { phone: '+819055550002' })
    expect(res.status).toBe(201)
    expect(sns.publishes).toHaveLength(1)
    expect(sns.requestCount()).toBe(3)
  })

  it('after bounded retries of SNS 5xx answers 503 SMS_SEND_FAILED, sends nothing and charges no send', async () => {
    sns.failNext(3, 'server-error')
    const res = await call('POST', '/v1/pins', { phone: '+819055550003' })
    expect(res.status).toBe(503)
    expect(res.body.code).toBe('SMS_SEND_FAILED')
    expect(sns.requestCount()).toBe(3)
    expect(sns.publishes).toHaveLength(0)
    // None of the five sends per window was used by our failure.
    for (let i = 0; i < 5; i++) expect((await call('POST', '/v1/pins', { phone: '+819055550003' })).status).toBe(201)
    expect(sns.publishes).toHaveLength(5)
  })

  it('a hung SNS ends in 503 SMS_SEND_FAILED inside the time budget, after one request (never resent)', async () => {
    sns.failNext(3, 'hang')
    const started = Date.now()
    const res = await call('POST', '/v1/pins', { phone: '+819055550004' })
    expect(res.status).toBe(503)
    expect(res.body.code).toBe('SMS_SEND_FAILED')
    expect(Date.now() - started).toBeLessThan(3 * 1000 + 2000)
    expect(sns.requestCount()).toBe(1)
  })
})

describe('the server process lifecycle', () => {
  it('a client that stalls mid-request does not hold the exit past the grace period', async () => {
    const own = await startService({ REDIS_URL: inject('redisUrl'), API_KEYS: KEY, LOG_LEVEL: 'warn' })
    const socket = connect(new URL(own.url).port ? Number(new URL(own.url).port) : 80, '127.0.0.1')
    await once(socket, 'connect')
    socket.write('POST /v1/pins HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{"phone":')
    socket.on('error', () => undefined)
    await new Promise((r) => setTimeout(r, 100))
    const started = Date.now()
    await own.stop()
    expect(Date.now() - started).toBeLessThan(9_500)
    socket.destroy()
  }, 15_000)

  it('on SIGTERM finishes the request in flight, then exits cleanly', async () => {
    sns.setLatency(700)
    try {
      const inFlight = call('POST', '/v1/pins', { phone: '+819055550005' })
      await new Promise((r) => setTimeout(r, 200))
      const stopping = svc.stop()
      expect((await inFlight).status).toBe(201)
      await stopping
      expect(svc.logs()).toMatch(/"msg":"closing"/)
      await expect(fetch(`${svc.url}/healthz`)).rejects.toThrow()
    } finally {
      sns.setLatency(0)
    }
  })

  it('exits with a message naming the variable when the config is bad', async () => {
    await expect(startService({ PIN_LENGTH: '3', REDIS_URL: inject('redisUrl') })).rejects.toThrow(/PIN_LENGTH/)
  })
})
