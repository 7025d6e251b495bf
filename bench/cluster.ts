// npm run bench:cluster (also the second part of npm run bench): the hot scenarios on one Redis
// node and on a local Redis Cluster (3 primaries, 3 replicas; REDIS_MODE=cluster, so approvals and
// sends wait for a replica), with 1 and 2 service processes, and the cluster's throughput as a
// ratio to the single node's. Also Redis memory per 1 million enrolled callers and per 100,000
// pending challenges, extrapolated from a sample actually written. Prints a Markdown report and
// writes bench/results-cluster.json. Settings: BENCH_DURATION (s per scenario, default 5),
// BENCH_CONNECTIONS (32 in all, split over the processes), BENCH_PROCESSES (1,2),
// BENCH_MEMORY_SAMPLE (20000).
import autocannon from 'autocannon'
import { mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { cpus, loadavg, tmpdir, totalmem } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Cluster, Redis as IORedis, type Redis } from 'ioredis'
import { connectRedis, createRedis, type RedisClient } from '../services/auth/src/adapters/redis/client.ts'
import { createKeys } from '../services/auth/src/adapters/redis/keys.ts'
import { freePort } from '../test/support/app/free-port.ts'
import { startRedisCluster } from '../test/support/redis/redis-cluster.ts'
import { startRedisServer } from '../test/support/redis/redis-server.ts'
import { PIN, seedCallers, seedChallenges, type BenchContext } from './lib/fixtures.ts'
import { startNode, type NodeProcess } from './lib/processes.ts'
import type { NextRequest, Scenario } from './lib/scenario.ts'
import { scenarios } from './scenarios.ts'
import { API_KEY, KEY_SECRET, PREFIX, SECRET, benchServiceEnv } from './lib/service-env.ts'

const root = fileURLToPath(new URL('..', import.meta.url))
const num = (name: string, fallback: number) => Number(process.env[name] ?? fallback)
const seconds = num('BENCH_DURATION', 5)
const connections = num('BENCH_CONNECTIONS', 32)
const processCounts = (process.env.BENCH_PROCESSES ?? '1,2').split(',').map(Number)
const memorySample = num('BENCH_MEMORY_SAMPLE', 20_000)
const HOT = ['verify, right code', 'verify, wrong code', 'caller lookup, hit', 'PIN issue (log SMS)']
const logDir = join(tmpdir(), `pinline-bench-cluster-${process.pid}`)
mkdirSync(logDir, { recursive: true })

const started = performance.now()
const progress = (what: string) =>
  process.stderr.write(`[bench:cluster ${((performance.now() - started) / 1000).toFixed(1).padStart(5)} s] ${what}\n`)

type Topology = {
  name: string
  mode: 'standalone' | 'cluster'
  primaries: number
  url: string
  nodeUrls: string[]
  stop(): Promise<void>
}
type Row = {
  topology: string
  primaries: number
  processes: number
  scenario: string
  rps: number
  p99Ms: number
  unexpected: number
}

const nodesOf = (redis: RedisClient): Redis[] => (redis instanceof Cluster ? redis.nodes('master') : [redis as Redis])

/** used_memory of every node, primaries and all, each read on a connection of its own. */
async function usedMemory(nodeUrls: string[]) {
  let primaries = 0
  let all = 0
  for (const url of nodeUrls) {
    const node = new IORedis(url)
    const used = Number(/used_memory:(\d+)/.exec(await node.info('memory'))?.[1])
    if (/role:master/.test(await node.info('replication'))) primaries += used
    all += used
    node.disconnect()
  }
  return { primaries, all }
}

async function memoryFigures(ctx: BenchContext, nodeUrls: string[]) {
  const grow = async (add: () => Promise<unknown>) => {
    const before = await usedMemory(nodeUrls)
    await add()
    await new Promise((r) => setTimeout(r, 1000)) // replicas catch up
    const after = await usedMemory(nodeUrls)
    return {
      primaries: (after.primaries - before.primaries) / memorySample,
      withReplicas: (after.all - before.all) / memorySample,
    }
  }
  // First fill what grows once (the replication backlog, up to 1 MB per primary; dict tables).
  await seedCallers(ctx, memorySample, 23)
  const callers = await grow(() => seedCallers(ctx, memorySample, 21))
  const challenges = await grow(() => seedChallenges(ctx, memorySample, { block: 22, pin: PIN }))
  const mib = (bytes: number) => Math.round((bytes / 1024 / 1024) * 10) / 10
  return {
    sample: memorySample,
    bytesPerCaller: Math.round(callers.primaries),
    bytesPerChallenge: Math.round(challenges.primaries),
    mibPerMillionCallers: { primaries: mib(callers.primaries * 1e6), withReplicas: mib(callers.withReplicas * 1e6) },
    mibPer100kChallenges: {
      primaries: mib(challenges.primaries * 1e5),
      withReplicas: mib(challenges.withReplicas * 1e5),
    },
  }
}

/** Loads the services at once, `connections` split between them, for `duration` s; every request numbered from one counter. */
async function load(services: NodeProcess[], s: Scenario, next: NextRequest, from: number, duration: number) {
  let n = from
  const headers: Record<string, string> = { authorization: `Bearer ${API_KEY}` }
  if (s.method !== 'GET') headers['content-type'] = 'application/json'
  const results = await Promise.all(
    services.map((svc) =>
      autocannon({
        url: svc.url,
        connections: Math.max(1, Math.round(connections / services.length)),
        duration,
        timeout: 10,
        sampleInt: 100,
        requests: [
          {
            method: s.method,
            headers,
            setupRequest: (req) => {
              const r = next(n++)
              return { ...req, path: r.path, ...(r.body === undefined ? {} : { body: JSON.stringify(r.body) }) }
            },
          },
        ],
      }),
    ),
  )
  const total = results.reduce((a, r) => a + r.requests.total, 0)
  const expected = results.reduce(
    (a, r) => a + Number(r.statusCodeStats[String(s.expect) as keyof typeof r.statusCodeStats]?.count ?? 0),
    0,
  )
  const rps = results.reduce((a, r) => a + r.requests.total / Math.max(r.duration, 1e-9), 0)
  const took = Math.max(...results.map((r) => r.duration))
  return {
    n,
    requests: total,
    seconds: took,
    rps: Math.round(rps),
    p99Ms: Math.max(...results.map((r) => r.latency.p99)),
    unexpected: total - expected + results.reduce((a, r) => a + r.errors, 0),
  }
}

async function startTopology(mode: 'standalone' | 'cluster'): Promise<Topology> {
  if (mode === 'standalone') {
    const server = await startRedisServer()
    return { name: '1 node', mode, primaries: 1, url: server.url, nodeUrls: [server.url], stop: () => server.stop() }
  }
  const cluster = await startRedisCluster()
  return {
    name: '3 primaries + 3 replicas',
    mode,
    primaries: 3,
    url: cluster.url,
    nodeUrls: cluster.nodes.map((n) => n.url),
    stop: () => cluster.stop(),
  }
}

const rows: Row[] = []
const memory: Record<string, Awaited<ReturnType<typeof memoryFigures>>> = {}
let failed = false
type Side = { topology: Topology; ctx: BenchContext; services: NodeProcess[] }
const sides: Side[] = []
try {
  for (const mode of ['standalone', 'cluster'] as const) {
    progress(`${mode}: starting Redis`)
    const topology = await startTopology(mode)
    const redis = createRedis({
      mode,
      url: topology.url,
      username: undefined,
      password: undefined,
      commandTimeoutMs: 10_000,
    })
    await connectRedis(redis, 10_000)
    const ctx: BenchContext = {
      redis,
      keys: createKeys(PREFIX, KEY_SECRET),
      secret: SECRET,
      budget: 0,
      api: () => Promise.reject(new Error('not used')),
    }
    sides.push({ topology, ctx, services: [] })
    progress(`${mode}: memory (${memorySample} callers, ${memorySample} challenges)`)
    memory[topology.name] = await memoryFigures(ctx, topology.nodeUrls)
  }
  // Both topologies stay up; each scenario alternates slices between them, so that a machine
  // whose pace drifts (other work on it) weighs on both sides of the ratio alike.
  const rounds = Math.max(1, Math.round(seconds / 2.5))
  let fastest = 0
  for (const count of processCounts) {
    for (const side of sides) {
      await Promise.all(nodesOf(side.ctx.redis).map((node) => node.flushall()))
      for (let i = 0; i < count; i++) {
        side.services.push(
          await startNode(join(root, 'services/auth/src/server.ts'), {
            port: await freePort(),
            env: {
              ...benchServiceEnv('warn'),
              REDIS_MODE: side.topology.mode,
              REDIS_URL: side.topology.url,
            },
            logFile: join(logDir, `${side.topology.mode}-${count}-${i}.log`),
            readyPath: '/readyz',
          }),
        )
      }
    }
    for (const s of scenarios.filter((x) => HOT.includes(x.name))) {
      progress(`${count} process(es): ${s.name}`)
      const runs = []
      for (const side of sides) {
        // Seeds for half again the fastest pace seen so far in this run (12,000 req/s before the
        // first), warm-up included; an exhausted seed would show as unexpected.
        side.ctx.budget = Math.ceil(Math.max(12_000, fastest * 1.5) * (seconds + 2))
        const next = s.setup ? await s.setup(side.ctx) : s.request!
        const warm = await load(side.services, s, next, 0, 2)
        runs.push({ side, next, n: warm.n, requests: 0, seconds: 0, p99Ms: 0, unexpected: 0 })
      }
      for (let round = 0; round < rounds; round++) {
        for (const run of runs) {
          const r = await load(run.side.services, s, run.next, run.n, seconds / rounds)
          Object.assign(run, {
            n: r.n,
            requests: run.requests + r.requests,
            seconds: run.seconds + r.seconds,
            p99Ms: Math.max(run.p99Ms, r.p99Ms),
            unexpected: run.unexpected + r.unexpected,
          })
        }
      }
      for (const run of runs) {
        fastest = Math.max(fastest, run.requests / run.seconds)
        rows.push({
          topology: run.side.topology.name,
          primaries: run.side.topology.primaries,
          processes: count,
          scenario: s.name,
          rps: Math.round(run.requests / run.seconds),
          p99Ms: run.p99Ms,
          unexpected: run.unexpected,
        })
      }
    }
    for (const side of sides) await Promise.all(side.services.splice(0).map((svc) => svc.stop()))
  }
} catch (err) {
  failed = true
  process.stderr.write(`${(err as Error).stack}\nlogs kept in ${logDir}\n`)
} finally {
  for (const side of sides) {
    await Promise.all(side.services.map((svc) => svc.stop()))
    side.ctx.redis.disconnect()
    await side.topology.stop()
  }
}
rows.sort((a, b) => a.processes - b.processes || a.primaries - b.primaries)

const single = (r: Row) =>
  rows.find((x) => x.primaries === 1 && x.processes === r.processes && x.scenario === r.scenario)
const lines = [
  `Machine: ${cpus().length} vCPU ${cpus()[0]?.model.trim()}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.versions.node}, load average ${loadavg()[0]?.toFixed(1)} at the end; ${connections} connections in all, ${seconds} s per scenario in slices alternating between the topologies, LOG_LEVEL=warn, unpinned.`,
  '',
  '| scenario | service processes | Redis | req/s | × 1 node | p99 ms | unexpected |',
  '|:--|--:|:--|--:|--:|--:|--:|',
  ...rows.map((r) => {
    const base = single(r)
    const ratio = base ? (r.rps / base.rps).toFixed(2) : ''
    return `| ${r.scenario} | ${r.processes} | ${r.topology} | ${r.rps} | ${ratio} | ${r.p99Ms} | ${r.unexpected} |`
  }),
  '',
  '| Redis | bytes per enrolled caller | per 1M callers (primaries / with replicas) | bytes per pending challenge | per 100k challenges (primaries / with replicas) |',
  '|:--|--:|--:|--:|--:|',
  ...Object.entries(memory).map(
    ([name, m]) =>
      `| ${name} | ${m.bytesPerCaller} | ${m.mibPerMillionCallers.primaries} MiB / ${m.mibPerMillionCallers.withReplicas} MiB | ${m.bytesPerChallenge} | ${m.mibPer100kChallenges.primaries} MiB / ${m.mibPer100kChallenges.withReplicas} MiB |`,
  ),
]
process.stdout.write(`${lines.join('\n')}\n`)
writeFileSync(
  join(root, 'bench/results-cluster.json'),
  `${JSON.stringify({ date: new Date().toISOString(), seconds, connections, rows, memory }, null, 2)}\n`,
)
if (failed) process.exitCode = 1
else rmSync(logDir, { recursive: true, force: true })
