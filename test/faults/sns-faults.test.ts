import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest'
import { startService, type ServiceProcess } from '../support/app/service-process.ts'
import { call, serviceEnv } from '../support/app/service-env.ts'
import { startEumStandIn, type EumStandIn } from '../support/stand-ins/eum-stand-in.ts'
import { startSnsStandIn, type SnsStandIn } from '../support/stand-ins/sns-stand-in.ts'
import { phoneSequence } from '../support/app/phones.ts'
import { stopAll } from '../support/processes.ts'

// The real service process sends through the real @aws-sdk/client-sns to the SNS stand-in, with
// SMS_TIMEOUT_MS=1000 and SMS_MAX_ATTEMPTS=3 (the SDK's retries with backoff, for answers that say
// nothing was sent: throttling and 5xx; never for a request that timed out once sent). A second
// process sends texts and calls through End User Messaging (SMS_PROVIDER=eum, VOICE_PROVIDER=eum,
// the real @aws-sdk/client-pinpoint-sms-voice-v2) to the EUM stand-in, for the slow-provider cases.

let sns: SnsStandIn
let svc: ServiceProcess
let eum: EumStandIn
let eumSvc: ServiceProcess
const nextPhone = phoneSequence('90', 20000000)

const shared = {
  REDIS_COMMAND_TIMEOUT_MS: '1000',
  PHONE_MAX_SENDS: '1', // a send that failed must not use the number's only send
  // Long enough that a stand-in answering on a loaded machine is not taken for a timeout (a
  // send that timed out stays counted, which would use the number's only send).
  SMS_TIMEOUT_MS: '1000',
}

beforeAll(async () => {
  ;[sns, eum] = await Promise.all([startSnsStandIn(), startEumStandIn()])
  const redisUrl = inject('redisUrl')
  ;[svc, eumSvc] = await Promise.all([
    startService(
      serviceEnv({ redisUrl, snsUrl: sns.url }, { ...shared, REDIS_KEY_PREFIX: `sns${randomUUID().slice(0, 8)}:` }),
    ),
    startService(
      serviceEnv(
        { redisUrl, snsUrl: sns.url },
        {
          ...shared,
          REDIS_KEY_PREFIX: `eum${randomUUID().slice(0, 8)}:`,
          SMS_PROVIDER: 'eum',
          VOICE_PROVIDER: 'eum',
          VOICE_ORIGINATION_IDENTITY: '+81345678901',
          AWS_ENDPOINT_URL_PINPOINT_SMS_VOICE_V2: eum.url,
        },
      ),
    ),
  ])
})
afterAll(() => stopAll(svc, eumSvc, sns, eum))
beforeEach(() => {
  sns.reset()
  eum.reset()
})

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

// A provider slower than SMS_TIMEOUT_MS, the same for SNS, EUM SMS and EUM voice calls.
interface SlowProvider {
  issue(phone: string): ReturnType<typeof call>
  failed: 'SMS_SEND_FAILED' | 'VOICE_SEND_FAILED'
  stand: { failNext(count: number, kind: 'hang'): void; setLatency(ms: number): void; requestCount(): number }
  /** The numbers the provider accepted a message (or a call) for, in order */
  accepted(): string[]
}
const providers: Record<string, () => SlowProvider> = {
  'SNS SMS': () => ({
    issue,
    failed: 'SMS_SEND_FAILED',
    stand: sns,
    accepted: () => sns.publishes.map((p) => p.phoneNumber),
  }),
  'EUM SMS': () => ({
    issue: (phone) => call(eumSvc.url, 'POST', '/v1/pins', { phone }),
    failed: 'SMS_SEND_FAILED',
    stand: eum,
    accepted: () => eum.texts.map((t) => t.to),
  }),
  'EUM voice': () => ({
    issue: (phone) => call(eumSvc.url, 'POST', '/v1/pins', { phone, channel: 'voice' }),
    failed: 'VOICE_SEND_FAILED',
    stand: eum,
    accepted: () => eum.calls.map((c) => c.to),
  }),
}

describe.each(Object.keys(providers))('%s slower than SMS_TIMEOUT_MS (accepted, answered late)', (name) => {
  let p: SlowProvider
  beforeEach(() => {
    p = providers[name]!()
  })

  it("a hung request is not retried, and stays counted (the provider may have accepted it): the number's only send is used", async () => {
    p.stand.failNext(3, 'hang')
    const phone = nextPhone()
    const res = await p.issue(phone)
    expect(res.status).toBe(503)
    expect(res.body.code).toBe(p.failed)
    expect(p.stand.requestCount()).toBe(1)
    const again = await p.issue(phone)
    expect(again.status).toBe(429)
    expect(again.body.code).toBe('PHONE_SEND_LIMIT')
    expect(Number(again.headers.get('retry-after'))).toBeGreaterThan(0)
    expect(p.stand.requestCount()).toBe(1)
  })

  it('the per-number cap holds when every send times out after the provider accepted it: 10 requests, 1 message (PHONE_MAX_SENDS=1)', async () => {
    p.stand.setLatency(1500)
    const phone = nextPhone()
    const codes: string[] = []
    for (let i = 0; i < 10; i++) codes.push(String((await p.issue(phone)).body.code))
    expect(codes).toEqual([p.failed, ...Array(9).fill('PHONE_SEND_LIMIT')])
    await new Promise((r) => setTimeout(r, 1600)) // the stand-in records a message before its delay
    expect(p.accepted()).toEqual([phone])
  })

  it('503 inside the deadline, after exactly one request: at most one message, never copies', async () => {
    p.stand.setLatency(1500)
    const res = await p.issue(nextPhone())
    expect(res.status).toBe(503)
    expect(res.body.code).toBe(p.failed)
    expect(res.ms).toBeLessThan(6_000)
    // None of these APIs takes an idempotency key, so a request that timed out once sent is never
    // sent again: the one message it may have delivered carries a code the withdrawn challenge no
    // longer accepts, and no copies follow.
    expect(p.stand.requestCount()).toBe(1)
    expect(p.accepted().length).toBeLessThanOrEqual(1)
  })
})
