import type { Cluster } from 'ioredis'
import { isCluster } from './client.ts'
import type { RedisClient } from './client.ts'

const SLOTS = 16384

/**
 * Whether the service can use Redis now: undefined when it can, else why not (for /readyz).
 * A single node must answer PING. A cluster must say cluster_state:ok, and every one of the
 * 16384 slots must map, in this client's slot table, to a primary that answers PING: not ready
 * while slots are unassigned, or while the client still points them at a primary that is gone.
 */
export async function redisUnreadiness(redis: RedisClient, timeoutMs: number): Promise<string | undefined> {
  const check = isCluster(redis) ? clusterUnreadiness(redis) : redis.ping().then(() => undefined)
  const timeout = new Promise<string>((resolve) =>
    setTimeout(resolve, timeoutMs, 'redis did not answer in time').unref(),
  )
  return Promise.race([check.catch(() => 'redis unavailable'), timeout])
}

async function clusterUnreadiness(cluster: Cluster): Promise<string | undefined> {
  if (cluster.status !== 'ready') return 'redis cluster unavailable'
  const primaries = new Map(cluster.nodes('master').map((n) => [`${n.options.host}:${n.options.port}`, n]))
  const owners = new Map<string, number>()
  let unassigned = 0
  for (let slot = 0; slot < SLOTS; slot++) {
    const key = cluster.slots[slot]?.[0]
    if (key === undefined) unassigned++
    else owners.set(key, (owners.get(key) ?? 0) + 1)
  }
  if (unassigned > 0) return `redis cluster: ${unassigned} slots unassigned`
  const answers = await Promise.all(
    [...owners].map(async ([key, slots]) => {
      const node = primaries.get(key)
      const ok =
        node !== undefined &&
        (await node.ping().then(
          () => true,
          () => false,
        ))
      return ok ? 0 : slots
    }),
  )
  const orphaned = answers.reduce((a, b) => a + b, 0)
  if (orphaned > 0) return `redis cluster: ${orphaned} slots without a reachable primary`
  const info = String(await cluster.cluster('INFO'))
  return /cluster_state:ok/.test(info) ? undefined : 'redis cluster: cluster_state is not ok'
}
