import { Redis } from 'ioredis'
import { afterEach, describe, expect, it } from 'vitest'
import { pingRedis } from '../support/redis/redis-ping.ts'
import { startRedisServer, type RedisProcess } from '../support/redis/redis-server.ts'

// Each step opens a fresh client: the point is what the server itself kept, not client state.
async function withClient<T>(url: string, fn: (r: Redis) => Promise<T>): Promise<T> {
  const client = new Redis(url, { maxRetriesPerRequest: 0, retryStrategy: () => null })
  client.on('error', () => {}) // failures surface through the command promises
  try {
    return await fn(client)
  } finally {
    client.disconnect()
  }
}

describe('startRedisServer', () => {
  let server: RedisProcess | undefined
  afterEach(async () => {
    await server?.stop()
    server = undefined
  })

  it('with appendonly, a key survives kill() + restart() on the same port and dir', async () => {
    server = await startRedisServer({ appendonly: true })
    const { url, port } = server
    await withClient(url, (r) => r.set('pin:1', '424242'))
    await server.kill()
    await expect(pingRedis(url, 500)).rejects.toThrow()
    await server.restart()
    expect(server.port).toBe(port)
    expect(await withClient(url, (r) => r.get('pin:1'))).toBe('424242')
  })

  it('without appendonly, the key is gone after restart', async () => {
    server = await startRedisServer()
    await withClient(server.url, (r) => r.set('pin:1', '424242'))
    await server.kill()
    await server.restart()
    expect(await withClient(server.url, (r) => r.get('pin:1'))).toBeNull()
  })

  it('stop() waits for the process to exit and is idempotent', async () => {
    server = await startRedisServer()
    await server.stop()
    await server.stop()
    await expect(pingRedis(server.url, 500)).rejects.toThrow()
  })
})
