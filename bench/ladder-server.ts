// One rung of the cost ladder (bench/ladder.ts): a caller lookup, with the behaviours issue 16
// requires added one at a time. LADDER_RUNGS lists the ones this process has (a prefix of
// bench/lib/ladder-rungs.ts); a library is imported only by the rung that uses it, so each
// rung's RSS is its own. With none, it is the floor's route shaped like the lookup:
// GET /v1/callers/:phone, one HGETALL, a JSON answer (200 on a hit, 404 on a miss).
// Each behaviour is built the cheapest way pinline knows (its logger is imported as is), in
// one route with no other feature: what these behaviours cost, without the rest of the service.
import { randomUUID } from 'node:crypto'
import type { IncomingMessage } from 'node:http'
import Fastify, { type FastifyReply, type FastifyRequest, type FastifyServerOptions } from 'fastify'
import { Redis } from 'ioredis'
import { callerKey, LADDER_SCOPE, ladderKeys, RUNG_ORDER, type Rung } from './lib/ladder-rungs.ts'

const has = new Set((process.env.LADDER_RUNGS ?? '').split(',').filter(Boolean) as Rung[])
for (const r of has) if (!RUNG_ORDER.includes(r)) throw new Error(`LADDER_RUNGS: unknown rung ${r}`)

const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { lazyConnect: true })
await redis.connect()

const logging = has.has('log') ? await import('../services/auth/src/logging.ts') : undefined
const options: FastifyServerOptions = logging
  ? {
      logger: logging.loggerOptions('info'),
      logController: new logging.AccessLog(),
      childLoggerFactory: logging.requestLog,
    }
  : { logger: false }
if (has.has('request-id')) {
  const { acceptedRequestId } = await import('../services/auth/src/logging.ts')
  options.requestIdHeader = false
  options.genReqId = (req: IncomingMessage) => acceptedRequestId(req.headers['x-request-id']) ?? randomUUID()
}
const app = Fastify(options)
app.get('/healthz', async () => ({ status: 'ok' }))

if (has.has('request-id'))
  app.addHook('onRequest', (req, reply, done) => {
    reply.header('x-request-id', req.id)
    done()
  })

if (has.has('metrics')) {
  const { Histogram, Registry, collectDefaultMetrics } = await import('prom-client')
  const registry = new Registry()
  collectDefaultMetrics({ register: registry })
  const latency = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request latency',
    labelNames: ['method', 'route', 'status_code'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  })
  const { latencyObserver } = await import('../services/auth/src/plugins/app/metrics.ts')
  app.addHook('onResponse', latencyObserver(latency))
  app.get('/metrics', async (_req, reply) => reply.type(registry.contentType).send(await registry.metrics()))
}

// The lookup and its behaviours, in their own scope as pinline's API routes are.
await app.register(async (api) => {
  const keyName = new WeakMap<FastifyRequest, string>()
  if (has.has('auth')) {
    const bearerAuth = (await import('@fastify/bearer-auth')).default
    const { keyMatcher } = await import('../services/auth/src/plugins/app/api-keys.ts')
    const match = keyMatcher([
      { name: 'bench', key: process.env.LADDER_KEY ?? '', scopes: new Set<string>([LADDER_SCOPE]) },
      { name: 'other', key: process.env.LADDER_OTHER_KEY ?? '', scopes: new Set<string>() },
    ])
    const scopes = new WeakMap<FastifyRequest, Set<string>>()
    await api.register(bearerAuth, {
      keys: new Set<string>(),
      auth: (presented: string, req: FastifyRequest) => {
        const found = match(presented)
        if (found) {
          keyName.set(req, found.name)
          scopes.set(req, found.scopes)
        }
        return found !== undefined
      },
    })
    api.addHook('onRequest', (req, reply, done) => {
      if (scopes.get(req)?.has(req.routeOptions.config.scope as string)) return done()
      reply.code(403).send({ code: 'FORBIDDEN_SCOPE', message: 'This API key does not have the scope' })
    })
  }

  const phoneOf = has.has('phone')
    ? await import('libphonenumber-js/max').then(({ parsePhoneNumberFromString }) => (input: string) => {
        const parsed = parsePhoneNumberFromString(input)
        return parsed && (parsed.getType() !== undefined || parsed.isValid()) ? parsed.number : undefined
      })
    : (input: string) => input

  // pinline's own limiter and address normalisation (IPv6 per /64), with caps out of the way.
  const limits = has.has('limits')
    ? {
        limiter: (await import('../services/auth/src/adapters/redis/counters/http-limits.ts')).createHttpLimiter(
          redis,
          ladderKeys,
          { keyMax: 1e9, ipMax: 1e9, windowMs: 60_000, leaseMs: 100, waitMs: 1000 },
        ),
        normalizeIP: (await import('@fastify/rate-limit')).normalizeIP,
      }
    : undefined

  const error = { type: 'object', properties: { code: { type: 'string' }, message: { type: 'string' } } }
  const schema = has.has('schema')
    ? {
        params: {
          type: 'object',
          properties: { phone: { type: 'string', minLength: 4, maxLength: 32, pattern: '^\\+?[0-9]+$' } },
          required: ['phone'],
        },
        response: {
          200: { type: 'object', properties: { firstName: { type: 'string' }, lastName: { type: 'string' } } },
          '4xx': error,
        },
      }
    : {}
  api.get<{ Params: { phone: string } }>(
    '/v1/callers/:phone',
    { schema, config: { scope: LADDER_SCOPE } },
    async (req, reply: FastifyReply) => {
      const phone = phoneOf(req.params.phone)
      if (phone === undefined) return reply.code(400).send({ code: 'INVALID_PHONE', message: 'Not a phone number' })
      if (limits) {
        const pending = limits.limiter.take(keyName.get(req) ?? 'anonymous', limits.normalizeIP(req.ip))
        if (pending && (await pending))
          return reply.code(429).send({ code: 'RATE_LIMITED', message: 'Too many requests' })
      }
      // One HGETALL, as pinline's lookup (its limits are leased, not counted per request).
      const caller = await redis.hgetall(callerKey(phone, has.has('hmac')))
      if (caller.firstName === undefined)
        return reply.code(404).send({ code: 'CALLER_NOT_FOUND', message: 'No caller with this number' })
      return { firstName: caller.firstName, lastName: caller.lastName }
    },
  )
})

process.once('SIGTERM', async () => {
  await app.close()
  redis.disconnect()
  process.exit(0)
})

await app.listen({ host: process.env.HOST ?? '127.0.0.1', port: Number(process.env.PORT ?? 3002) })
