import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildApp } from '../../services/auth/src/app.ts'
import { loadConfig } from '../../services/auth/src/config.ts'
import { startRedisCluster, type RedisClusterProcess } from '../support/redis/redis-cluster.ts'
import { recordingSms, TEST_API_KEY, TEST_SECRET, type RecordingSms } from '../support/app/test-app.ts'
import { issuePin, verifyPin } from '../support/app/pins.ts'

// Managed clusters require AUTH (ElastiCache's AUTH token): REDIS_PASSWORD reaches every node the
// client discovers, not only the seeds.

const PASSWORD = 'cluster-auth-token-0123456789'
let cluster: RedisClusterProcess
const apps: FastifyInstance[] = []

beforeAll(async () => {
  cluster = await startRedisCluster({ password: PASSWORD })
}, 60_000)
afterAll(async () => {
  await Promise.all(apps.map((a) => a.close()))
  await cluster?.stop()
})

async function start(env: Record<string, string>, sms: RecordingSms = recordingSms()) {
  const config = loadConfig({
    NODE_ENV: 'test',
    REDIS_MODE: 'cluster',
    REDIS_KEY_PREFIX: 'auth:',
    PIN_HMAC_SECRET: TEST_SECRET,
    API_KEYS: TEST_API_KEY,
    LOG_LEVEL: 'silent',
    REDIS_COMMAND_TIMEOUT_MS: '2000',
    REDIS_REPLICA_ACK_TIMEOUT_MS: '1000',
    ...env,
  })
  const app = await buildApp({ config, sms, logger: false })
  apps.push(app)
  return app
}

describe('a Redis Cluster that requires AUTH', () => {
  it("REDIS_PASSWORD (or the URL's) reaches every node: ready, and a PIN is issued and approved (the replica acknowledges)", async () => {
    const envs: Array<Record<string, string>> = [
      { REDIS_URL: cluster.nodes[0]!.url, REDIS_PASSWORD: PASSWORD }, // one seed; the client finds the other five
      { REDIS_URL: cluster.nodes.map((n) => n.url.replace('redis://', `redis://:${PASSWORD}@`)).join(',') },
    ]
    for (const env of envs) {
      const sms = recordingSms()
      const app = await start(env, sms)
      expect((await app.inject({ url: '/readyz' })).json()).toEqual({ status: 'ok' })
      for (const phone of ['+819012380001', '+819012380002', '+819012380003']) {
        const issued = await issuePin(app, { phone })
        expect(issued.statusCode).toBe(201)
        const verified = await verifyPin(app, issued.json().challengeId, sms.lastPin(phone))
        expect(verified.json().status).toBe('approved')
      }
    }
  })

  it('a wrong password: not ready, and every request a clean 503', async () => {
    const app = await start({ REDIS_URL: cluster.nodes[0]!.url, REDIS_PASSWORD: 'not-the-token' })
    const ready = await app.inject({ url: '/readyz' })
    expect(ready.statusCode).toBe(503)
    const res = await issuePin(app, { phone: '+819012380009' })
    expect(res.statusCode).toBe(503)
    expect(res.json().code).toBe('DEPENDENCY_UNAVAILABLE')
  })
})
