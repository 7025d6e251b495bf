// npm run bench:ladder: what the behaviours issue 16 requires cost without the rest of the
// service. A caller lookup is built up one behaviour at a time (bench/ladder-server.ts), each
// rung a separate process checked to do what it claims, and measured as the bench measures a
// scenario: server CPU per request over the floor's (bench/floor-server.ts), the floor loaded
// just before each slice, on the same CPU (unless BENCH_PIN=0). The last row is pinline's own
// lookup miss, built (npm run build first). Everything but the floor runs with the image's Node
// flags and ENV. Prints a Markdown table and writes bench/results-ladder.json.
// Settings: LADDER_PASSES (5), BENCH_DURATION (s per row and pass, 2), BENCH_WARMUP (s, 1; each
// process gets 2 more), BENCH_CONNECTIONS (32), BENCH_PIN.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'
import { Redis } from 'ioredis'
import { freePort } from '../test/support/app/free-port.ts'
import { startRedisServer } from '../test/support/redis/redis-server.ts'
import { phoneAt } from './lib/fixtures.ts'
import { imageRuntime } from './lib/image.ts'
import { callerKey, ladderKeys, RUNG_ORDER, RUNGS, type Rung } from './lib/ladder-rungs.ts'
import { sliceSeries, Tally, type Target } from './lib/load.ts'
import { allowedCpus, cpuLayout, pin, procStats, startNode, type NodeProcess } from './lib/processes.ts'
import type { NextRequest } from './lib/scenario.ts'
import { API_KEY, benchServiceEnv } from './lib/service-env.ts'
import { floor } from './scenarios.ts'

const root = fileURLToPath(new URL('..', import.meta.url))
const num = (name: string, fallback: number) => Number(process.env[name] ?? fallback)
const connections = num('BENCH_CONNECTIONS', 32)
const passes = num('LADDER_PASSES', 5)
const sliceSeconds = num('BENCH_DURATION', 2)
const warmupSeconds = num('BENCH_WARMUP', 1) + 2 // each process is new: V8 needs seconds to reach pace
const layout = process.env.BENCH_PIN === '0' ? undefined : cpuLayout(allowedCpus())
const serviceEntry = join(root, 'dist/services/auth/src/server.js')
if (!existsSync(serviceEntry)) throw new Error('bench:ladder compares with the built service: npm run build first')
const OTHER_KEY = 'ladder-key-without-the-scope-0123'

const redisServer = await startRedisServer()
const redis = new Redis(redisServer.url)
const redisPid = Number(/process_id:(\d+)/.exec(await redis.info('server'))?.[1])
const logDir = join(tmpdir(), `pinline-ladder-${process.pid}`)
mkdirSync(logDir, { recursive: true })

const image = imageRuntime(root)
const start = async (name: string, file: string, env: Record<string, string>, nodeArgs = image.nodeArgs) =>
  startNode(file, {
    port: await freePort(),
    env: { ...image.env, ...env, REDIS_URL: redisServer.url },
    logFile: join(logDir, `${name}.log`),
    readyPath: '/healthz',
    nodeArgs,
  })

// The rungs run as built JavaScript, as the service does: type stripping would add tens of MB.
const rungFile = join(root, 'node_modules/.cache/pinline-bench/ladder-server.mjs')
await build({
  entryPoints: [join(root, 'bench/ladder-server.ts')],
  outfile: rungFile,
  bundle: true,
  packages: 'external',
  platform: 'node',
  format: 'esm',
  target: 'node24',
  logLevel: 'warning',
})

const HIT = phoneAt(17, 1)
const MISS = phoneAt(15, 0)

/** A rung is measured only once it shows each behaviour it claims, and none it does not. */
async function checkRung(p: NodeProcess, have: Rung[]) {
  const on = (r: Rung) => have.includes(r)
  const fail = (what: string) => {
    throw new Error(`ladder rung ${have.join(',') || 'route'}: ${what}`)
  }
  const get = async (path: string, headers: Record<string, string> = { authorization: `Bearer ${API_KEY}` }) => {
    const res = await fetch(p.url + path, { headers })
    return { status: res.status, headers: res.headers, text: await res.text() }
  }
  const logBefore = readFileSync(p.logFile, 'utf8').length
  const miss = await get(`/v1/callers/${MISS}`, { authorization: `Bearer ${API_KEY}`, 'x-request-id': 'probe-1' })
  if (miss.status !== 404 || JSON.parse(miss.text).code !== 'CALLER_NOT_FOUND') fail(`a miss answered ${miss.status}`)
  // A hit needs the caller under the key this rung names it by (HMAC or not).
  await redis.hset(callerKey(HIT, on('hmac')), { firstName: 'Hanako', lastName: 'Sato' })
  const hit = await get(`/v1/callers/${HIT}`)
  if (hit.status !== 200 || JSON.parse(hit.text).firstName !== 'Hanako') fail(`a hit answered ${hit.status}`)

  // pino writes asynchronously: give the lines a moment to land.
  let lines: Array<Record<string, unknown>> = []
  for (let i = 0; i < 20 && lines.length < 2; i++) {
    await sleep(25)
    lines = readFileSync(p.logFile, 'utf8')
      .slice(logBefore)
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l))
      // startNode's own /healthz probe may land late
      .filter((l) => l.req?.url !== '/healthz')
  }
  if (on('log')) {
    const line = lines[0] as { msg?: string; reqId?: string; req?: { url?: string } } | undefined
    if (lines.length !== 2 || line?.msg !== 'request completed' || line.req?.url !== '/v1/callers/:phone')
      fail('not one access line per request, with the route template')
    const raw = JSON.stringify(lines)
    if (raw.includes(MISS.slice(3)) || raw.includes(API_KEY)) fail('the access line holds the number or the key')
    if (on('request-id') !== (line?.reqId === 'probe-1')) fail('request id in the log not as claimed')
  } else if (lines.length > 0) fail('a log line was written')
  if (on('request-id') !== (miss.headers.get('x-request-id') === 'probe-1')) fail('x-request-id not as claimed')
  if (
    on('request-id') &&
    (
      await get(`/v1/callers/${MISS}`, { authorization: `Bearer ${API_KEY}`, 'x-request-id': '+819012345678' })
    ).headers.get('x-request-id') === '+819012345678'
  )
    fail('an unsafe request id was echoed')
  if (on('auth') !== ((await get(`/v1/callers/${MISS}`, {})).status === 401)) fail('bearer auth not as claimed')
  if (on('auth') && (await get(`/v1/callers/${MISS}`, { authorization: `Bearer ${OTHER_KEY}` })).status !== 403)
    fail('a key without the scope was let through')
  if (on('schema') !== ((await get('/v1/callers/not-a-number')).status === 400)) fail('validation not as claimed')
  // Digits the schema takes that are no phone number: only the phone rung refuses them.
  if (on('phone') !== ((await get('/v1/callers/+999123')).status === 400)) fail('phone parsing not as claimed')
  const metrics = await get('/metrics')
  const observed = /^http_request_duration_seconds_count\{[^}]*status_code="404"[^}]*\} (\d+)/m.exec(metrics.text)
  if (on('metrics') !== Number(observed?.[1] ?? 0) > 0) fail('metrics not as claimed')
  const counter = ladderKeys.rateLimit.forRequest(on('auth') ? 'bench' : 'anonymous', '127.0.0.1').perKey
  const counted = Number((await redis.get(counter)) ?? 0)
  if (on('limits') !== counted > 0) fail('limits not as claimed')
}

const floorServer = await start('floor', join(root, 'bench/floor-server.ts'), {}, [])
// Rung i has the first i behaviours.
const rows: Array<{ name: string; adds: string; server: NodeProcess }> = []
for (let i = 0; i <= RUNG_ORDER.length; i++) {
  const have = RUNG_ORDER.slice(0, i)
  const last = have.at(-1)
  const server = await start(`rung-${i}`, rungFile, {
    LADDER_RUNGS: have.join(','),
    LADDER_KEY: API_KEY,
    LADDER_OTHER_KEY: OTHER_KEY,
  })
  await checkRung(server, have)
  rows.push({
    name: last ? `+ ${last}` : 'route',
    adds: last ? RUNGS[last] : 'the route alone: GET /v1/callers/:phone, one HGETALL, a JSON answer',
    server,
  })
}
const service = await startNode(serviceEntry, {
  port: await freePort(),
  env: { ...image.env, ...benchServiceEnv('info'), REDIS_URL: redisServer.url },
  logFile: join(logDir, 'pinline.log'),
  readyPath: '/readyz',
  nodeArgs: image.nodeArgs,
})
const probe = await fetch(`${service.url}/v1/callers/${MISS}`, { headers: { authorization: `Bearer ${API_KEY}` } })
if (probe.status !== 404) throw new Error(`pinline: a miss answered ${probe.status}`)
rows.push({ name: 'pinline', adds: "the service's own caller lookup, miss (NODE_ENV=development)", server: service })
if (layout) {
  pin(process.pid, layout.loadgen)
  pin(redisPid, layout.redis)
  for (const p of [floorServer, ...rows.map((r) => r.server)]) pin(p.pid, layout.server)
}

// Idle RSS, every process having answered a few requests: the least of three readings.
await sleep(1500)
const idleBytes = new Map<NodeProcess, number>()
for (let i = 0; i < 3; i++) {
  for (const { server } of rows)
    idleBytes.set(server, Math.min(idleBytes.get(server) ?? Infinity, procStats(server.pid).rssBytes))
  await sleep(500)
}

const target = (p: NodeProcess): Target => ({ url: p.url, pid: p.pid, logFile: p.logFile })
const base = { redisPid, redis, connections, method: 'GET', apiKey: API_KEY }
const floorSlice = sliceSeries({ ...base, target: target(floorServer), next: floor.request as NextRequest })
const lookupMiss: NextRequest = (n) => ({ path: `/v1/callers/${phoneAt(15, n % 1000)}` })
const series = rows.map((r) => ({
  ...r,
  slice: sliceSeries({ ...base, target: target(r.server), next: lookupMiss }),
  total: new Tally(),
  ratios: [] as number[],
}))

await floorSlice(3)
for (const s of series) {
  process.stderr.write(`[ladder] warm-up: ${s.name}\n`)
  await s.slice(warmupSeconds)
}
// Passes: one slice per row each, the floor's just before it. The machine's pace drifts over
// a run; passes spread the drift over every row, and each pass gives every row a ratio.
const cpuUs = (t: Tally) => (t.cpuMs.server * 1000) / Math.max(1, t.requests)
for (let pass = 1; pass <= passes; pass++) {
  process.stderr.write(`[ladder] pass ${pass} of ${passes}\n`)
  for (const s of series) {
    const fl = new Tally()
    const own = new Tally()
    await floorSlice(sliceSeconds * 0.25, fl)
    await s.slice(sliceSeconds, own)
    s.ratios.push(cpuUs(own) / cpuUs(fl))
    s.total.merge(own)
  }
}

for (const p of [floorServer, ...rows.map((r) => r.server)]) await p.stop()
redis.disconnect()
await redisServer.stop()

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b)
  const mid = Math.floor(s.length / 2)
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2
}
const results = series.map((s) => {
  const f = s.total.figures()
  return {
    name: s.name,
    adds: s.adds,
    rps: f.rps,
    serverUs: Math.round(cpuUs(s.total) * 10) / 10,
    overFloor: Math.round(median(s.ratios) * 100) / 100,
    overFloorRange: [Math.min(...s.ratios), Math.max(...s.ratios)].map((x) => Math.round(x * 100) / 100),
    p99Ms: f.p99Ms,
    redisCommandsPerRequest: f.redisCommandsPerRequest,
    logBytesPerRequest: f.logBytesPerRequest,
    rssIdleMb: Math.round((idleBytes.get(s.server) ?? 0) / 2 ** 20),
    rssPeakMb: Math.round(f.rssPeakBytes / 2 ** 20),
    unexpected: f.requests - (f.statuses['404'] ?? 0),
  }
})
const lines = [
  '| rung | adds | req/s | server CPU µs/req | × floor, median (range) | step | p99 ms | Redis cmds/req | log B/req | RSS MB idle / loaded | unexpected |',
  '|:--|:--|--:|--:|--:|--:|--:|--:|--:|--:|--:|',
  ...results.map((r, i) => {
    const prev = results[i - 1]
    const d = prev && r.name !== 'pinline' ? r.overFloor - prev.overFloor : undefined
    const step = d === undefined ? '' : `${d >= 0 ? '+' : ''}${d.toFixed(2)}`
    const ratio = `${r.overFloor.toFixed(2)} (${r.overFloorRange.map((x) => x.toFixed(2)).join('–')})`
    return `| ${r.name} | ${r.adds} | ${r.rps} | ${r.serverUs} | ${ratio} | ${step} | ${r.p99Ms} | ${r.redisCommandsPerRequest} | ${r.logBytesPerRequest} | ${r.rssIdleMb} / ${r.rssPeakMb} | ${r.unexpected} |`
  }),
]
process.stdout.write(`${lines.join('\n')}\n`)
writeFileSync(
  join(root, 'bench/results-ladder.json'),
  `${JSON.stringify({ when: new Date().toISOString(), connections, passes, sliceSeconds, rows: results }, null, 2)}\n`,
)
