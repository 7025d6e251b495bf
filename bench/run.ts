// npm run bench: real Redis, the real service and the floor server as separate
// processes, loaded over loopback by autocannon. Prints one Markdown report and
// writes bench/results.json. Settings: BENCH_DURATION (s per scenario, default 5),
// BENCH_WARMUP (s, 1), BENCH_CONNECTIONS (32), BENCH_ONLY (run scenarios whose name
// contains it, or any of a '|'-separated list), BENCH_LOG_LEVEL (service LOG_LEVEL, info), BENCH_PIN=0 (do not pin
// processes to cores), BENCH_CPU_PROF=1 (profile the service into bench/profiles/),
// BENCH_BUILT=1 (run the compiled service from dist/ as the image does: the Dockerfile's CMD flags and ENV; npm run build first).
import { execFileSync } from 'node:child_process'
import { mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Redis } from 'ioredis'
import { createKeys } from '../services/auth/src/adapters/redis/keys.ts'
import { freePort } from '../test/support/app/free-port.ts'
import { startRedisServer } from '../test/support/redis/redis-server.ts'
import { perOrderSession } from './channels.ts'
import { benchCaller, phoneAt, type BenchContext } from './lib/fixtures.ts'
import { imageRuntime } from './lib/image.ts'
import { slice, sliceSeries, Tally, type Target } from './lib/load.ts'
import { perEnrolledCaller, perPendingChallenge } from './lib/memory.ts'
import { allowedCpus, cpuLayout, pin, procStats, startNode, tail } from './lib/processes.ts'
import { machine, render, targets, type ScenarioFigures } from './lib/report.ts'
import { measureShims } from './lib/shims.ts'
import type { NextRequest, Scenario } from './lib/scenario.ts'
import { floor, scenarios, serviceWarmUp } from './scenarios.ts'
import { API_KEY, KEY_SECRET, PREFIX, SECRET, benchServiceEnv } from './lib/service-env.ts'

const root = fileURLToPath(new URL('..', import.meta.url))
const num = (name: string, fallback: number) => Number(process.env[name] ?? fallback)
const settings = {
  connections: num('BENCH_CONNECTIONS', 32),
  seconds: num('BENCH_DURATION', 5),
  warmupSeconds: num('BENCH_WARMUP', 1),
}
// '|'-separated: a scenario runs if its name contains any of them.
const only = process.env.BENCH_ONLY?.split('|')
  .map((x) => x.trim())
  .filter(Boolean)
const layout = process.env.BENCH_PIN === '0' ? undefined : cpuLayout(allowedCpus())

const redisServer = await startRedisServer()
// Auto-pipelining: seeding sends thousands of scripts at once, in a few writes instead of one each.
const redis = new Redis(redisServer.url, { enableAutoPipelining: true })
const redisPid = Number(/process_id:(\d+)/.exec(await redis.info('server'))?.[1])
const logDir = join(tmpdir(), `pinline-bench-${process.pid}`)
mkdirSync(logDir, { recursive: true })
const profileDir = join(root, 'bench/profiles')
if (process.env.BENCH_CPU_PROF === '1') mkdirSync(profileDir, { recursive: true })

const floorServer = await startNode(join(root, 'bench/floor-server.ts'), {
  port: await freePort(),
  env: { REDIS_URL: redisServer.url },
  logFile: join(logDir, 'floor.log'),
  readyPath: '/healthz',
})
const built = process.env.BENCH_BUILT === '1'
const serviceEntry = built ? 'dist/services/auth/src/server.js' : 'services/auth/src/server.ts'
// BENCH_SERVICE_ROOT: another checkout's service (e.g. the code before a change), for A/B runs.
const serviceRoot = process.env.BENCH_SERVICE_ROOT ?? root
// The built service runs as the image starts it: its Dockerfile's Node flags and runtime ENV.
const image = built ? imageRuntime(serviceRoot) : { nodeArgs: [], env: {} }
const service = await startNode(join(serviceRoot, serviceEntry), {
  port: await freePort(),
  env: {
    ...image.env,
    ...benchServiceEnv(process.env.BENCH_LOG_LEVEL ?? 'info'),
    REDIS_URL: redisServer.url,
  },
  logFile: join(logDir, 'service.log'),
  readyPath: '/readyz',
  // BENCH_NODE_ARGS: V8/Node flags for the service only (e.g. the image's --max-semi-space-size).
  nodeArgs: [
    ...image.nodeArgs,
    ...(process.env.BENCH_NODE_ARGS?.split(' ').filter(Boolean) ?? []),
    ...(process.env.BENCH_CPU_PROF === '1' ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : []),
  ],
})
if (layout) {
  pin(process.pid, layout.loadgen)
  pin(redisPid, layout.redis)
  pin(floorServer.pid, layout.server)
  pin(service.pid, layout.server)
}

async function request(base: string, method: string, path: string, body?: unknown) {
  const res = await fetch(base + path, {
    method,
    headers: {
      authorization: `Bearer ${API_KEY}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  })
  const text = await res.text()
  return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} }
}

const ctx: BenchContext = {
  redis,
  keys: createKeys(PREFIX, KEY_SECRET),
  secret: SECRET,
  budget: 0,
  api: (method, path, body) => request(service.url, method, path, body),
}
const floorTarget: Target = { url: floorServer.url, pid: floorServer.pid, logFile: floorServer.logFile }
const serviceTarget: Target = { url: service.url, pid: service.pid, logFile: service.logFile }
const floorNext = floor.request as NextRequest
const base = { redisPid, redis, connections: settings.connections }
const floorTally = new Tally()
// Scenario and floor take turns in slices of about 2.5 s: a machine's pace can drift by
// tens of percent within seconds, and a drift then weighs on both sides of the ratio.
// The floor's slices are shorter (a quarter): it is warm and steady, and the run stays short.
const ROUND_TRIP_PROBES = 20
const rounds = Math.max(1, Math.round(settings.seconds / 2.5))
const sliceSeconds = settings.seconds / rounds

const floorSlice = sliceSeries({ ...base, target: floorTarget, method: 'GET', next: floorNext })

const started = performance.now()
const progress = (what: string) =>
  process.stderr.write(`[bench ${((performance.now() - started) / 1000).toFixed(1).padStart(5)} s] ${what}\n`)

// CPU per request of the server and its Redis: what a request costs on the server side.
const serverSideCpu = (f: ReturnType<Tally['figures']>) => f.cpuUsPerRequest.server + f.cpuUsPerRequest.redis

async function measure(s: Scenario): Promise<ScenarioFigures> {
  progress(`${s.name}: setup (budget ${ctx.budget})`)
  const next = s.setup ? await s.setup(ctx) : s.request
  if (!next) throw new Error(`${s.name}: a scenario needs request or setup`)
  // One request first: a run that measures an error path by mistake stops here.
  const probe = next(0)
  const res = await request(service.url, s.method, probe.path, probe.body).catch((err: Error) => ({
    status: 0,
    body: { error: err.message },
  }))
  if (res.status !== s.expect || (s.check && !s.check(res.body))) {
    throw new Error(
      `${s.name}: ${s.method} ${probe.path} answered ${res.status} ${JSON.stringify(res.body).slice(0, 300)}`,
    )
  }
  // Redis round trips per request: requests sent one at a time, so each socket read Redis does
  // is one round trip of one request (under load, several requests' commands share a read).
  const reads = async () => Number(/total_reads_processed:(\d+)/.exec(await redis.info('stats'))?.[1] ?? 0)
  const readsBefore = await reads()
  for (let i = 1; i <= ROUND_TRIP_PROBES; i++) {
    const p = next(i)
    await request(service.url, s.method, p.path, p.body)
  }
  const redisRoundTrips = Math.round((((await reads()) - readsBefore - 1) / ROUND_TRIP_PROBES) * 10) / 10 // less the INFO
  progress(`${s.name}: load`)
  const own = { ...base, target: serviceTarget, method: s.method, apiKey: API_KEY, next }
  let n = await slice({ ...own, seconds: settings.warmupSeconds, from: ROUND_TRIP_PROBES + 1 })
  const tally = new Tally()
  const floorHere = new Tally()
  for (let i = 0; i < rounds; i++) {
    await floorSlice(sliceSeconds * 0.25, floorHere)
    n = await slice({ ...own, seconds: sliceSeconds, from: n, tally })
  }
  floorTally.merge(floorHere)
  const f = tally.figures()
  const fl = floorHere.figures()
  const all = Object.values(f.statuses).reduce((a, b) => a + b, 0)
  const round2 = (x: number) => Math.round(x * 100) / 100
  return {
    ...f,
    name: s.name,
    kind: s.kind,
    floorRps: fl.rps,
    ratio: round2(f.rps / fl.rps),
    cpuRatio: round2(serverSideCpu(fl) / serverSideCpu(f)),
    floorServerUs: fl.cpuUsPerRequest.server,
    redisRoundTrips,
    serverCpuOverFloor: round2(f.cpuUsPerRequest.server / Math.max(1, fl.cpuUsPerRequest.server)),
    unexpected: all - (f.statuses[String(s.expect)] ?? 0),
  }
}

const rssIdleBytes = procStats(service.pid).rssBytes
const rows: ScenarioFigures[] = []
const failed: Array<{ name: string; error: string }> = []
try {
  // Memory first, on a near-empty Redis: used_memory growth is then the items' own.
  progress('Redis memory')
  const memory = {
    'pending challenge': await perPendingChallenge(ctx),
    'enrolled caller': await perEnrolledCaller(ctx),
    'order session, authenticated, 1 item': await perOrderSession(ctx, (id) => ({ session: ctx.keys.session(id) })),
  }

  // JIT-warms the load generator, the floor server and the service (it takes seconds to
  // reach pace); the floor's last second and the service's two size the first seeds.
  await floorSlice(2)
  const floorPace = new Tally()
  await floorSlice(1, floorPace)
  const warmUp = {
    ...base,
    target: serviceTarget,
    method: 'GET',
    apiKey: API_KEY,
    next: serviceWarmUp.request as NextRequest,
  }
  const servicePace = new Tally()
  await slice({ ...warmUp, seconds: 2, from: 0, tally: servicePace })
  let floorRps = floorPace.figures().rps
  let serviceRps = servicePace.figures().rps
  for (const s of scenarios.filter((x) => !only || only.some((o) => x.name.includes(o)))) {
    // Seeds for twice the pace of the fastest service scenario so far, never more than the
    // floor's (a scenario does all the floor does and more). Were they ever used up, the
    // answers to the extra requests would show as unexpected.
    ctx.budget =
      Math.ceil(Math.min(floorRps * 1.1, serviceRps * 2) * (settings.seconds + settings.warmupSeconds)) + 1000
    try {
      const row = await measure(s)
      floorRps = Math.max(floorRps, row.floorRps)
      serviceRps = Math.max(serviceRps, row.rps)
      rows.push(row)
    } catch (err) {
      failed.push({ name: s.name, error: (err as Error).message })
      process.stderr.write(`scenario failed: ${(err as Error).message}\n`)
    }
  }
  // What the RSS is made of, once the load is over: V8's heap, or the rest (code, buffers, the allocator).
  const metrics = await fetch(`${service.url}/metrics`).then((r) => r.text())
  const gauge = (name: string) => Number(new RegExp(`^pinline_${name} ([0-9.e+]+)`, 'm').exec(metrics)?.[1] ?? NaN)
  const rss = {
    idleBytes: rssIdleBytes,
    peakBytes: Math.max(rssIdleBytes, ...rows.map((x) => x.rssPeakBytes)),
    afterLoad: {
      rssBytes: procStats(service.pid).rssBytes,
      heapUsedBytes: gauge('nodejs_heap_size_used_bytes'),
      heapTotalBytes: gauge('nodejs_heap_size_total_bytes'),
      externalBytes: gauge('nodejs_external_memory_bytes'),
    },
  }
  const f = floorTally.figures()
  rows.unshift({
    ...f,
    name: floor.name,
    kind: 'floor',
    floorRps: f.rps,
    ratio: 1,
    cpuRatio: 1,
    floorServerUs: f.cpuUsPerRequest.server,
    serverCpuOverFloor: 1,
    redisRoundTrips: 1,
    unexpected: Object.values(f.statuses).reduce((a, b) => a + b, 0) - (f.statuses['200'] ?? 0),
  })

  progress('shims')
  execFileSync(process.execPath, [join(root, 'scripts/build-shims.ts')], { cwd: root, stdio: 'ignore' })
  const sample = phoneAt(14, 0)
  const shims = await measureShims(
    join(root, 'dist/shims'),
    { url: service.url, apiKey: API_KEY },
    { phone: sample, email: benchCaller(sample, 14_000_000).email ?? '' },
  )

  progress('done')
  const m = machine()
  const t = targets(rows, settings.connections, memory['pending challenge'], shims, {
    ...rss,
    built: process.env.BENCH_BUILT === '1',
  })
  process.stdout.write(`${render({ rows, memory, rss, shims, targets: t, machine: m, settings, layout })}\n`)
  if (failed.length > 0) process.stdout.write(`\nFailed: ${failed.map((x) => x.error).join('\n')}\n`)
  const results = {
    date: new Date().toISOString(),
    machine: m,
    settings,
    service: serviceEntry,
    serviceRuntime: image,
    cpuLayout: layout ?? 'unpinned',
    scenarios: rows,
    failed,
    memory,
    rss,
    shims,
    targets: t,
  }
  writeFileSync(join(root, 'bench/results.json'), `${JSON.stringify(results, null, 2)}\n`)
} catch (err) {
  process.stderr.write(`${(err as Error).stack}\nservice log tail:\n${tail(service.logFile)}\n`)
  process.exitCode = 1
} finally {
  redis.disconnect()
  await service.stop()
  await floorServer.stop()
  await redisServer.stop()
  // The service's log runs to ~100 MB a run: kept only when something failed.
  if (process.exitCode === 1 || failed.length > 0) process.stderr.write(`logs kept in ${logDir}\n`)
  else rmSync(logDir, { recursive: true, force: true })
}
