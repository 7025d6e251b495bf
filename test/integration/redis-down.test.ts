import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startRedisServer, type RedisProcess } from '../support/redis/redis-server.ts'
import { auth, buildTestApp, type TestApp } from '../support/app/test-app.ts'
import { issuePin, verifyPin } from '../support/app/pins.ts'

// Redis of its own, so stopping it touches no other test.
let redis: RedisProcess
let t: TestApp
beforeAll(async () => {
  redis = await startRedisServer()
  t = await buildTestApp({ REDIS_URL: redis.url, REDIS_COMMAND_TIMEOUT_MS: '300' })
})
afterAll(async () => {
  await t.app.close()
  await redis.stop()
})

describe('Redis down', () => {
  it('issue and verify answer 503 DEPENDENCY_UNAVAILABLE, nothing is sent or granted, and it recovers', async () => {
    const phone = '+819012347777'
    const { challengeId } = (await issuePin(t.app, { phone })).json()
    const pin = t.sms.lastPin(phone)
    await redis.stop()

    const issue = await issuePin(t.app, { phone: '+819012347778' })
    expect(issue.statusCode).toBe(503)
    expect(issue.json()).toEqual({ code: 'DEPENDENCY_UNAVAILABLE', message: expect.any(String) })
    const verify = await verifyPin(t.app, challengeId, pin)
    expect(verify.statusCode).toBe(503)
    expect(verify.json().code).toBe('DEPENDENCY_UNAVAILABLE')
    expect((await t.app.inject({ url: '/v1/callers/+819012347777', headers: auth })).statusCode).toBe(503)
    expect((await t.app.inject({ url: '/readyz' })).statusCode).toBe(503)
    expect((await t.app.inject({ url: '/healthz' })).statusCode).toBe(200)
    expect(t.sms.sent).toHaveLength(1)

    // No persistence on this Redis: the challenge is gone after the restart, so the old PIN grants nothing.
    await redis.restart()
    await expect
      .poll(async () => (await t.app.inject({ url: '/readyz' })).statusCode, { timeout: 5000, interval: 100 })
      .toBe(200)
    const after = await verifyPin(t.app, challengeId, pin)
    expect(after.statusCode).toBe(404)
    expect((await issuePin(t.app, { phone: '+819012347778' })).statusCode).toBe(201)
  })
})
