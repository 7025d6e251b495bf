import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import {
  call,
  eventually,
  type OwnRedisService,
  type RedisProcess,
  type ServiceProcess,
  type SnsStandIn,
  startServiceOnOwnRedis,
} from '../support/processes.ts'

// Real processes: redis-server (AOF, so a challenge outlives the outage), the service, the SNS
// stand-in. Redis is stopped under the running service, then started again.

let running: OwnRedisService | undefined
let redis: RedisProcess
let sns: SnsStandIn
let svc: ServiceProcess

beforeAll(async () => {
  running = await startServiceOnOwnRedis({ appendonly: true })
  ;({ redis, sns, svc } = running)
})
afterAll(() => running?.stop())
beforeEach(() => sns.reset())

const ready = async () => (await fetch(`${svc.url}/readyz`)).status === 200

describe('Redis down', () => {
  it('at issue: 503 DEPENDENCY_UNAVAILABLE at once, no SMS; the service recovers by itself', async () => {
    await redis.stop()
    const res = await call(svc.url, 'POST', '/v1/pins', { phone: '+819012300001' })
    expect(res.status).toBe(503)
    expect(res.body).toEqual({ code: 'DEPENDENCY_UNAVAILABLE', message: expect.any(String) })
    expect(res.ms).toBeLessThan(1500) // at once: no queueing behind a dead connection
    expect((await fetch(`${svc.url}/readyz`)).status).toBe(503)
    expect(sns.requestCount()).toBe(0)

    await redis.restart()
    await eventually(ready)
    const again = await call(svc.url, 'POST', '/v1/pins', { phone: '+819012300001' })
    expect(again.status).toBe(201)
    expect(sns.publishes).toHaveLength(1)
  })

  it('at verify: the right PIN is not approved during the outage and costs no attempt; approved once after', async () => {
    const phone = '+819012300002'
    const issued = await call(svc.url, 'POST', '/v1/pins', { phone })
    expect(issued.status).toBe(201)
    const id = String(issued.body.challengeId)
    const pin = sns.lastPin(phone)
    await redis.stop()

    for (const p of [pin, '000000']) {
      const res = await call(svc.url, 'POST', `/v1/pins/${id}/verify`, { pin: p })
      expect(res.status).toBe(503)
      expect(res.body.code).toBe('DEPENDENCY_UNAVAILABLE')
    }

    await redis.restart()
    await eventually(ready)
    const res = await call(svc.url, 'POST', `/v1/pins/${id}/verify`, { pin })
    expect(res.body).toMatchObject({ status: 'approved', attemptsLeft: 4 }) // the outage used no attempt
    expect((await call(svc.url, 'POST', `/v1/pins/${id}/verify`, { pin })).status).toBe(404)
  })

  it('every /v1 route fails closed while Redis is down, and health stays up', async () => {
    await redis.stop()
    try {
      const routes: Array<[string, string, unknown?]> = [
        ['GET', '/v1/callers/+819012300003'],
        ['PUT', '/v1/callers/+819012300003', { firstName: 'A', lastName: 'B', custLevel: 'Gold', language: 'ja' }],
        ['DELETE', '/v1/callers/+819012300003'],
        ['POST', `/v1/pins/${'A'.repeat(38)}/resend`],
      ]
      for (const [method, path, body] of routes) {
        const res = await call(svc.url, method, path, body)
        expect(res.status, `${method} ${path}`).toBe(503)
        expect(res.body.code).toBe('DEPENDENCY_UNAVAILABLE')
      }
      expect((await fetch(`${svc.url}/healthz`)).status).toBe(200)
    } finally {
      await redis.restart()
      await eventually(ready)
    }
  })
})
