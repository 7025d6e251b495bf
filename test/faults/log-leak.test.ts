import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { startService, type ServiceProcess } from '../support/app/service-process.ts'
import { call, eventually, serviceEnv } from '../support/app/service-env.ts'
import { startSnsStandIn, type SnsStandIn } from '../support/stand-ins/sns-stand-in.ts'
import { TEST_API_KEY, TEST_SECRET } from '../support/app/test-app.ts'
import { stopAll } from '../support/processes.ts'
import { TEST_ASSERTION_KEY } from '../support/app/assertion-keys.ts'

// Whole flows through the real process at the most verbose log level, in production mode, with
// SMS through SNS (never the log provider). Then: no PIN, no code, no full phone number, no
// e-mail address, no key or secret anywhere in the log.

let sns: SnsStandIn
let svc: ServiceProcess
const TEST_NUMBER = '+819099990001'
const TEST_CODE = '246810'
const phones = ['+819012330001', '+819012330002', '+819012330003', '+819012330004', TEST_NUMBER]
const email = 'hanako.sato@example.jp'
const pins: string[] = []
const pinOf = (phone: string) => {
  const pin = sns.lastPin(phone)
  pins.push(pin)
  return pin
}

beforeAll(async () => {
  sns = await startSnsStandIn()
  svc = await startService(
    serviceEnv(
      { redisUrl: inject('redisUrl'), snsUrl: sns.url },
      {
        NODE_ENV: 'production',
        ASSERTION_SIGNING_KEY: TEST_ASSERTION_KEY,
        LOG_LEVEL: 'trace',
        REDIS_KEY_PREFIX: `leak${randomUUID().slice(0, 8)}:`,
        REDIS_COMMAND_TIMEOUT_MS: '1000',
        PIN_RESEND_COOLDOWN_SECONDS: '0',
        RATE_LIMIT_PER_IP: '40',
        TEST_NUMBERS: `${TEST_NUMBER}:${TEST_CODE}`,
        ALLOW_TEST_NUMBERS: 'true',
      },
    ),
  )
  const [known, unknown, failing, invalid] = phones as [string, string, string, string]
  const post = (path: string, body?: unknown) => call(svc.url, 'POST', path, body)

  // A known caller: imported with an e-mail, looked up, verified (wrong, resend, right).
  await call(svc.url, 'PUT', `/v1/callers/${known}`, {
    firstName: 'Hanako',
    lastName: 'Sato',
    custLevel: 'Gold',
    language: 'ja',
    email,
  })
  await call(svc.url, 'GET', `/v1/callers/${encodeURIComponent(known)}`)
  const a = String((await post('/v1/pins', { phone: known })).body.challengeId)
  pinOf(known)
  await post(`/v1/pins/${a}/verify`, { pin: '000000' })
  await post(`/v1/pins/${a}/resend`)
  expect((await post(`/v1/pins/${a}/verify`, { pin: pinOf(known) })).body.status).toBe('approved')
  // An unknown caller, enrolled by PIN; a national-format number in the URL.
  const b = String((await post('/v1/pins', { phone: unknown, enrol: true })).body.challengeId)
  expect((await post(`/v1/pins/${b}/verify`, { pin: pinOf(unknown) })).body.status).toBe('approved')
  await call(svc.url, 'GET', `/v1/callers/${unknown.replace('+81', '0')}`)
  // SNS refusing: 5xx until the SDK gives up, and a client fault that echoes the number back.
  sns.failNext(3, 'server-error')
  expect((await post('/v1/pins', { phone: failing })).status).toBe(503)
  sns.failNext(1, 'invalid-parameter')
  expect((await post('/v1/pins', { phone: invalid })).status).toBe(503)
  // Refusals that carry input: a bad number, a bad PIN, a wrong content type, a test number.
  await post('/v1/pins', { phone: `${known}99` })
  await post(`/v1/pins/${a}/verify`, { pin: `${pins[0]}0` })
  await fetch(`${svc.url}/v1/pins`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TEST_API_KEY}`, 'content-type': 'text/plain' },
    body: known,
  })
  const t = String((await post('/v1/pins', { phone: TEST_NUMBER })).body.challengeId)
  await post(`/v1/pins/${t}/verify`, { pin: TEST_CODE })
  await call(svc.url, 'DELETE', `/v1/callers/${known}`)
  // Up to the rate limit (40 a minute): until refused, so a minute that turns mid-loop on a slow
  // machine still ends in a 429.
  for (let i = 0; i < 200; i++) {
    if ((await call(svc.url, 'GET', `/v1/callers/${known}`)).status === 429) break
  }
  // The last access line reaches the log through a pipe: wait for it.
  await eventually(async () => svc.logs().includes('"statusCode":429'))
})
afterAll(() => stopAll(svc, sns))

describe('logs of whole flows (LOG_LEVEL=trace, production)', () => {
  it('the flows really ran: SMS were sent, requests were refused, the log is not empty', () => {
    expect(pins.length).toBeGreaterThanOrEqual(3)
    const lines = svc
      .logs()
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { msg?: string; res?: { statusCode: number } })
    expect(lines.length).toBeGreaterThan(50)
    expect(lines.some((l) => l.res?.statusCode === 429)).toBe(true)
    expect(lines.some((l) => l.msg === 'request failed')).toBe(true)
    expect(lines.some((l) => l.msg === 'test number used: no SMS sent')).toBe(true)
  })

  it('contain no PIN and no test code', () => {
    for (const pin of [...new Set(pins), TEST_CODE]) expect(svc.logs()).not.toContain(pin)
  })

  it('contain no full phone number, in any format', () => {
    for (const phone of phones) {
      const national = phone.slice(3) // 9012330001: the number without +81
      for (const form of [phone, phone.slice(1), `0${national}`, national, encodeURIComponent(phone)])
        expect(svc.logs()).not.toContain(form)
    }
  })

  it('contain no e-mail address, API key, HMAC secret or Authorization header', () => {
    const log = svc.logs()
    for (const secret of [email, TEST_API_KEY, TEST_SECRET, 'Bearer ']) expect(log).not.toContain(secret)
  })
})
