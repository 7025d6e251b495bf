// One rung of the cost ladder (bench/ladder.ts): a caller lookup that misses, written as
// plainly as the libraries allow, with the behaviours issue 16 requires added one at a time.
// LADDER_RUNGS lists the ones this process has (a prefix of bench/lib/ladder-rungs.ts). With none, it is the
// floor's route shaped like the lookup: GET /v1/callers/:phone, one EVALSHA, a 404 JSON answer.
// It uses the service's libraries with their documented, cheapest setup, not pinline's code:
// what any implementation of these behaviours on Fastify and ioredis would pay.
import bearerAuth from '@fastify/bearer-auth'
import Fastify from 'fastify'
import { Redis } from 'ioredis'
import { parsePhoneNumberFromString } from 'libphonenumber-js/max'
import { createHmac, randomUUID } from 'node:crypto'
import type { IncomingMessage } from 'node:http'
import { Histogram, Registry } from 'prom-client'
import { RUNG_ORDER, type Rung } from './lib/ladder-rungs.ts'

const has = new Set((process.env.LADDER_RUNGS ?? '').split(',').filter(Boolean) as Rung[])
for (const r of has) if (!RUNG_ORDER.includes(r)) throw new Error(`LADDER_RUNGS: unknown rung ${r}`)

const SECRET = 'ladder-secret-0123456789-0123456789'
const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { lazyConnect: true })
// Without limits: read the caller. With them: count the key's and the address's requests
// (INCR, PEXPIRE on the first) and read the caller in the same script, on one slot.
redis.defineCommand('lookup', { numberOfKeys: 1, lua: "return redis.call('HGETALL', KEYS[1])" })
redis.defineCommand('limitedLookup', {
  numberOfKeys: 3,
  lua: `
local a = redis.call('INCR', KEYS[1]) if a == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local b = redis.call('INCR', KEYS[2]) if b == 1 then redis.call('PEXPIRE', KEYS[2], ARGV[1]) end
if a > tonumber(ARGV[2]) or b > tonumber(ARGV[2]) then return {0, a, b} end
return {1, redis.call('HGETALL', KEYS[3])}`,
})
type Scripts = {
  lookup(key: string): Promise<string[]>
  limitedLookup(key: string, ip: string, caller: string, windowMs: number, max: number): Promise<unknown[]>
}
const scripts = redis as unknown as Scripts
await redis.connect()

const app = Fastify({
  logger: has.has('log')
    ? {
        level: 'info',
        redact: { paths: ['req.headers.authorization', '*.pin', '*.secret'], censor: '[redacted]' },
        serializers: {
          req: (req: { id: string; method: string; routeOptions?: { url?: string }; url: string }) => ({
            id: req.id,
            method: req.method,
            url: req.routeOptions?.url ?? req.url,
          }),
        },
      }
    : false,
  // One access line per request (below) instead of Fastify's two.
  disableRequestLogging: true,
  ...(has.has('request-id')
    ? { genReqId: (req: IncomingMessage) => (req.headers['x-request-id'] as string | undefined) ?? randomUUID() }
    : {}),
})

if (has.has('log'))
  app.addHook('onResponse', (req, reply, done) => {
    req.log.info({ req, res: { statusCode: reply.statusCode }, responseTime: reply.elapsedTime }, 'request completed')
    done()
  })
if (has.has('request-id'))
  app.addHook('onRequest', (req, reply, done) => {
    reply.header('x-request-id', req.id)
    done()
  })
if (has.has('metrics')) {
  const registry = new Registry()
  const latency = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request latency',
    labelNames: ['method', 'route', 'status_code'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  })
  app.addHook('onResponse', (req, reply, done) => {
    latency.observe(
      { method: req.method, route: req.routeOptions.url ?? '', status_code: reply.statusCode },
      reply.elapsedTime / 1000,
    )
    done()
  })
}

app.get('/healthz', async () => ({ status: 'ok' }))

await app.register(async (api) => {
  if (has.has('auth')) await api.register(bearerAuth, { keys: new Set([process.env.LADDER_KEY ?? '']) })
  const schema = has.has('schema')
    ? {
        params: {
          type: 'object',
          properties: { phone: { type: 'string', minLength: 4, maxLength: 32, pattern: '^\\+?[0-9]+$' } },
          required: ['phone'],
        },
        response: {
          404: {
            type: 'object',
            properties: { code: { type: 'string' }, message: { type: 'string' } },
            required: ['code', 'message'],
          },
        },
      }
    : {}
  api.get<{ Params: { phone: string } }>('/v1/callers/:phone', { schema }, async (req, reply) => {
    let phone = req.params.phone
    if (has.has('phone')) {
      const parsed = parsePhoneNumberFromString(phone)
      if (!parsed || (parsed.getType() === undefined && !parsed.isValid()))
        return reply.code(400).send({ code: 'INVALID_PHONE', message: 'Not a phone number' })
      phone = parsed.number
    }
    const id = has.has('hmac') ? createHmac('sha256', SECRET).update(phone).digest('base64url') : phone
    // One hash tag for the three keys (the API key's), so that the script stays on one Cluster slot.
    const caller = `{k}:c:${id}`
    if (has.has('limits')) {
      const [ok] = await scripts.limitedLookup('{k}:rl', `{k}:rl:ip:${req.ip}`, caller, 60_000, 1e9)
      if (ok === 0) return reply.code(429).send({ code: 'RATE_LIMITED', message: 'Too many requests' })
    } else await scripts.lookup(caller)
    return reply.code(404).send({ code: 'CALLER_NOT_FOUND', message: 'No caller with this number' })
  })
})

process.once('SIGTERM', async () => {
  await app.close()
  redis.disconnect()
  process.exit(0)
})

await app.listen({ host: process.env.HOST ?? '127.0.0.1', port: Number(process.env.PORT ?? 3002) })
