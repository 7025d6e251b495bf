import { Cluster, Redis } from 'ioredis'
import { parseSeedUrls } from '../../config.ts'

/** One Redis node or a cluster: both run the same commands and scripts (every script on one slot). */
export type RedisClient = Redis | Cluster

export interface RedisOptions {
  mode: 'standalone' | 'cluster'
  url: string
  /** ACL user and AUTH password (an ElastiCache AUTH token); override the URL's. */
  username?: string | undefined
  password?: string | undefined
  commandTimeoutMs: number
}

const backoff = (times: number) => Math.min(50 * 2 ** times, 2000)

/**
 * One client per process. Fail fast rather than queue: with the offline queue
 * off and one retry per request, a Redis outage becomes a prompt 503 instead of a
 * pile of hanging requests, and ioredis keeps reconnecting in the background.
 * Commands in flight when a connection drops are never sent again: our scripts are not
 * idempotent, and the client was already answered 503 (a resend would count a verify
 * twice, or approve it behind the client's back). The Lua scripts are registered on first use
 * (see script.ts).
 *
 * In cluster mode the same rules hold for every node: a command whose connection closed
 * in flight is not retried on another node after a failover (retryDelayOnFailover 0), and
 * CLUSTERDOWN is a 503 at once. Only redirections are followed (MOVED, ASK, TRYAGAIN): the
 * node refused the command without running it.
 */
export function createRedis(opts: RedisOptions): RedisClient {
  const perConnection = {
    commandTimeout: opts.commandTimeoutMs,
    connectTimeout: Math.max(1000, opts.commandTimeoutMs),
    maxRetriesPerRequest: 1,
    autoResendUnfulfilledCommands: false,
  }
  if (opts.mode === 'standalone') {
    const redis = new Redis(opts.url, {
      ...perConnection,
      ...(opts.username ? { username: opts.username } : {}),
      ...(opts.password ? { password: opts.password } : {}),
      enableOfflineQueue: false,
      lazyConnect: true,
      retryStrategy: backoff,
    })
    return redis
  }
  const seeds = parseSeedUrls(opts.url)
  const tls = seeds[0]?.tls ?? false
  const username = opts.username ?? seeds.find((s) => s.username)?.username
  const password = opts.password ?? seeds.find((s) => s.password)?.password
  const cluster = new Cluster(
    seeds.map(({ host, port }) => ({ host, port })),
    {
      scaleReads: 'master', // reads see every write: a replica may lag
      enableOfflineQueue: false,
      enableReadyCheck: true,
      lazyConnect: true,
      retryDelayOnFailover: 0,
      retryDelayOnClusterDown: 0,
      retryDelayOnTryAgain: 50,
      maxRedirections: 6,
      slotsRefreshTimeout: Math.max(1000, opts.commandTimeoutMs),
      // The slot map is also refreshed on every MOVED and on every node that drops; this
      // bounds how long a failover the client was not told about goes unseen.
      slotsRefreshInterval: 2000,
      clusterRetryStrategy: backoff,
      // With TLS, keep the hostnames the cluster announces (ElastiCache's *.cache.amazonaws.com)
      // instead of resolving them to IPs, so that the certificate matches the name.
      ...(tls
        ? { dnsLookup: (address: string, callback: (err: null, address: string) => void) => callback(null, address) }
        : {}),
      redisOptions: {
        ...perConnection,
        ...(username ? { username } : {}),
        ...(password ? { password } : {}),
        ...(tls ? { tls: {} } : {}),
      },
    },
  )
  // ioredis opens a node's connection on its first command, and with no offline queue every
  // command sent while it is still connecting fails: once the cluster is ready, open each
  // primary's connection as soon as the node is known (a replica promoted by a failover too).
  // Not before: the client's own ready check must find its nodes idle or open.
  const open = (node: Redis) => {
    if (node.status === 'wait') node.connect().catch(() => undefined)
  }
  cluster.on('ready', () => cluster.nodes('master').forEach(open))
  cluster.on('+node', (node: Redis) => {
    if (cluster.status === 'ready') open(node)
  })
  return cluster
}

/** Connects, and for a cluster waits (at most 5 s, or 5 command timeouts) until every primary's connection is open. */
export async function connectRedis(redis: RedisClient, timeoutMs: number): Promise<void> {
  if (!isCluster(redis)) return redis.connect()
  const deadline = Date.now() + Math.max(5000, 5 * timeoutMs)
  // A cluster that answers but is not ready keeps the first connect pending: start anyway
  // (requests get 503 and /readyz says why) while the client keeps trying.
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<never>(
    (_, reject) => (timer = setTimeout(() => reject(new Error('Redis not ready in time')), deadline - Date.now())),
  )
  await Promise.race([redis.connect(), late]).finally(() => clearTimeout(timer))
  while (redis.nodes('master').some((n) => n.status !== 'ready') && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

export const isCluster = (redis: RedisClient): redis is Cluster => redis instanceof Cluster

/**
 * Redis's maxmemory-policy, or undefined when it cannot be read (managed services such as
 * ElastiCache disable CONFIG; set the parameter group instead). pinline needs `noeviction`:
 * an evicting policy would silently drop counters, locks and streaks when memory runs out
 * (failing open), while noeviction refuses writes, which pinline answers with 503.
 */
export async function maxmemoryPolicy(redis: RedisClient): Promise<string | undefined> {
  try {
    // A cluster asks one node; the nodes of one deployment share their configuration.
    const reply = (await redis.config('GET', 'maxmemory-policy')) as unknown as string[]
    return reply[1]
  } catch {
    return undefined
  }
}
