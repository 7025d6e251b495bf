import type { Redis } from 'ioredis'
import fp from 'fastify-plugin'
import { createRedis } from '../../adapters/redis/client.ts'
import { createKeys, type Keys } from '../../adapters/redis/keys.ts'

declare module 'fastify' {
  interface FastifyInstance {
    redis: Redis
    keys: Keys
  }
}

/** The one Redis connection and the key builder, closed with the app. */
export default fp(
  async (fastify) => {
    const { config } = fastify
    const redis = createRedis(config.redis)
    // ioredis emits 'error' on every failed reconnect: log the outage once, and the recovery.
    let down = false
    redis.on('error', (err: Error) => {
      if (!down) fastify.log.error({ err }, 'Redis connection lost; requests get 503 until it is back')
      down = true
    })
    redis.on('ready', () => {
      if (down) fastify.log.info('Redis connection restored')
      down = false
    })
    // Wait for the first connection, but start anyway if Redis is down: until it
    // answers, requests get 503 and /readyz says so, and ioredis keeps reconnecting.
    await redis.connect().catch(() => undefined)
    fastify.addHook('onClose', async () => {
      await redis.quit().catch(() => redis.disconnect())
    })
    fastify.decorate('redis', redis)
    fastify.decorate('keys', createKeys(config.redis.keyPrefix, config.redis.keySecret))
  },
  { name: 'redis' },
)
