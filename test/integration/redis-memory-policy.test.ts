import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Redis } from 'ioredis'
import { startRedisServer, type RedisProcess } from '../support/redis/redis-server.ts'
import { buildTestApp } from '../support/app/test-app.ts'
import { issuePin } from '../support/app/pins.ts'

// Finding 4 (memory): pinline needs maxmemory-policy noeviction. An evicting policy would drop
// counters and locks when memory runs out (failing open); noeviction refuses writes (503).
let server: RedisProcess
let admin: Redis
beforeAll(async () => {
  server = await startRedisServer()
  admin = new Redis(server.url)
})
afterAll(async () => {
  admin.disconnect()
  await server.stop()
})

const warnings = (logs: string) => logs.split('\n').filter((l) => l.includes('maxmemory-policy'))

describe('Redis maxmemory-policy', () => {
  it('an evicting policy is warned about at start, naming it', async () => {
    await admin.config('SET', 'maxmemory-policy', 'allkeys-lru')
    const t = await buildTestApp({ REDIS_URL: server.url }, { logs: true })
    await t.app.close()
    expect(warnings(t.logs()).map((l) => JSON.parse(l))).toEqual([
      expect.objectContaining({ level: 40, maxmemoryPolicy: 'allkeys-lru' }),
    ])
  })

  it('with noeviction and memory full, a PIN request fails closed (503, no SMS), and there is no warning', async () => {
    await admin.config('SET', 'maxmemory-policy', 'noeviction')
    const t = await buildTestApp({ REDIS_URL: server.url }, { logs: true })
    try {
      expect(warnings(t.logs())).toEqual([])
      await admin.config('SET', 'maxmemory', '1')
      const res = await issuePin(t.app, { phone: '+819012349999' })
      expect(res.statusCode).toBe(503)
      expect(res.json().code).toBe('DEPENDENCY_UNAVAILABLE')
      expect(t.sms.sent).toHaveLength(0)
    } finally {
      await admin.config('SET', 'maxmemory', '0')
      await t.app.close()
    }
  })
})
