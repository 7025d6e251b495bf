import { randomUUID } from 'node:crypto'
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify'
import fp from 'fastify-plugin'
import type { Config } from './config.ts'
import type { SmsSender } from './core/ports.ts'
import { AccessLog, loggerOptions } from './logging.ts'
import errorHandler, { replyWithError } from './plugins/app/error-handler.ts'
import metrics from './plugins/app/metrics.ts'
import orders from './plugins/app/orders.ts'
import redis from './plugins/app/redis.ts'
import verification from './plugins/app/verification.ts'
import swagger from './plugins/external/swagger.ts'
import health from './routes/health.ts'
import v1 from './routes/v1/index.ts'

declare module 'fastify' {
  interface FastifyInstance {
    config: Config
  }
}

export interface AppOptions {
  config: Config
  sms?: SmsSender
}

/** The whole service as a plugin: it never listens (server.ts does; tests use inject). */
export async function app(fastify: FastifyInstance, opts: AppOptions) {
  // JSON only: any other content type is a 415, not a body to guess at.
  fastify.removeContentTypeParser(['text/plain'])
  fastify.decorate('config', opts.config)
  await fastify.register(errorHandler)
  await fastify.register(swagger)
  await fastify.register(metrics)
  await fastify.register(redis)
  await fastify.register(verification, opts.sms ? { sms: opts.sms } : {})
  await fastify.register(orders)
  await fastify.register(health)
  await fastify.register(v1)
  // The browser playground: development only; production never loads it (404).
  if (opts.config.env !== 'production') await fastify.register((await import('./plugins/dev/playground.ts')).default)
  fastify.addHook('onSend', async (req, reply) => {
    reply.header('x-request-id', req.id)
  })
}

export function serverOptions(config: Config, logger: FastifyServerOptions['logger'] = loggerOptions(config.http.logLevel)): FastifyServerOptions {
  return {
    logger,
    logController: new AccessLog(),
    bodyLimit: config.http.bodyLimit,
    trustProxy: config.http.trustProxy,
    requestIdHeader: 'x-request-id',
    genReqId: () => randomUUID(),
    // Bad input is refused, never repaired: no type coercion, no silently dropped keys.
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false, useDefaults: true, allErrors: false } },
    onProtoPoisoning: 'error',
    onConstructorPoisoning: 'error',
    frameworkErrors: replyWithError,
    return503OnClosing: true,
    forceCloseConnections: 'idle',
  }
}

/** Builds a ready instance (for tests, scripts and server.ts). */
export async function buildApp(opts: AppOptions & { logger?: FastifyServerOptions['logger'] }): Promise<FastifyInstance> {
  const fastify = Fastify(serverOptions(opts.config, opts.logger))
  // fp: the app's decorators (redis, verification, swagger...) stay visible on the returned instance.
  await fastify.register(fp(app), opts)
  await fastify.ready()
  return fastify
}
