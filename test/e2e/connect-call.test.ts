import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest'
import { connectEvent } from '../support/events/connect-events.ts'
import { loadFlow, runFlow } from '../support/events/flow-runner.ts'
import { startHttpStandIn } from '../support/stand-ins/http-stand-in.ts'
import { startRedisServer } from '../support/redis/redis-server.ts'
import { startService, type ServiceProcess } from '../support/app/service-process.ts'
import { bundleShim, type ConnectHandler, type ShimBundle } from '../support/app/shim-bundle.ts'
import { startSnsStandIn, type SnsStandIn } from '../support/stand-ins/sns-stand-in.ts'
import { stopAll } from '../support/processes.ts'
import { TEST_ASSERTION_KEY } from '../support/app/assertion-keys.ts'

// A whole call as Amazon Connect would make it: the bundled shim (dist/shims/connect.mjs as
// `npm run build` makes it) -> the real server process (NODE_ENV=production) -> Redis, with
// SMS going over the wire to an SNS stand-in.

const KEY = 'e2e-connect-key-0123456789'
const FALLBACK = { lambdaResult: 'Error', errorCode: 'SERVICE_UNAVAILABLE' }
const serviceEnv = (redisUrl: string, sns: SnsStandIn): Record<string, string> => ({
  NODE_ENV: 'production',
  ASSERTION_SIGNING_KEY: TEST_ASSERTION_KEY,
  REDIS_URL: redisUrl,
  REDIS_KEY_PREFIX: `e2e${randomUUID().slice(0, 8)}:`,
  API_KEYS: KEY,
  PIN_HMAC_SECRET: 'e2e-secret-0123456789-0123456789-0123456789',
  SMS_PROVIDER: 'sns',
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'test',
  AWS_SECRET_ACCESS_KEY: 'test',
  AWS_ENDPOINT_URL_SNS: sns.url,
  LOG_LEVEL: 'info',
})

let sns: SnsStandIn
let service: ServiceProcess
let bundle: ShimBundle
let shim: ConnectHandler

beforeAll(async () => {
  vi.spyOn(console, 'error').mockImplementation(() => {}) // the shim's fallback log lines (tested in test/shims)
  sns = await startSnsStandIn()
  ;[service, bundle] = await Promise.all([startService(serviceEnv(inject('redisUrl'), sns)), bundleShim('connect')])
  shim = (
    await bundle.load({ AUTH_SERVICE_URL: service.url, AUTH_SERVICE_API_KEY: KEY, AUTH_SERVICE_TIMEOUT_MS: undefined })
  ).handler
})
afterAll(() => stopAll(service, sns, bundle))
afterAll(() => vi.restoreAllMocks()) // after hooks run last-registered first: this one before the stops

const pinIn = (message: string) => message.match(/\b(\d{6})\b/)![1]!

describe('a new caller, through the bundled shim and the real service', () => {
  it('lookup False -> sendPin (one SMS, however often Connect retries) -> Timeout -> wrong PIN -> right PIN with # -> enrolled -> next call recognised', async () => {
    const phone = '+819011112222'
    const contactId = randomUUID()
    const invoke = (parameters: Record<string, string>, id = contactId) =>
      shim(connectEvent({ phone, contactId: id, parameters }))

    // The seed's first Lambda: no action, CallerID set by the flow.
    expect(await invoke({ CallerID: phone })).toEqual({
      lambdaResult: 'Success',
      recordFound: 'False',
      authRequired: 'True',
    })

    const sent = await invoke({ action: 'sendPin', language: 'ja_JP' })
    expect(sent).toEqual({
      lambdaResult: 'Success',
      challengeId: expect.any(String),
      expiresInSeconds: '300',
      channel: 'sms',
    })
    expect(sns.publishes).toHaveLength(1)
    expect(sns.publishes[0]).toMatchObject({
      phoneNumber: phone,
      attributes: { 'AWS.SNS.SMS.SMSType': 'Transactional' },
    })
    expect(sns.publishes[0]!.message).toContain('認証コード')
    const pin = pinIn(sns.publishes[0]!.message)

    // Connect retries the invocation: same challenge, no second SMS.
    expect(await invoke({ action: 'sendPin', language: 'ja_JP' })).toEqual(sent)
    expect(sns.publishes).toHaveLength(1)

    // The caller pressed nothing; then a wrong PIN; then the right one, terminated with #.
    expect(await invoke({ action: 'verifyPin', pin: 'Timeout' })).toEqual({
      lambdaResult: 'Error',
      errorCode: 'PIN_NOT_ENTERED',
    })
    const wrongPin = pin.replace(/^./, (d) => String((Number(d) + 1) % 10))
    expect(await invoke({ action: 'verifyPin', pin: `${wrongPin}#` })).toEqual({
      lambdaResult: 'Success',
      pinVerified: 'False',
      status: 'rejected',
      attemptsLeft: '4',
    })
    expect(await invoke({ action: 'verifyPin', pin: `${pin}#` })).toEqual({
      lambdaResult: 'Success',
      pinVerified: 'True',
      status: 'approved',
      attemptsLeft: '3',
      firstName: 'New',
      lastName: 'Customer',
      custLevel: 'Welcome',
      language: 'ja',
      // The signed assertion comes through the shim as one string attribute.
      pinlineAssertion: expect.stringMatching(/^[\w-]+\.[\w-]+\.[\w-]+$/),
    })

    // The next call from that number is recognised (CALLER_ID_AUTH=trust, the default).
    expect(await invoke({ CallerID: phone }, randomUUID())).toEqual({
      lambdaResult: 'Success',
      recordFound: 'True',
      authRequired: 'False',
      firstName: 'New',
      lastName: 'Customer',
      custLevel: 'Welcome',
      language: 'ja',
    })

    // Neither the PIN nor the full number reached the service's log.
    const logs = service.logs()
    expect(logs).toContain('/v1/channels/connect')
    expect(logs).not.toMatch(new RegExp(`(?<![0-9])${pin}(?![0-9])`))
    expect(logs).not.toContain(phone.slice(1))
  })

  it('the contact flow file itself, through the bundled shim: PIN approved -> pinlineVerified True (PIN); the next call recognised by number only -> False (CALLER_ID)', async () => {
    sns.reset()
    const phone = '+819011118888'
    const call = (keys: Array<() => string>) => {
      const contactId = randomUUID()
      return runFlow(loadFlow(), {
        phone,
        keys,
        invoke: (parameters, attributes) => shim(connectEvent({ phone, contactId, parameters, attributes })),
      })
    }
    const first = await call([() => `${pinIn(sns.publishes.at(-1)!.message)}#`])
    expect(first.invocations.map((p) => p.action)).toEqual(['lookup', 'sendPin', 'verifyPin'])
    expect(first).toMatchObject({
      transferred: true,
      attributes: { pinlineVerified: 'True', pinlineAuthMethod: 'PIN', firstName: 'New' },
    })
    const second = await call([])
    expect(second.invocations.map((p) => p.action)).toEqual(['lookup'])
    expect(second).toMatchObject({
      transferred: true,
      attributes: { pinlineVerified: 'False', pinlineAuthMethod: 'CALLER_ID', firstName: 'New' },
    })
    expect(sns.publishes).toHaveLength(1)
  })

  it('SNS failing: SMS_SEND_FAILED reaches the flow, and the retry sends exactly one SMS', async () => {
    sns.reset()
    const event = connectEvent({ phone: '+819011113333', parameters: { action: 'sendPin' } })
    sns.failNext(3, 'server-error') // the SDK's three attempts
    expect(await shim(event)).toEqual({ lambdaResult: 'Error', errorCode: 'SMS_SEND_FAILED' })
    expect(sns.publishes).toHaveLength(0)
    expect((await shim(event)).lambdaResult).toBe('Success')
    expect(sns.publishes).toHaveLength(1)
  })

  it('SNS slower than the shim: SERVICE_UNAVAILABLE in time; a retry while the SMS is on its way is SMS_SEND_IN_PROGRESS, and once delivered, Success with no second SMS', async () => {
    sns.reset()
    sns.setLatency(1500)
    const hasty = (
      await bundle.load({ AUTH_SERVICE_URL: service.url, AUTH_SERVICE_API_KEY: KEY, AUTH_SERVICE_TIMEOUT_MS: '1000' })
    ).handler
    const event = connectEvent({ phone: '+819011114444', parameters: { action: 'sendPin' } })
    const started = performance.now()
    expect(await hasty(event)).toEqual(FALLBACK)
    expect(performance.now() - started).toBeLessThan(1300)
    // The first SMS is still waiting on SNS: not "sent", since it may yet fail.
    const retry = await hasty(event)
    expect(retry).toMatchObject({
      lambdaResult: 'Error',
      errorCode: 'SMS_SEND_IN_PROGRESS',
      retryAfterSeconds: expect.stringMatching(/^\d+$/),
    })
    await new Promise((r) => setTimeout(r, 1000)) // let the first SNS call finish
    sns.setLatency(0)
    expect((await hasty(event)).lambdaResult).toBe('Success')
    expect(sns.publishes).toHaveLength(1)
  })
})

describe('when the service cannot answer, the flow still gets an Error map inside the budget', () => {
  it("hanging service: SERVICE_UNAVAILABLE at the default 2500 ms, well inside Connect's 3 s default and 8 s maximum", async () => {
    const hang = await startHttpStandIn(() => new Promise(() => {}))
    try {
      const handler = (
        await bundle.load({ AUTH_SERVICE_URL: hang.url, AUTH_SERVICE_API_KEY: KEY, AUTH_SERVICE_TIMEOUT_MS: undefined })
      ).handler
      const started = performance.now()
      expect(await handler(connectEvent({ phone: '+819011115555' }))).toEqual(FALLBACK)
      const ms = performance.now() - started
      expect(ms).toBeGreaterThanOrEqual(2400)
      expect(ms).toBeLessThan(3000)
    } finally {
      await hang.close()
    }
  })

  it('Redis down behind a running service: DEPENDENCY_UNAVAILABLE, no SMS sent', async () => {
    const redis = await startRedisServer()
    const own = await startService(serviceEnv(redis.url, sns))
    try {
      const handler = (await bundle.load({ AUTH_SERVICE_URL: own.url, AUTH_SERVICE_API_KEY: KEY })).handler
      sns.reset()
      await redis.stop()
      const actions: Array<Record<string, string>> = [{}, { action: 'sendPin' }]
      for (const parameters of actions) {
        expect(await handler(connectEvent({ phone: '+819011116666', parameters }))).toEqual({
          lambdaResult: 'Error',
          errorCode: 'DEPENDENCY_UNAVAILABLE',
        })
      }
      expect(sns.publishes).toHaveLength(0)
    } finally {
      await own.stop()
      await redis.stop()
    }
  })

  it('service crashed: SERVICE_UNAVAILABLE at once', async () => {
    await service.kill()
    const started = performance.now()
    expect(await shim(connectEvent({ phone: '+819011117777' }))).toEqual(FALLBACK)
    expect(performance.now() - started).toBeLessThan(1000)
  })
})
