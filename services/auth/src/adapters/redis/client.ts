import { Redis } from 'ioredis'

export interface RedisOptions {
  url: string
  /** AUTH password (an ElastiCache AUTH token); overrides one in the URL. */
  password?: string | undefined
  commandTimeoutMs: number
}

/**
 * One connection per process. Fail fast rather than queue: with the offline queue
 * off and one retry per request, a Redis outage becomes a prompt 503 instead of a
 * pile of hanging requests, and ioredis keeps reconnecting in the background.
 * The Lua scripts are registered on first use (see script.ts).
 * Commands in flight when a connection drops are never sent again: our scripts are not
 * idempotent, and the client was already answered 503 (a resend would count a verify
 * twice, or approve it behind the client's back).
 */
export function createRedis(opts: RedisOptions): Redis {
  return new Redis(opts.url, {
    ...(opts.password === undefined ? {} : { password: opts.password }),
    commandTimeout: opts.commandTimeoutMs,
    connectTimeout: Math.max(1000, opts.commandTimeoutMs),
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
    autoResendUnfulfilledCommands: false,
    lazyConnect: true,
    retryStrategy: (times) => Math.min(50 * 2 ** times, 2000),
  })
}
