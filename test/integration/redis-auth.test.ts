import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildApp } from '../../services/auth/src/app.ts'
import { loadConfig } from '../../services/auth/src/config.ts'
import { startRedisServer, type RedisProcess } from '../support/redis-server.ts'
import { TEST_API_KEY, TEST_SECRET, recordingSms } from '../support/test-app.ts'

// A Redis that demands AUTH, as ElastiCache does with an AUTH token: the deploy app injects the
// token as REDIS_PASSWORD from Secrets Manager, apart from REDIS_URL (rediss://host:port).

const PASSWORD = 'auth-token-0123456789-with/odd+chars=@'
let redis: RedisProcess

beforeAll(async () => {
  redis = await startRedisServer({ requirepass: PASSWORD })
})
afterAll(() => redis?.stop())

async function readyz(env: Record<string, string>): Promise<number> {
  const config = loadConfig({ NODE_ENV: 'test', API_KEYS: TEST_API_KEY, PIN_HMAC_SECRET: TEST_SECRET, LOG_LEVEL: 'silent', REDIS_URL: redis.url, REDIS_COMMAND_TIMEOUT_MS: '300', ...env })
  const app = await buildApp({ config, sms: recordingSms(), logger: false })
  try {
    return (await app.inject({ method: 'GET', url: '/readyz' })).statusCode
  } finally {
    await app.close()
  }
}

describe('REDIS_PASSWORD', () => {
  it('authenticates to a Redis that requires a password, one with characters a URL would need escaped', async () => {
    expect(await readyz({ REDIS_PASSWORD: PASSWORD })).toBe(200)
  })

  it('without it, or with a wrong one, the service is not ready (503), and nothing is granted', async () => {
    expect(await readyz({})).toBe(503)
    expect(await readyz({ REDIS_PASSWORD: `${PASSWORD}x` })).toBe(503)
  })
})
