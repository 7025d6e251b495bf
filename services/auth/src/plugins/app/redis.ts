import fp from 'fastify-plugin'
import { Counter } from 'prom-client'
import { connectRedis, createRedis, maxmemoryPolicy, type RedisClient } from '../../adapters/redis/client.ts'
import { createKeys, type Keys } from '../../adapters/redis/keys.ts'
import { noReplicaAck, replicaAck, type ReplicaAck } from '../../adapters/redis/replica-ack.ts'

declare module 'fastify' {
  interface FastifyInstance {
    redis: RedisClient
    keys: Keys
    /** How writes that matter wait for replicas (REDIS_MIN_REPLICAS_ACK); see replica-ack.ts. */
    replicaAck: ReplicaAck
  }
}

/** The Redis client (one node or a cluster) and the key builder, closed with the app. */
export default fp(
  async (fastify) => {
    const settings = fastify.config.redis
    const redis = createRedis(settings)
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
    await connectRedis(redis, settings.commandTimeoutMs).catch(() => undefined)
    // Writes that wait for replicas (WAIT blocks its connection) get a client of their own.
    const durable = settings.minReplicasAck > 0 ? createRedis(settings) : undefined
    durable?.on('error', () => undefined) // the main client reports outages
    if (durable) await connectRedis(durable, settings.commandTimeoutMs).catch(() => undefined)
    const policy = await maxmemoryPolicy(redis)
    if (policy !== undefined && policy !== 'noeviction') {
      fastify.log.warn(
        { maxmemoryPolicy: policy },
        'Redis maxmemory-policy is not noeviction: when memory runs out Redis may drop send caps, locks and failure streaks; set noeviction (SECURITY.md)',
      )
    }
    fastify.addHook('onClose', async () => {
      await Promise.all([redis, durable].map((r) => r?.quit().catch(() => r.disconnect())))
    })
    // A shard without a replica in sync answers 503 to verifies and sends: worth an alert.
    const ackMissing = new Counter({
      name: 'pinline_redis_replica_ack_missing_total',
      help: 'Writes fewer replicas acknowledged than REDIS_MIN_REPLICAS_ACK (answered 503)',
      registers: [fastify.metrics.registry],
    })
    const { minReplicasAck, replicaAckTimeoutMs } = settings
    fastify.decorate<RedisClient>('redis', redis)
    fastify.decorate('keys', createKeys(settings.keyPrefix, settings.keySecret))
    fastify.decorate(
      'replicaAck',
      durable ? replicaAck(durable, minReplicasAck, replicaAckTimeoutMs, () => ackMissing.inc()) : noReplicaAck(redis),
    )
  },
  { name: 'redis', dependencies: ['metrics'] },
)
