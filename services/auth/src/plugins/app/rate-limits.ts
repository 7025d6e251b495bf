import rateLimit, { normalizeIP, type RateLimitPluginOptions } from '@fastify/rate-limit'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { rateLimitClient } from '../../adapters/redis/rate-limit-client.ts'
import { PinlineError } from '../../core/errors.ts'

// The matched key's name (bearer auth ran first), never the raw header: `Bearer <key>` with
// trailing spaces or non-breaking spaces authenticates as the same key and must share its allowance.
const keyIdentity = (req: FastifyRequest) => req.apiKey?.name ?? ''

/**
 * HTTP rate limits on Redis, so the whole fleet shares them: one per API key (a leaked key cannot
 * flood us from a botnet) and one per client IP (one noisy client cannot starve the others on a
 * shared key); a request must pass both. Registered in the /v1 scope after bearer auth: the key is
 * known, a wrong key is refused before any Redis work, and health, metrics and docs are exempt.
 */
export default fp(async (fastify: FastifyInstance) => {
  const { config, keys } = fastify
  const common: RateLimitPluginOptions = {
    global: true,
    hook: 'onRequest', // before the body is read: a refused request costs no parsing
    redis: rateLimitClient(fastify.redis),
    nameSpace: keys.rateLimit.namespace,
    timeWindow: config.rateLimit.windowMs,
    skipOnError: false, // fail closed: Redis down is a 503, not a free pass
    errorResponseBuilder: (_req, ctx) => new PinlineError('RATE_LIMITED', { retryAfter: ctx.ttl / 1000 }),
  }
  await fastify.register(rateLimit, { ...common, max: config.rateLimit.perApiKey, keyGenerator: (req) => keys.rateLimit.apiKey(keyIdentity(req)) })
  // TRUST_PROXY decides whether req.ip is the socket or X-Forwarded-For; IPv6 counts per /64.
  await fastify.register(rateLimit, { ...common, max: config.rateLimit.perIp, keyGenerator: (req) => keys.rateLimit.ip(normalizeIP(req.ip)) })
}, { name: 'rate-limits', dependencies: ['redis', 'api-keys'] })
