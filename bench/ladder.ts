// npm run bench:ladder: what the behaviours issue 16 requires cost on their own. A caller
// lookup that misses is built up one behaviour at a time (bench/ladder-server.ts), each rung
// a separate process, and measured like the bench's scenarios: server CPU per request over
// the floor's, in interleaved slices on the same pinned core. The last line is pinline's own
// lookup miss, for comparison. Prints a Markdown table and writes bench/results-ladder.json.
// Settings as for npm run bench: BENCH_DURATION, BENCH_WARMUP, BENCH_CONNECTIONS, BENCH_PIN,
// BENCH_BUILT.
import { mkdirSync, statSync, writeFileSync } from 'node:fs'
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
import { RUNG_ORDER, RUNGS, type Rung } from './lib/ladder-rungs.ts'
import { slice, Tally, type Target } from './lib/load.ts'
import { allowedCpus, cpuLayout, pin, procStats, startNode, type NodeProcess } from './lib/processes.ts'
import { API_KEY, benchServiceEnv } from './lib/service-env.ts'
import { floor } from './scenarios.ts'
import type { NextRequest } from './lib/scenario.ts'

const root = fileURLToPath(new URL('..', import.meta.url))
const num = (name: string, fallback: number) => Number(process.env[name] ?? fallback)
const connections = num('BENCH_CONNECTIONS', 32)
const seconds = num('BENCH_DURATION', 5)
const warmupSeconds = num('BENCH_WARMUP', 1) + 2 // each process is new: V8 needs seconds to reach pace
const layout = process.env.BENCH_PIN === '0' ? undefined : cpuLayout(allowedCpus())
const built = process.env.BENCH_BUILT === '1'

const redisServer = await startRedisServer()
const redis = new Redis(redisServer.url)
const redisPid = Number(/process_id:(\d+)/.exec(await redis.info('server'))?.[1])
const logDir = join(tmpdir(), `pinline-ladder-${process.pid}`)
mkdirSync(logDir, { recursive: true })

const start = async (name: string, file: string, env: Record<string, string>, nodeArgs: string[] = []) =>
  startNode(file, {
    port: await freePort(),
    env: { ...env, REDIS_URL: redisServer.url },
    logFile: join(logDir, `${name}.log`),
    readyPath: '/healthz',
    nodeArgs,
  })

// The rungs run as built JavaScript with the image's Node flags and ENV, as the built service
// does (BENCH_BUILT=1): Node's type stripping alone would add tens of MB to their idle RSS.
const image = imageRuntime(root)
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
const floorServer = await start('floor', join(root, 'bench/floor-server.ts'), {})
// Rung i has the first i behaviours.
const rungs: Array<{ name: string; adds: string; have: Rung[]; server: NodeProcess }> = []

/** A rung is measured only once it shows each behaviour it claims: the ladder cannot flatter by omission. */
async function checkRung(p: NodeProcess, have: Rung[]) {
  const get = async (path: string, headers: Record<string, string> = { authorization: `Bearer ${API_KEY}` }) => {
    const res = await fetch(p.url + path, { headers })
    return { status: res.status, headers: res.headers, body: (await res.json()) as { code?: string } }
  }
  const fail = (what: string) => {
    throw new Error(`ladder rung ${have.join(',') || 'route'}: ${what}`)
  }
  const logBefore = statSync(p.logFile).size
  const miss = await get(`/v1/callers/${phoneAt(15, 0)}`, {
    authorization: `Bearer ${API_KEY}`,
    'x-request-id': 'probe-1',
  })
  if (miss.status !== 404 || miss.body.code !== 'CALLER_NOT_FOUND') fail(`a miss answered ${miss.status}`)
  // pino writes asynchronously: give the line a moment to land.
  let logged = false
  for (let i = 0; i < 20 && !logged; i++) {
    await sleep(25)
    logged = statSync(p.logFile).size > logBefore
  }
  if (have.includes('log') !== logged) fail(`access line ${logged ? 'written' : 'missing'}`)
  if (have.includes('auth') !== ((await get(`/v1/callers/${phoneAt(15, 0)}`, {})).status === 401))
    fail('bearer auth not as claimed')
  if (have.includes('request-id') !== (miss.headers.get('x-request-id') === 'probe-1'))
    fail('x-request-id not as claimed')
  if (have.includes('schema') !== ((await get('/v1/callers/not-a-number')).status === 400))
    fail('params validation not as claimed')
  // Digits the schema takes that are no phone number: only the phone rung refuses them.
  if (have.includes('phone') !== ((await get('/v1/callers/+999123')).status === 400))
    fail('phone parsing not as claimed')
}
for (let i = 0; i <= RUNG_ORDER.length; i++) {
  const have = RUNG_ORDER.slice(0, i)
  const last = have.at(-1)
  rungs.push({
    have,
    name: last ? `+ ${last}` : 'route',
    adds: last ? RUNGS[last] : 'the route alone: GET /v1/callers/:phone, one EVALSHA (HGETALL), a 404 JSON answer',
    server: await start(
      `rung-${i}`,
      rungFile,
      { ...image.env, LADDER_RUNGS: have.join(','), LADDER_KEY: API_KEY },
      image.nodeArgs,
    ),
  })
}
for (const r of rungs) await checkRung(r.server, r.have)
const service = await start(
  'pinline',
  join(root, built ? 'dist/services/auth/src/server.js' : 'services/auth/src/server.ts'),
  { ...(built ? image.env : {}), ...benchServiceEnv('info') },
  built ? image.nodeArgs : [],
)
if (layout) {
  pin(process.pid, layout.loadgen)
  pin(redisPid, layout.redis)
  for (const p of [floorServer, service, ...rungs.map((r) => r.server)]) pin(p.pid, layout.server)
}

const target = (p: NodeProcess): Target => ({ url: p.url, pid: p.pid, logFile: p.logFile })
const lookupMiss: NextRequest = (n) => ({ path: `/v1/callers/${phoneAt(15, n % 1000)}` })
const base = { redisPid, redis, connections, method: 'GET', apiKey: API_KEY }
let floorN = 0
const floorSlice = async (secs: number, tally?: Tally) => {
  floorN = await slice({
    ...base,
    target: target(floorServer),
    seconds: secs,
    next: floor.request as NextRequest,
    from: floorN,
    ...(tally ? { tally } : {}),
  })
}

// Every row is measured in passes, one slice per row per pass (with a floor slice before it):
// the machine's pace drifts over a run, and passes spread that drift over all rows alike.
const rows = [...rungs, { name: 'pinline', adds: "the service's own caller lookup, miss", server: service }].map(
  (r) => ({ ...r, n: 0, own: new Tally(), floor: new Tally(), idleBytes: 0 }),
)
// Idle RSS: every process started, none loaded yet.
await sleep(2000)
for (const r of rows) r.idleBytes = procStats(r.server.pid).rssBytes
await floorSlice(3)
for (const r of rows) {
  process.stderr.write(`[ladder] warm-up: ${r.name}\n`)
  r.n = await slice({ ...base, target: target(r.server), seconds: warmupSeconds, next: lookupMiss, from: 0 })
}
const passes = Math.max(1, Math.round(seconds / 2.5))
for (let pass = 1; pass <= passes; pass++) {
  process.stderr.write(`[ladder] pass ${pass} of ${passes}\n`)
  for (const r of rows) {
    await floorSlice((seconds / passes) * 0.25, r.floor)
    r.n = await slice({
      ...base,
      target: target(r.server),
      seconds: seconds / passes,
      next: lookupMiss,
      from: r.n,
      tally: r.own,
    })
  }
}
const results = rows.map((r) => {
  const f = r.own.figures()
  const fl = r.floor.figures()
  return {
    name: r.name,
    adds: r.adds,
    rps: f.rps,
    serverUs: f.cpuUsPerRequest.server,
    floorServerUs: fl.cpuUsPerRequest.server,
    overFloor: Math.round((f.cpuUsPerRequest.server / Math.max(1, fl.cpuUsPerRequest.server)) * 100) / 100,
    p99Ms: f.p99Ms,
    logBytesPerRequest: f.logBytesPerRequest,
    unexpected: f.requests - (f.statuses['404'] ?? 0),
    rssIdleMb: Math.round(r.idleBytes / 2 ** 20),
    rssPeakMb: Math.round(f.rssPeakBytes / 2 ** 20),
  }
})

for (const p of [floorServer, service, ...rungs.map((r) => r.server)]) await p.stop()
redis.disconnect()
await redisServer.stop()

const lines = [
  '| rung | adds | req/s | server CPU µs/req | × floor | step | p99 ms | log B/req | RSS MB idle / loaded | unexpected |',
  '|:--|:--|--:|--:|--:|--:|--:|--:|--:|--:|',
  ...results.map((r, i) => {
    // In × floor: a rung's µs move with the machine's pace, its ratio much less.
    const prev = results[i - 1]
    const step =
      !prev || r.name === 'pinline'
        ? ''
        : `${r.overFloor >= prev.overFloor ? '+' : ''}${(r.overFloor - prev.overFloor).toFixed(2)}`
    return `| ${r.name} | ${r.adds} | ${r.rps} | ${r.serverUs} | ${r.overFloor.toFixed(2)} | ${step} | ${r.p99Ms} | ${r.logBytesPerRequest} | ${r.rssIdleMb} / ${r.rssPeakMb} | ${r.unexpected} |`
  }),
]
process.stdout.write(
  `${lines.join('\n')}\n\nFloor: ${results.map((r) => r.floorServerUs).join(', ')} µs/req in the slices beside each row.\n`,
)
writeFileSync(
  join(root, 'bench/results-ladder.json'),
  `${JSON.stringify({ when: new Date().toISOString(), built, connections, seconds, passes, rows: results }, null, 2)}\n`,
)
