import type { FastifyInstance } from 'fastify'
import { redisUnreadiness } from '../adapters/redis/readiness.ts'

const Status = { type: 'object', properties: { status: { type: 'string' } } } as const

/** Liveness says the process answers; readiness says it can serve (Redis, or every slot of the cluster, answers). */
export default async function health(fastify: FastifyInstance) {
  fastify.get('/healthz', { schema: { tags: ['health'], response: { 200: Status } } }, async () => ({ status: 'ok' }))

  fastify.get(
    '/readyz',
    { schema: { tags: ['health'], response: { 200: Status, 503: Status } } },
    async (_req, reply) => {
      const unready = await redisUnreadiness(fastify.redis, fastify.config.redis.commandTimeoutMs)
      return unready === undefined ? { status: 'ok' } : reply.code(503).send({ status: unready })
    },
  )
}
