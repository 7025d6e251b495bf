import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest'
import { startService, type ServiceProcess } from '../support/app/service-process.ts'
import { call, serviceEnv } from '../support/app/service-env.ts'
import { startSnsStandIn, type SnsStandIn } from '../support/stand-ins/sns-stand-in.ts'
import { phoneSequence } from '../support/app/phones.ts'
import { stopAll } from '../support/processes.ts'

// The real service process sends through the real @aws-sdk/client-sns to the SNS stand-in, with
// SMS_TIMEOUT_MS=1000 and SMS_MAX_ATTEMPTS=3 (the SDK's retries with backoff, for answers that say
// nothing was sent: throttling and 5xx; never for a request that timed out once sent).

let sns: SnsStandIn
let svc: ServiceProcess
const nextPhone = phoneSequence('90', 20000000)

beforeAll(async () => {
  sns = await startSnsStandIn()
  svc = await startService(
    serviceEnv(
      { redisUrl: inject('redisUrl'), snsUrl: sns.url },
      {
        REDIS_KEY_PREFIX: `sns${randomUUID().slice(0, 8)}:`,
        REDIS_COMMAND_TIMEOUT_MS: '1000',
        PHONE_MAX_SENDS: '1', // a send that failed must not use the number's only send
        // Long enough that a stand-in answering on a loaded machine is not taken for a timeout (a
        // send that timed out stays counted, which would use the number's only send).
        SMS_TIMEOUT_MS: '1000',
      },
    ),
  )
})
afterAll(() => stopAll(svc, sns))
beforeEach(() => sns.reset())

const issue = (phone: string) => call(svc.url, 'POST', '/v1/pins', { phone })

describe('SNS transient faults: retried, then exactly one SMS', () => {
  it.each([
    ['throttling (429 Throttled)', 'throttle'],
    ['a 5xx (InternalError)', 'server-error'],
  ] as const)('%s twice, then accepted: 201 and exactly one SMS', async (_name, kind) => {
    sns.failNext(2, kind)
    const phone = nextPhone()
    const res = await issue(phone)
    expect(res.status).toBe(201)
    expect(sns.requestCount()).toBe(3)
    expect(sns.publishes.map((p) => p.phoneNumber)).toEqual([phone])
  })
})

describe('SNS persistent faults: bounded retries, then 503 SMS_SEND_FAILED, nothing counted', () => {
  it.each([
    ['throttling', 'throttle', 3],
    ['5xx', 'server-error', 3],
    ['a client fault (InvalidParameter) is not retried', 'invalid-parameter', 1],
  ] as const)('%s', async (_name, kind, requests) => {
    sns.failNext(3, kind)
    const phone = nextPhone()
    const res = await issue(phone)
    expect(res.status).toBe(503)
    expect(res.body).toEqual({ code: 'SMS_SEND_FAILED', message: expect.any(String) })
    expect(res.ms).toBeLessThan(6_000) // 3 answered attempts plus the SDK's backoff (1 s, 2 s at most)
    expect(sns.requestCount()).toBe(requests)
    expect(sns.publishes).toEqual([])
    sns.reset()
    // The failed send was taken back: the number's only send (PHONE_MAX_SENDS=1) is still there.
    expect((await issue(phone)).status).toBe(201)
    expect(sns.publishes).toHaveLength(1)
  })
})

describe('SNS slower than SMS_TIMEOUT_MS (accepted, answered late)', () => {
  it("a hung request is not retried, and stays counted (SNS may have accepted it): the number's only send is used", async () => {
    sns.failNext(3, 'hang')
    const phone = nextPhone()
    const res = await issue(phone)
    expect(res.status).toBe(503)
    expect(res.body.code).toBe('SMS_SEND_FAILED')
    expect(sns.requestCount()).toBe(1)
    sns.reset()
    const again = await issue(phone)
    expect(again.status).toBe(429)
    expect(again.body.code).toBe('PHONE_SEND_LIMIT')
    expect(Number(again.headers.get('retry-after'))).toBeGreaterThan(0)
    expect(sns.requestCount()).toBe(0)
  })

  it('the per-number cap holds when every send times out after SNS accepted it: 10 requests, 1 SMS (PHONE_MAX_SENDS=1)', async () => {
    sns.setLatency(1500)
    const phone = nextPhone()
    const codes: string[] = []
    for (let i = 0; i < 10; i++) codes.push(String((await issue(phone)).body.code))
    expect(codes).toEqual(['SMS_SEND_FAILED', ...Array(9).fill('PHONE_SEND_LIMIT')])
    await new Promise((r) => setTimeout(r, 1600)) // the stand-in records a publish before its delay
    expect(sns.publishes.map((p) => p.phoneNumber)).toEqual([phone])
  })

  it('503 SMS_SEND_FAILED inside the deadline, after exactly one request: at most one message, never copies', async () => {
    sns.setLatency(1500)
    const res = await issue(nextPhone())
    expect(res.status).toBe(503)
    expect(res.body.code).toBe('SMS_SEND_FAILED')
    expect(res.ms).toBeLessThan(6_000)
    // SNS has no idempotency key for SMS, so a request that timed out once sent is never sent
    // again: the one message it may have delivered carries a code the withdrawn challenge no
    // longer accepts, and no copies follow.
    expect(sns.requestCount()).toBe(1)
    expect(sns.publishes.length).toBeLessThanOrEqual(1)
  })
})
