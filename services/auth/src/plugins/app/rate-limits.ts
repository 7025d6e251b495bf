import { normalizeIP } from '@fastify/rate-limit'
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { type HttpLimitRefusal, createHttpLimiter } from '../../adapters/redis/counters/http-limits.ts'
import { PinlineError, isPinlineError } from '../../core/errors.ts'

/**
 * HTTP rate limits on Redis, so the whole fleet shares them: one per API key (a leaked key cannot
 * flood us from a botnet) and one per client IP under that key (one noisy client cannot starve the
 * others on a shared key); a request must pass both. Both counters sit in the key's slot and one
 * script takes budget from both; a busy client's budget is leased in batches (see http-limits.ts),
 * so most requests pass without a Redis round trip of their own and the operation's script is the
 * request's only one. Registered in the /v1 scope after bearer auth: the key is known, a wrong key
 * is refused before any Redis work, and health, metrics and docs are exempt; the channel routes opt
 * out (`config: { rateLimit: false }`) and have limits of their own.
 */
export default fp(
  async (fastify: FastifyInstance) => {
    const { config, keys, redis } = fastify
    const limiter = createHttpLimiter(redis, keys, {
      keyMax: config.rateLimit.perApiKey,
      ipMax: config.rateLimit.perIp,
      windowMs: config.rateLimit.windowMs,
      leaseMs: config.rateLimit.leaseMs,
      // Every server-side wait is bounded: budget not answered within one Redis command's time is a 503.
      waitMs: config.redis.commandTimeoutMs,
    })
    const refused = (r: HttpLimitRefusal | undefined) => {
      if (r) throw new PinlineError('RATE_LIMITED', { retryAfter: Math.max(1, Math.ceil(r.retryAfterMs / 1000)) })
    }
    // Fail closed: Redis down is a 503, not a free pass.
    const unavailable = (err: unknown) => {
      throw isPinlineError(err) ? err : new PinlineError('DEPENDENCY_UNAVAILABLE', { cause: err })
    }

    // A callback hook: a request with budget in hand goes on synchronously, without a promise.
    fastify.addHook('onRequest', (req, _reply, done) => {
      if (req.routeOptions.config.rateLimit === false) return done()
      // The matched key's name (bearer auth ran first), never the raw header: `Bearer <key>` with
      // trailing spaces or non-breaking spaces authenticates as the same key and shares its allowance.
      // TRUST_PROXY decides whether req.ip is the socket or X-Forwarded-For; IPv6 counts per /64.
      const pending = limiter.take(req.apiKey?.name ?? '', normalizeIP(req.ip))
      if (pending === undefined) return done()
      pending.then(refused, unavailable).then(() => done(), done)
    })
  },
  { name: 'rate-limits', dependencies: ['redis', 'api-keys'] },
)
