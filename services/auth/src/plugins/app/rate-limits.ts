import { normalizeIP } from '@fastify/rate-limit'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { takeHttpLimits } from '../../adapters/redis/counters/scripts.ts'
import { PinlineError, isPinlineError } from '../../core/errors.ts'

/**
 * HTTP rate limits on Redis, so the whole fleet shares them: one per API key (a leaked key cannot
 * flood us from a botnet) and one per client IP under that key (one noisy client cannot starve the
 * others on a shared key); a request must pass both. Both counters sit in the key's slot and one
 * script checks them: one Redis round trip per request, on one node or a cluster (two
 * @fastify/rate-limit instances took two, and most of a lookup's Redis work). Registered in the /v1
 * scope after bearer auth: the key is known, a wrong key is refused before any Redis work, and
 * health, metrics and docs are exempt; the channel routes opt out (`config: { rateLimit: false }`)
 * and have limits of their own.
 */
export default fp(
  async (fastify: FastifyInstance) => {
    const { config, keys, redis } = fastify
    const args = {
      keyMax: config.rateLimit.perApiKey,
      ipMax: config.rateLimit.perIp,
      windowMs: config.rateLimit.windowMs,
    }

    fastify.addHook('onRequest', async (req: FastifyRequest) => {
      if (req.routeOptions.config.rateLimit === false) return
      // The matched key's name (bearer auth ran first), never the raw header: `Bearer <key>` with
      // trailing spaces or non-breaking spaces authenticates as the same key and shares its allowance.
      // TRUST_PROXY decides whether req.ip is the socket or X-Forwarded-For; IPv6 counts per /64.
      const counters = keys.rateLimit.forRequest(req.apiKey?.name ?? '', normalizeIP(req.ip))
      let reply: Awaited<ReturnType<typeof takeHttpLimits>>
      try {
        reply = await takeHttpLimits(redis, counters, args)
      } catch (err) {
        // Fail closed: Redis down is a 503, not a free pass.
        throw isPinlineError(err) ? err : new PinlineError('DEPENDENCY_UNAVAILABLE', { cause: err })
      }
      if (!reply.ok)
        throw new PinlineError('RATE_LIMITED', { retryAfter: Math.max(1, Math.ceil(reply.retryAfterMs / 1000)) })
    })
  },
  { name: 'rate-limits', dependencies: ['redis', 'api-keys'] },
)
