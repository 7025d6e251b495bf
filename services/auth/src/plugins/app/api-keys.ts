import bearerAuth from '@fastify/bearer-auth'
import { createHash, timingSafeEqual } from 'node:crypto'
import type { FastifyError, FastifyInstance, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import type { ApiKey, ApiKeyScope } from '../../config.ts'
import { ErrorCodes, PinlineError } from '../../core/errors.ts'
import { replyWithError } from './error-handler.ts'

declare module 'fastify' {
  interface FastifyRequest {
    /** The API key the request authenticated with (set by bearer auth, before any other hook). */
    apiKey?: ApiKey
  }
  interface FastifyContextConfig {
    /** The scope a key needs for this route; unset, scopeOf() decides from the route. */
    scope?: ApiKeyScope
  }
}

/**
 * Which scope a /v1 route needs, unless it declares one: the channels for the shims, registry
 * writes and the unlock for admins, everything else (PINs, sessions, lookups, the menu) verify.
 */
export function scopeOf(method: string, url: string): ApiKeyScope {
  if (url.startsWith('/v1/channels/')) return 'channels'
  if (url.startsWith('/v1/callers') && method !== 'GET' && method !== 'HEAD') return 'admin'
  return 'verify'
}

const digest = (s: string) => createHash('sha256').update(s).digest()

/**
 * The key a presented bearer token is, or undefined. Constant time: every key is compared, by
 * digest, so neither a match nor a length leaks.
 */
export function keyMatcher<K extends Pick<ApiKey, 'key'>>(keys: readonly K[]): (presented: string) => K | undefined {
  const digests = keys.map((k) => ({ k, d: digest(k.key) }))
  return (presented) => {
    const d = digest(presented)
    let found: K | undefined
    for (const x of digests) if (timingSafeEqual(x.d, d) && !found) found = x.k
    return found
  }
}

/**
 * Bearer auth with scoped keys, for the /v1 scope: a wrong key is 401 before any Redis work, a
 * key without the route's scope is 403 FORBIDDEN_SCOPE, also before any Redis work.
 */
export default fp(
  async (fastify: FastifyInstance) => {
    const keys = fastify.config.apiKeys
    const match = keyMatcher(keys)
    for (const k of keys.filter((x) => x.bare)) {
      fastify.log.warn(
        { apiKey: k.name },
        'API_KEYS has a bare key: it has every scope (channels, verify, admin); give it a name and scopes (name:key:scope+scope)',
      )
    }
    fastify.addHook('onRoute', (route) => {
      const methods = [route.method].flat()
      route.config = { ...route.config, scope: route.config?.scope ?? scopeOf(String(methods[0]), route.url) }
    })
    await fastify.register(bearerAuth, {
      keys: new Set<string>(),
      auth: (presented: string, req: FastifyRequest) => {
        req.apiKey = match(presented)
        return req.apiKey !== undefined
      },
      // The plugin's types insist on {error}; the body every client sees is our {code, message}.
      errorResponse: (() => ({ code: 'UNAUTHORIZED', message: ErrorCodes.UNAUTHORIZED.message })) as unknown as (
        err: Error,
      ) => { error: string },
      verifyErrorLogLevel: 'info',
    })
    // Answered here, like a 401: a route's own error handler (Connect's 200 map) must not turn it into a 200.
    // A callback hook: the usual answer (the key has the scope) goes on without a promise.
    fastify.addHook('onRequest', (req, reply, done) => {
      const scope = req.routeOptions.config.scope
      if (scope && req.apiKey?.scopes.has(scope)) return done()
      const message = `This API key (${req.apiKey?.name ?? 'none'}) does not have the ${scope ?? 'required'} scope`
      replyWithError(new PinlineError('FORBIDDEN_SCOPE', { message }) as unknown as FastifyError, req, reply)
    })
  },
  { name: 'api-keys' },
)
