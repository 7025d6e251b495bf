import type { FastifyInstance } from 'fastify'

const Status = { type: 'object', properties: { status: { type: 'string' } } } as const

/** Liveness says the process answers; readiness says it can serve (Redis answers). */
export default async function health(fastify: FastifyInstance) {
  fastify.get('/healthz', { schema: { tags: ['health'], response: { 200: Status } } }, async () => ({ status: 'ok' }))

  fastify.get('/readyz', { schema: { tags: ['health'], response: { 200: Status, 503: Status } } }, async (_req, reply) => {
    const ok = await Promise.race([
      fastify.redis.ping().then(() => true, () => false),
      new Promise<boolean>((resolve) => setTimeout(resolve, fastify.config.redis.commandTimeoutMs, false).unref()),
    ])
    return ok ? { status: 'ok' } : reply.code(503).send({ status: 'redis unavailable' })
  })
}
