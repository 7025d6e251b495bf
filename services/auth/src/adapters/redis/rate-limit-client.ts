import type { Cluster, Redis } from 'ioredis'
import { PinlineError } from '../../core/errors.ts'

type Callback = (err: Error | null, result?: unknown) => void

// The commands @fastify/rate-limit's RedisStore defines and calls with a callback.
const STORE_COMMANDS = new Set<string | symbol>(['rateLimit', 'rateLimitRead'])

/**
 * fastify.redis as @fastify/rate-limit's RedisStore sees it: the same connection, except that a
 * driver error in the store's scripts (Redis down or slow) reaches the error handler as
 * DEPENDENCY_UNAVAILABLE (503), not as a bare Error (500). The store defines its scripts on the
 * real client (defineCommand is forwarded), so this view adds no connection of its own.
 */
export function rateLimitClient<R extends Redis | Cluster>(redis: R): R {
  return new Proxy(redis, {
    get(target, prop) {
      const value: unknown = Reflect.get(target, prop, target)
      if (typeof value !== 'function') return value
      if (!STORE_COMMANDS.has(prop)) return value.bind(target)
      return (...args: unknown[]) => {
        const done = args.pop() as Callback
        return value.call(target, ...args, (err: Error | null, result: unknown) =>
          done(err ? new PinlineError('DEPENDENCY_UNAVAILABLE', { cause: err }) : null, result))
      }
    },
  })
}
