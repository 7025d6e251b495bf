import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startRedisServer, type RedisProcess } from '../support/redis/redis-server.ts'
import { useTestApp } from '../support/app/test-app.ts'

// A Redis that demands AUTH, as ElastiCache does with an AUTH token: the deploy app injects the
// token as REDIS_PASSWORD from Secrets Manager, apart from REDIS_URL (rediss://host:port).

const PASSWORD = 'auth-token-0123456789-with/odd+chars=@'
let redis: RedisProcess

beforeAll(async () => {
  redis = await startRedisServer({ requirepass: PASSWORD })
})
afterAll(() => redis?.stop())

async function readyz(env: Record<string, string>): Promise<number> {
  const t = await useTestApp({ REDIS_URL: redis.url, REDIS_COMMAND_TIMEOUT_MS: '300', ...env })
  return (await t.app.inject({ method: 'GET', url: '/readyz' })).statusCode
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
