import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, beforeEach, describe, expect, it, inject } from 'vitest'
import { startService, type ServiceProcess } from '../support/app/service-process.ts'
import { call, serviceEnv } from '../support/app/service-env.ts'
import { startSnsStandIn, type SnsStandIn } from '../support/stand-ins/sns-stand-in.ts'

// Two service processes on one real Redis Cluster (3 primaries, 3 replicas; the cluster project's
// global setup): every atomic step is one script on one slot, so the guarantees of one process
// hold for a fleet.

let sns: SnsStandIn
let services: ServiceProcess[] = []

beforeAll(async () => {
  expect(inject('redisMode')).toBe('cluster')
  sns = await startSnsStandIn()
  const env = serviceEnv(
    { redisUrl: inject('redisUrl'), redisMode: 'cluster', snsUrl: sns.url },
    {
      REDIS_KEY_PREFIX: `c${randomUUID().slice(0, 6)}:`,
      // Generous deadlines: two services, six redis-servers and the tests share two cores.
      REDIS_COMMAND_TIMEOUT_MS: '2000',
      REDIS_REPLICA_ACK_TIMEOUT_MS: '1000',
      SMS_TIMEOUT_MS: '2000',
      LOG_LEVEL: 'warn',
    },
  )
  services = await Promise.all([startService(env), startService(env)])
})
afterAll(async () => {
  await Promise.all(services.map((s) => s.stop()))
  await sns?.close()
})
beforeEach(() => sns.reset())

const pinSentTo = (phone: string) => {
  const message = sns.publishes.filter((p) => p.phoneNumber === phone).at(-1)?.message
  const pin = message?.match(/\b(\d{6})\b/)?.[1]
  if (!pin) throw new Error(`no PIN was sent to ${phone}`)
  return pin
}
const byStatus = (results: Array<{ status: number; body: Record<string, unknown> }>) => {
  const counts: Record<string, number> = {}
  for (const r of results) {
    const key = `${r.status} ${String(r.body.status ?? r.body.code ?? '')}`
    counts[key] = (counts[key] ?? 0) + 1
  }
  return counts
}

describe('two service processes on one Redis Cluster', () => {
  it('both are ready: every slot has a primary that answers', async () => {
    for (const s of services) {
      const res = await fetch(`${s.url}/readyz`)
      expect(await res.json()).toEqual({ status: 'ok' })
      expect(res.status).toBe(200)
    }
  })

  it('20 parallel right answers for one challenge, spread over both: exactly one approval', async () => {
    const phone = '+819012340001'
    const issued = await call(services[0]!.url, 'POST', '/v1/pins', { phone, enrol: true })
    expect(issued.status).toBe(201)
    const pin = pinSentTo(phone)
    const path = `/v1/pins/${String(issued.body.challengeId)}/verify`
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => call(services[i % 2]!.url, 'POST', path, { pin })),
    )
    expect(byStatus(results)).toEqual({ '200 approved': 1, '404 CHALLENGE_NOT_FOUND': 19 })
    // The enrolment is there for both.
    for (const s of services) expect((await call(s.url, 'GET', `/v1/callers/${phone}`)).body).toMatchObject({ phone })
  })

  it('per-number caps hold across both: 30 parallel PIN requests for one number send exactly PHONE_MAX_SENDS SMS', async () => {
    const phone = '+819012340002'
    const results = await Promise.all(
      Array.from({ length: 30 }, (_, i) => call(services[i % 2]!.url, 'POST', '/v1/pins', { phone })),
    )
    expect(byStatus(results)).toEqual({ '201 pending': 5, '429 PHONE_SEND_LIMIT': 25 })
    expect(sns.publishes.filter((p) => p.phoneNumber === phone)).toHaveLength(5)
  })

  it('per-challenge attempts hold across both: 12 parallel wrong PINs count PIN_MAX_ATTEMPTS, then even the right one is refused', async () => {
    const phone = '+819012340003'
    const issued = await call(services[1]!.url, 'POST', '/v1/pins', { phone })
    const pin = pinSentTo(phone)
    const wrong = pin === '000000' ? '111111' : '000000'
    const path = `/v1/pins/${String(issued.body.challengeId)}/verify`
    const results = await Promise.all(
      Array.from({ length: 12 }, (_, i) => call(services[i % 2]!.url, 'POST', path, { pin: wrong })),
    )
    const counts = byStatus(results)
    expect(counts['200 rejected']).toBe(4) // PIN_MAX_ATTEMPTS = 5: four rejections, then the lock
    expect((counts['200 locked'] ?? 0) + (counts['429 CHALLENGE_LOCKED'] ?? 0)).toBe(8)
    const right = await call(services[0]!.url, 'POST', path, { pin })
    expect(right.body.status).not.toBe('approved')
  })
})
