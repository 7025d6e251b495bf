import { spawn } from 'node:child_process'
import { setTimeout as sleep } from 'node:timers/promises'
import { Redis } from 'ioredis'
import { startRedisServer, type RedisProcess } from './redis-server.ts'

export type ClusterNodeInfo = {
  id: string
  port: number
  role: 'master' | 'slave'
  primaryId: string | undefined
  failed: boolean
  slots: Array<[number, number]>
}

export type RedisClusterProcess = {
  /** Comma-separated seed URLs, as REDIS_URL takes them in cluster mode. */
  url: string
  nodes: RedisProcess[]
  /** Nodes as one live node sees them (CLUSTER NODES). */
  topology(): Promise<ClusterNodeInfo[]>
  /** The slot of a key (CLUSTER KEYSLOT). */
  slotOf(key: string): Promise<number>
  /** The node process serving a slot as primary now. */
  primaryOf(slot: number): Promise<RedisProcess>
  /** The node processes replicating a primary now. */
  replicasOf(primary: RedisProcess): Promise<RedisProcess[]>
  /** Resolves once every live node says cluster_state:ok, every slot has a primary that is not failed, and every live replica is in sync. */
  waitHealthy(timeoutMs?: number): Promise<void>
  /** SIGTERM every node. */
  stop(): Promise<void>
}

export type RedisClusterOptions = {
  primaries?: number
  replicasPerPrimary?: number
  nodeTimeoutMs?: number
  /** AUTH password on every node (replicas use it to reach their primary); `url` stays without it. */
  password?: string
}

const SLOTS = 16384

/**
 * What makes a redis-server a cluster node: cluster mode with its own nodes.conf, how long a node
 * may be silent before it counts as failing, and whether the cluster serves while slots are unassigned.
 */
export function clusterNodeArgs(opts: { nodeTimeoutMs: number; requireFullCoverage: boolean }): string[] {
  return [
    '--cluster-enabled',
    'yes',
    '--cluster-config-file',
    'nodes.conf',
    '--cluster-node-timeout',
    String(opts.nodeTimeoutMs),
    '--cluster-require-full-coverage',
    opts.requireFullCoverage ? 'yes' : 'no',
  ]
}

/**
 * A real local Redis Cluster from redis-server binaries on free ports: `primaries` primaries with
 * `replicasPerPrimary` replicas each, created with `redis-cli --cluster create`. No persistence
 * (`restart()` of a node brings it back empty, with its nodes.conf, so it rejoins the cluster);
 * a short cluster-node-timeout so that a failover takes about a second or two.
 */
export async function startRedisCluster(opts: RedisClusterOptions = {}): Promise<RedisClusterProcess> {
  const primaries = opts.primaries ?? 3
  const replicas = opts.replicasPerPrimary ?? 1
  const nodeTimeout = opts.nodeTimeoutMs ?? 1000
  const extraArgs = [
    ...clusterNodeArgs({ nodeTimeoutMs: nodeTimeout, requireFullCoverage: true }),
    // A replica (or a node restarted empty) syncs at once instead of after the default 5 s.
    '--repl-diskless-sync-delay',
    '0',
    // A replica that was cut off for a while may still take over (as managed services do).
    '--cluster-replica-validity-factor',
    '0',
  ]
  const password = opts.password
  if (password !== undefined) extraArgs.push('--masterauth', password)
  const nodes = await Promise.all(
    Array.from({ length: primaries * (1 + replicas) }, () =>
      startRedisServer({ extraArgs, ...(password === undefined ? {} : { requirepass: password }) }),
    ),
  )
  const auth = password === undefined ? [] : ['-a', password, '--no-auth-warning']
  const stop = async () => void (await Promise.all(nodes.map((n) => n.stop())))
  try {
    await redisCli([
      ...auth,
      '--cluster',
      'create',
      ...nodes.map((n) => `127.0.0.1:${n.port}`),
      '--cluster-replicas',
      String(replicas),
      '--cluster-yes',
    ])
  } catch (err) {
    await stop()
    throw err
  }

  const byPort = new Map(nodes.map((n) => [n.port, n]))
  const onLiveNode = async <T>(fn: (r: Redis) => Promise<T>): Promise<T> => {
    let last: unknown
    for (const node of nodes) {
      const r = probe(node.url, password)
      try {
        await r.connect()
        return await fn(r)
      } catch (err) {
        last = err
      } finally {
        r.disconnect()
      }
    }
    throw new Error(`no cluster node answers: ${String(last)}`)
  }

  const topology = () => onLiveNode(async (r) => parseNodes(String(await r.call('CLUSTER', 'NODES'))))

  const cluster: RedisClusterProcess = {
    url: nodes.map((n) => n.url).join(','),
    nodes,
    topology,
    slotOf: (key) => onLiveNode(async (r) => Number(await r.call('CLUSTER', 'KEYSLOT', key))),
    async primaryOf(slot) {
      const owner = (await topology()).find(
        (n) => n.role === 'master' && !n.failed && n.slots.some(([a, b]) => slot >= a && slot <= b),
      )
      const node = owner && byPort.get(owner.port)
      if (!node) throw new Error(`no primary serves slot ${slot}`)
      return node
    },
    async replicasOf(primary) {
      const nodes = await topology()
      const id = nodes.find((n) => n.port === primary.port)?.id
      return nodes
        .filter((n) => n.role === 'slave' && n.primaryId === id)
        .map((n) => byPort.get(n.port))
        .filter((n) => n !== undefined)
    },
    async waitHealthy(timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs
      for (;;) {
        const healthy = await Promise.all(nodes.map((n) => nodeHealthy(n.url, password))).then(
          (all) => all.every((ok) => ok !== false),
          () => false,
        )
        if (healthy) return
        if (Date.now() > deadline)
          throw new Error(
            `the cluster was not healthy within ${timeoutMs} ms: ${JSON.stringify(await topology().catch(String))}`,
          )
        await sleep(100)
      }
    },
    stop,
  }
  try {
    await cluster.waitHealthy()
  } catch (err) {
    await stop()
    throw err
  }
  return cluster
}

/** A one-shot connection to one node: fails fast, never reconnects, never queues. */
function probe(url: string, password: string | undefined): Redis {
  const r = new Redis(url, {
    lazyConnect: true,
    connectTimeout: 500,
    commandTimeout: 1000,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
    ...(password === undefined ? {} : { password }),
  })
  r.on('error', () => undefined)
  return r
}

/** true: cluster_state ok and every slot has a primary that is not failed; false: not; undefined: the node is down. */
async function nodeHealthy(url: string, password: string | undefined): Promise<boolean | undefined> {
  const r = probe(url, password)
  try {
    await r.connect()
  } catch {
    return undefined
  }
  try {
    const info = String(await r.call('CLUSTER', 'INFO'))
    if (!/cluster_state:ok/.test(info)) return false
    const topology = parseNodes(String(await r.call('CLUSTER', 'NODES')))
    const covered = topology
      .filter((n) => n.role === 'master' && !n.failed)
      .reduce((sum, n) => sum + n.slots.reduce((s, [a, b]) => s + b - a + 1, 0), 0)
    if (covered !== SLOTS) return false
    // A replica has finished its sync: until then it cannot acknowledge a write (WAIT).
    const replication = await r.info('replication')
    return (
      !/role:slave/.test(replication) ||
      (/master_link_status:up/.test(replication) && /master_sync_in_progress:0/.test(replication))
    )
  } catch {
    return false
  } finally {
    r.disconnect()
  }
}

function parseNodes(text: string): ClusterNodeInfo[] {
  return text
    .trim()
    .split('\n')
    .map((line) => {
      const [id = '', address = '', flags = '', primary = '', , , , , ...slots] = line.trim().split(' ')
      const port = Number(address.split('@')[0]?.split(':').pop())
      return {
        id,
        port,
        role: flags.includes('master') ? 'master' : 'slave',
        primaryId: primary === '-' ? undefined : primary,
        failed:
          flags.includes('fail') && !flags.includes('fail?')
            ? true
            : flags.includes('fail?') || flags.includes('noaddr'),
        slots: slots
          .filter((s) => !s.startsWith('['))
          .map((s) => {
            const [a, b] = s.split('-').map(Number)
            return [a ?? 0, b ?? a ?? 0] as [number, number]
          }),
      }
    })
}

function redisCli(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('redis-cli', args, { stdio: ['ignore', 'pipe', 'pipe'] })
    let output = ''
    child.stdout.on('data', (c: Buffer) => (output += c.toString()))
    child.stderr.on('data', (c: Buffer) => (output += c.toString()))
    child.once('error', (err) =>
      reject(new Error(`could not run redis-cli (apt-get install redis-tools): ${err.message}`)),
    )
    child.once('exit', (code) =>
      code === 0
        ? resolve(output)
        : reject(new Error(`redis-cli ${args.slice(0, 2).join(' ')} failed (${code}):\n${output.slice(-3000)}`)),
    )
  })
}
