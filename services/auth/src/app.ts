import { randomUUID } from 'node:crypto'
import type { Server } from 'node:http'
import Fastify, { type FastifyHttpOptions, type FastifyInstance, type FastifyServerOptions } from 'fastify'
import fp from 'fastify-plugin'
import type { Config } from './config.ts'
import type { SmsSender, VoiceSender } from './core/ports.ts'
import { AccessLog, acceptedRequestId, loggerOptions, requestLog } from './logging.ts'
import assertions from './plugins/app/assertions.ts'
import errorHandler, { replyWithFrameworkError } from './plugins/app/error-handler.ts'
import events from './plugins/app/events.ts'
import metrics from './plugins/app/metrics.ts'
import orders from './plugins/app/orders.ts'
import redis from './plugins/app/redis.ts'
import verification from './plugins/app/verification.ts'
import swagger from './plugins/external/swagger.ts'
import health from './routes/health.ts'
import wellKnown from './routes/well-known.ts'
import v1 from './routes/v1/index.ts'

declare module 'fastify' {
  interface FastifyInstance {
    config: Config
  }
}

export interface AppOptions {
  config: Config
  sms?: SmsSender
  voice?: VoiceSender
}

/** The whole service as a plugin: it never listens (server.ts does; tests use inject). */
export async function app(fastify: FastifyInstance, opts: AppOptions) {
  // JSON only: any other content type is a 415, not a body to guess at.
  fastify.removeContentTypeParser(['text/plain'])
  fastify.decorate('config', opts.config)
  await fastify.register(errorHandler)
  await fastify.register(swagger)
  await fastify.register(metrics, { purposes: opts.config.metricsPurposes })
  await fastify.register(assertions)
  await fastify.register(events)
  await fastify.register(redis)
  await fastify.register(verification, {
    ...(opts.sms ? { sms: opts.sms } : {}),
    ...(opts.voice ? { voice: opts.voice } : {}),
  })
  await fastify.register(orders)
  await fastify.register(health)
  await fastify.register(wellKnown)
  await fastify.register(v1)
  // The browser playground: development only; production never loads it (404).
  if (opts.config.env !== 'production') await fastify.register((await import('./plugins/dev/playground.ts')).default)
  if (opts.config.http.trustProxy === true) {
    fastify.log.warn(
      "TRUST_PROXY=true trusts every X-Forwarded-For hop: clients can choose their own address and dodge the per-IP limit; set the hop count (1 behind one load balancer) or the proxies' CIDRs",
    )
  }
  // Set when the request arrives (no async hook per response): every answer carries it, errors included.
  fastify.addHook('onRequest', (req, reply, done) => {
    reply.header('x-request-id', req.id)
    done()
  })
}

export function serverOptions(
  config: Config,
  logger: FastifyServerOptions['logger'] = loggerOptions(config.http.logLevel),
): FastifyHttpOptions<Server> {
  return {
    logger,
    logController: new AccessLog(),
    // The request's pino child is made on its first own line (most requests write none).
    childLoggerFactory: requestLog,
    bodyLimit: config.http.bodyLimit,
    // Slow clients: the headers and the whole request each have a deadline (answered 408 and
    // closed), checked every second rather than Node's 30 s; idle keep-alive sockets close. The
    // keep-alive default outlasts an AWS ALB's 60 s idle timeout, as AWS advises for targets.
    requestTimeout: config.http.requestTimeoutMs,
    keepAliveTimeout: config.http.keepAliveTimeoutMs,
    http: {
      headersTimeout: config.http.headersTimeoutMs,
      requestTimeout: config.http.requestTimeoutMs,
      connectionsCheckingInterval: 1000,
    },
    trustProxy: trustProxyOption(config.http.trustProxy),
    // An incoming x-request-id is echoed and logged: only a bounded, safe one is kept.
    requestIdHeader: false,
    genReqId: (req) => acceptedRequestId(req.headers['x-request-id']) ?? randomUUID(),
    // Bad input is refused, never repaired: no type coercion, no silently dropped keys.
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false, useDefaults: true, allErrors: false } },
    onProtoPoisoning: 'error',
    onConstructorPoisoning: 'error',
    frameworkErrors: replyWithFrameworkError,
    return503OnClosing: true,
    forceCloseConnections: 'idle',
  }
}

/**
 * A hop count as a trust function (proxy-addr's `(address, hop)`; hop 0 is the socket): Fastify
 * itself treats a number as trusting nothing. `1` trusts the socket peer (the load balancer), so
 * req.ip is the address it appended. Only safe when clients cannot reach the port directly.
 */
export function trustProxyOption(tp: Config['http']['trustProxy']): FastifyServerOptions['trustProxy'] {
  return typeof tp === 'number' ? (_address: string, hop: number) => hop < tp : tp
}

/** Builds a ready instance (for tests, scripts and server.ts). */
export async function buildApp(
  opts: AppOptions & { logger?: FastifyServerOptions['logger'] },
): Promise<FastifyInstance> {
  const fastify = Fastify(serverOptions(opts.config, opts.logger))
  // Past the cap, new connections are closed at once: file descriptors stay for Redis, SNS and KMS.
  fastify.server.maxConnections = opts.config.http.maxConnections
  // fp: the app's decorators (redis, verification, swagger...) stay visible on the returned instance.
  await fastify.register(fp(app), opts)
  await fastify.ready()
  return fastify
}
