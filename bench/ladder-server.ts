// One rung of the cost ladder (bench/ladder.ts): a caller lookup, with the behaviours issue 16
// requires added one at a time. LADDER_RUNGS lists the ones this process has (a prefix of
// bench/lib/ladder-rungs.ts); a library is imported only by the rung that uses it, so each
// rung's RSS is its own. With none, it is the floor's route shaped like the lookup:
// GET /v1/callers/:phone, one HGETALL, a JSON answer (200 on a hit, 404 on a miss).
// Each behaviour is built the cheapest way pinline knows (its logger is imported as is), in
// one route with no other feature: what these behaviours cost, without the rest of the service.
import { createHash, randomUUID, timingSafeEqual } from 'node:crypto'
import type { IncomingMessage } from 'node:http'
import Fastify, { type FastifyReply, type FastifyRequest, type FastifyServerOptions } from 'fastify'
import { Redis } from 'ioredis'
import { callerKey, keyCounter, LADDER_SCOPE, RUNG_ORDER, type Rung } from './lib/ladder-rungs.ts'

const has = new Set((process.env.LADDER_RUNGS ?? '').split(',').filter(Boolean) as Rung[])
for (const r of has) if (!RUNG_ORDER.includes(r)) throw new Error(`LADDER_RUNGS: unknown rung ${r}`)

const LEASE = 1000
const WINDOW_MS = 60_000

const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { lazyConnect: true })
// KEYS[1]: the API key's counter; KEYS[2]: the client address's counter under it (same hash tag).
// ARGV: requests wanted, window ms, cap per key, cap per address. Counts the lease on both
// counters and returns it, or 0 (nothing counted) when either would pass its cap.
redis.defineCommand('lease', {
  numberOfKeys: 2,
  lua: `
local want = tonumber(ARGV[1])
local a = tonumber(redis.call('GET', KEYS[1]) or '0')
local b = tonumber(redis.call('GET', KEYS[2]) or '0')
if a + want > tonumber(ARGV[3]) or b + want > tonumber(ARGV[4]) then return 0 end
redis.call('INCRBY', KEYS[1], want) redis.call('PEXPIRE', KEYS[1], ARGV[2], 'NX')
redis.call('INCRBY', KEYS[2], want) redis.call('PEXPIRE', KEYS[2], ARGV[2], 'NX')
return want`,
})
const scripts = redis as Redis & {
  lease(key: string, address: string, want: number, windowMs: number, keyMax: number, ipMax: number): Promise<number>
}
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
  const series = new Map<string, ReturnType<typeof latency.labels>>()
  app.addHook('onResponse', (req, reply, done) => {
    const route = req.routeOptions.url ?? 'unmatched'
    const id = `${req.method} ${reply.statusCode} ${route}`
    let child = series.get(id)
    if (child === undefined) {
      child = latency.labels(req.method, route, String(reply.statusCode))
      series.set(id, child)
    }
    child.observe(reply.elapsedTime / 1000)
    done()
  })
  app.get('/metrics', async (_req, reply) => reply.type(registry.contentType).send(await registry.metrics()))
}

// The lookup and its behaviours, in their own scope as pinline's API routes are.
await app.register(async (api) => {
  const keyName = new WeakMap<FastifyRequest, string>()
  if (has.has('auth')) {
    const bearerAuth = (await import('@fastify/bearer-auth')).default
    const digest = (key: string) => createHash('sha256').update(key).digest()
    const known = [
      { name: 'bench', d: digest(process.env.LADDER_KEY ?? ''), scopes: new Set([LADDER_SCOPE]) },
      { name: 'other', d: digest(process.env.LADDER_OTHER_KEY ?? ''), scopes: new Set<string>() },
    ]
    const scopes = new WeakMap<FastifyRequest, Set<string>>()
    await api.register(bearerAuth, {
      keys: new Set<string>(),
      auth: (presented: string, req: FastifyRequest) => {
        const d = digest(presented)
        let found: (typeof known)[number] | undefined
        for (const k of known) if (timingSafeEqual(k.d, d) && !found) found = k
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

  const counters = new Map<string, string>()
  const tokens = new Map<string, number>()
  /** One request's worth of both limits, from the lease; a new lease from Redis when it is spent. */
  async function withinLimits(req: FastifyRequest): Promise<boolean> {
    const name = keyName.get(req) ?? 'anonymous'
    const pair = `${name} ${req.ip}`
    const left = tokens.get(pair) ?? 0
    if (left > 0) {
      tokens.set(pair, left - 1)
      return true
    }
    let counter = counters.get(name)
    if (counter === undefined) counters.set(name, (counter = keyCounter(name)))
    const granted = await scripts.lease(counter, `${counter}:ip:${req.ip}`, LEASE, WINDOW_MS, 1e9, 1e9)
    if (granted === 0) return false
    tokens.set(pair, (tokens.get(pair) ?? 0) + granted - 1)
    return true
  }

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
      if (has.has('limits') && !(await withinLimits(req)))
        return reply.code(429).send({ code: 'RATE_LIMITED', message: 'Too many requests' })
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
