import { randomUUID } from 'node:crypto'
import { Redis } from 'ioredis'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { createKeys } from '../../services/auth/src/adapters/redis/keys.ts'
import { keyedToken } from '../../services/auth/src/core/pin.ts'
import { connectEvent } from '../support/events/connect-events.ts'
import { startLatencyProxy, type LatencyProxy } from '../support/stand-ins/latency-proxy.ts'
import { startRedisServer, type RedisProcess } from '../support/redis/redis-server.ts'
import { startService, type ServiceProcess } from '../support/app/service-process.ts'
import { call, eventually, serviceEnv } from '../support/app/service-env.ts'
import { TEST_SECRET } from '../support/app/test-app.ts'
import { startSnsStandIn, type SnsStandIn } from '../support/stand-ins/sns-stand-in.ts'
import { CHALLENGE } from '../../services/auth/src/adapters/redis/challenges/fields.ts'

// The service reaches Redis through a TCP proxy that holds traffic back or cuts it. Its
// REDIS_COMMAND_TIMEOUT_MS is 300 ms: the deadline every Redis step must meet.

const TIMEOUT_MS = 300
let redis: RedisProcess
let proxy: LatencyProxy
let sns: SnsStandIn
let svc: ServiceProcess
let direct: Redis // straight to Redis, to read what really happened
const keys = createKeys('pl:', TEST_SECRET)

beforeAll(async () => {
  ;[redis, sns] = await Promise.all([startRedisServer(), startSnsStandIn()])
  proxy = await startLatencyProxy({ port: redis.port })
  svc = await startService(
    serviceEnv(
      { redisUrl: `redis://127.0.0.1:${proxy.port}`, snsUrl: sns.url },
      { REDIS_COMMAND_TIMEOUT_MS: String(TIMEOUT_MS) },
    ),
  )
  direct = new Redis(redis.url)
})
afterAll(async () => {
  direct?.disconnect()
  await svc?.stop()
  await Promise.all([proxy?.close(), redis?.stop(), sns?.close()])
})
beforeEach(async () => {
  proxy.setLatency(0)
  await eventually(async () => (await fetch(`${svc.url}/readyz`)).status === 200)
  sns.reset()
})

async function challenge(phone: string) {
  const { status, body } = await call(svc.url, 'POST', '/v1/pins', { phone })
  expect(status).toBe(201)
  const id = String(body.challengeId)
  return { id, token: id.slice(16), pin: sns.lastPin(phone) }
}
/** Attempts recorded on the challenge; undefined once it is gone. */
const attemptsInRedis = async (id: string) => {
  const a = await direct.hget(keys.challenge(id), CHALLENGE.attempts)
  return a === null ? undefined : Number(a)
}

describe('Redis slow', () => {
  it('slower than the deadline: 503 DEPENDENCY_UNAVAILABLE inside it, no SMS; served again once Redis is fast', async () => {
    proxy.setLatency(1_000)
    for (const [path, body] of [
      ['/v1/pins', { phone: '+819012310001' }],
      [`/v1/pins/${'A'.repeat(38)}/verify`, { pin: '123456' }],
    ] as const) {
      const res = await call(svc.url, 'POST', path, body)
      expect(res.status).toBe(503)
      expect(res.body.code).toBe('DEPENDENCY_UNAVAILABLE')
      expect(res.ms).toBeLessThan(TIMEOUT_MS + 400)
    }
    expect(sns.requestCount()).toBe(0)
    proxy.setLatency(0)
    await eventually(async () => (await call(svc.url, 'POST', '/v1/pins', { phone: '+819012310001' })).status === 201)
  })

  it('a verify whose reply is late: 503, and the attempt counts once, not twice, even when the connection is then reset', async () => {
    const c = await challenge('+819012310002')
    // The verify script reaches Redis and runs; its reply (and all after it) is held back.
    let armed = false
    proxy.setLatency((direction, chunk) => {
      if (direction === 'up' && chunk.includes(c.token)) armed = true
      return armed && direction === 'down' ? 5_000 : 0
    })
    const res = await call(svc.url, 'POST', `/v1/pins/${c.id}/verify`, { pin: '000000' })
    expect(res.status).toBe(503)
    expect(res.body.code).toBe('DEPENDENCY_UNAVAILABLE')
    expect(res.ms).toBeLessThan(TIMEOUT_MS + 400)
    // A slow Redis is often followed by a reset (failover, a proxy's idle timeout).
    proxy.dropConnections()
    proxy.setLatency(0)
    await eventually(async () => (await fetch(`${svc.url}/readyz`)).status === 200)
    await new Promise((r) => setTimeout(r, 200)) // room for any resend to land
    expect(await attemptsInRedis(c.id)).toBe(1)
    const right = await call(svc.url, 'POST', `/v1/pins/${c.id}/verify`, { pin: c.pin })
    expect(right.body).toMatchObject({ status: 'approved', attemptsLeft: 3 })
  })

  it('a sendPin whose create ran but whose reply was late: 503, and the retry is SMS_SEND_IN_PROGRESS, never a Success without an SMS', async () => {
    const phone = '+819012310004'
    const contactId = randomUUID()
    const id = keys.challengeId(phone, keyedToken(TEST_SECRET, `connect:${contactId}`))
    const event = connectEvent({ phone, contactId, parameters: { action: 'sendPin', language: 'en' } })
    // The create script reaches Redis and runs; its reply (and all after it) is held back.
    let armed = false
    proxy.setLatency((direction, chunk) => {
      if (direction === 'up' && chunk.includes(id.slice(16))) armed = true
      return armed && direction === 'down' ? 5_000 : 0
    })
    const res = await call(svc.url, 'POST', '/v1/channels/connect', event)
    expect(res.body).toEqual({ lambdaResult: 'Error', errorCode: 'DEPENDENCY_UNAVAILABLE' })
    proxy.dropConnections()
    proxy.setLatency(0)
    await eventually(async () => (await fetch(`${svc.url}/readyz`)).status === 200)
    // The script did run: the challenge exists and the number's send was counted, but no SMS left.
    await eventually(async () => (await direct.exists(keys.challenge(id))) === 1)
    expect(sns.requestCount()).toBe(0)
    const retry = await call(svc.url, 'POST', '/v1/channels/connect', event)
    expect(retry.body).toEqual({
      lambdaResult: 'Error',
      errorCode: 'SMS_SEND_IN_PROGRESS',
      retryAfterSeconds: expect.stringMatching(/^\d+$/),
    })
    expect(sns.requestCount()).toBe(0)
  })

  it('Redis gone mid-request (after the rate limit passed): 503, nothing granted, nothing consumed', async () => {
    const c = await challenge('+819012310003')
    proxy.setLatency((direction, chunk) => (direction === 'up' && chunk.includes(c.token) ? 'cut' : 0))
    const res = await call(svc.url, 'POST', `/v1/pins/${c.id}/verify`, { pin: c.pin })
    expect(res.status).toBe(503)
    expect(res.body.code).toBe('DEPENDENCY_UNAVAILABLE')
    expect(res.ms).toBeLessThan(TIMEOUT_MS + 400)
    proxy.setLatency(0)
    await eventually(async () => (await fetch(`${svc.url}/readyz`)).status === 200)
    await new Promise((r) => setTimeout(r, 200))
    // The cut verify was never run later behind the client's back.
    expect(await attemptsInRedis(c.id)).toBe(0)
    expect((await call(svc.url, 'POST', `/v1/pins/${c.id}/verify`, { pin: c.pin })).body).toMatchObject({
      status: 'approved',
      attemptsLeft: 4,
    })
  })
})
