import { readFileSync } from 'node:fs'
import { cpus, totalmem } from 'node:os'
import type { Scenario } from './scenario.ts'
import type { Tally } from './load.ts'
import type { MemoryFigure } from './memory.ts'
import type { CpuLayout } from './processes.ts'
import type { ShimFigures } from './shims.ts'

export type ScenarioFigures = ReturnType<Tally['figures']> & {
  name: string
  kind: Scenario['kind']
  /** The floor's rate in the slices interleaved with this scenario's, and this scenario's rate over it. */
  floorRps: number
  ratio: number
  /**
   * The floor's server-side CPU per request (server + Redis) over this scenario's: the
   * ratio the throughput one tends to when the server's core is the limit, and far
   * steadier on a busy machine. The targets are judged on the throughput ratio.
   */
  cpuRatio: number
  /** The floor's service CPU per request (µs) in the slices interleaved with this scenario's. */
  floorServerUs: number
  /** This scenario's service CPU per request over the floor's: the issue 16 budget is judged on it. */
  serverCpuOverFloor: number
  /** Redis round trips per request, from requests sent one at a time (the floor makes one). */
  redisRoundTrips: number
  /** Responses with another status than the scenario expects, errors and timeouts included. */
  unexpected: number
}

export interface Target {
  what: string
  goal: string
  measured: string
  pass: boolean
}

export function machine() {
  const cpu = /model name\s*:\s*(.+)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? 'unknown'
  // os.cpus(), not availableParallelism(): the bench pins itself to fewer cores.
  return {
    cpus: cpus().length,
    cpu,
    memGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
  }
}

// Targets (issue 16, restating issue 6's throughput ratios as a CPU budget; Redis memory
// and the shims from issue 6). Reported, never asserted.
const CPU_BUDGET: Partial<Record<Scenario['kind'], number>> = { verify: 2.0, lookup: 2.0, channel: 2.0, issue: 3.5 }
const ROUND_TRIP_KINDS: ReadonlySet<Scenario['kind']> = new Set(['verify', 'lookup'])
const P99_GOAL_MS = 5
const RSS_IDLE_GOAL_MB = 90
const RSS_LOAD_GOAL_MB = 150
const CHALLENGE_BYTES_GOAL = 300
const SHIM_BYTES_GOAL = 50_000
const SHIM_IMPORT_GOAL_MS = 30

export function targets(
  rows: ScenarioFigures[],
  connections: number,
  challenge: MemoryFigure,
  shims: ShimFigures[],
  rss?: RssFigures & { built: boolean },
): Target[] {
  const out: Target[] = []
  for (const r of rows) {
    if (r.kind === 'floor') continue
    const budget = CPU_BUDGET[r.kind]
    if (budget !== undefined) {
      out.push({
        what: `${r.name}: service CPU/req over the floor's`,
        goal: `<= ${budget.toFixed(1)}x`,
        measured: `${r.serverCpuOverFloor.toFixed(2)}x (${r.cpuUsPerRequest.server} / ${r.floorServerUs} µs)`,
        pass: r.serverCpuOverFloor <= budget,
      })
    }
    out.push({
      what: `${r.name}: p99 at ${connections} conn.`,
      goal: `<= ${P99_GOAL_MS} ms`,
      measured: `${r.p99Ms} ms`,
      pass: r.p99Ms <= P99_GOAL_MS,
    })
    if (ROUND_TRIP_KINDS.has(r.kind)) {
      out.push({
        what: `${r.name}: Redis round trips/req`,
        goal: '<= 1',
        measured: `${r.redisRoundTrips} (${r.redisCommandsPerRequest} commands)`,
        pass: r.redisRoundTrips <= 1,
      })
    }
  }
  if (rss) {
    const how = rss.built
      ? 'built (dist/, as the image runs it)'
      : 'type-stripped source; the goal is for dist/ (BENCH_BUILT=1)'
    out.push({
      what: `service RSS idle, ${how}`,
      goal: `<= ${RSS_IDLE_GOAL_MB} MB`,
      measured: `${mb(rss.idleBytes)} MB`,
      pass: rss.idleBytes / 2 ** 20 <= RSS_IDLE_GOAL_MB,
    })
    out.push({
      what: `service RSS under load, ${how}`,
      goal: `<= ${RSS_LOAD_GOAL_MB} MB`,
      measured: `${mb(rss.peakBytes)} MB`,
      pass: rss.peakBytes / 2 ** 20 <= RSS_LOAD_GOAL_MB,
    })
  }
  out.push({
    what: 'Redis per pending challenge',
    goal: `<= ${CHALLENGE_BYTES_GOAL} B`,
    measured: `${challenge.bytes} B`,
    pass: challenge.bytes <= CHALLENGE_BYTES_GOAL,
  })
  for (const s of shims) {
    out.push({
      what: `shim ${s.name}: bundle`,
      goal: `<= ${SHIM_BYTES_GOAL / 1000} KB`,
      measured: `${(s.bytes / 1000).toFixed(1)} KB`,
      pass: s.bytes <= SHIM_BYTES_GOAL,
    })
    out.push({
      what: `shim ${s.name}: cold import`,
      goal: `<= ${SHIM_IMPORT_GOAL_MS} ms`,
      measured: `${s.coldImportMs} ms`,
      pass: s.coldImportMs <= SHIM_IMPORT_GOAL_MS,
    })
  }
  return out
}

function table(head: string[], rows: Array<Array<string | number>>): string {
  const cells = [head, ...rows.map((r) => r.map(String))]
  const width = head.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)))
  const line = (r: string[]) =>
    `| ${r.map((c, i) => (i === 0 ? c.padEnd(width[i] ?? 0) : c.padStart(width[i] ?? 0))).join(' | ')} |`
  return [
    line(head),
    `|${width.map((w, i) => (i === 0 ? ':' : '') + '-'.repeat(w + 1) + (i === 0 ? '' : ':')).join('|')}|`,
    ...cells.slice(1).map(line),
  ].join('\n')
}

const mb = (b: number) => (b / 2 ** 20).toFixed(0)
const pairs = (o: Record<string, number>) =>
  Object.entries(o)
    .map(([k, v]) => `${k} ${v}`)
    .join(' + ')

/** The whole report as Markdown: what `npm run bench` prints and docs/performance.md quotes. */
export interface RssFigures {
  idleBytes: number
  peakBytes: number
  afterLoad: { rssBytes: number; heapUsedBytes: number; heapTotalBytes: number; externalBytes: number }
}

export function render(r: {
  rows: ScenarioFigures[]
  memory: Record<string, MemoryFigure>
  rss: RssFigures
  shims: ShimFigures[]
  targets: Target[]
  machine: ReturnType<typeof machine>
  settings: { connections: number; seconds: number; warmupSeconds: number }
  layout: CpuLayout | undefined
}): string {
  const m = r.machine
  const out = [
    `${m.cpus} × ${m.cpu}, ${m.memGiB} GiB, Node ${m.node}; ${r.settings.connections} connections, ${r.settings.seconds} s per scenario after ${r.settings.warmupSeconds} s warm-up, loopback; ` +
      (r.layout
        ? `load generator on CPU ${r.layout.loadgen}, server on ${r.layout.server}, Redis on ${r.layout.redis}.`
        : 'processes not pinned to CPUs.'),
    '',
    table(
      [
        'scenario',
        'req/s',
        '× floor',
        '× floor, CPU',
        'service CPU ÷ floor',
        'p50 ms',
        'p99 ms',
        'CPU µs/req: server + Redis (+ load gen.)',
        'Redis cmds/req',
        'Redis round trips/req',
        'log B/req',
        'RSS MB',
        'unexpected',
      ],
      r.rows.map((x) => [
        x.name,
        x.rps,
        x.ratio.toFixed(2),
        x.cpuRatio.toFixed(2),
        x.serverCpuOverFloor.toFixed(2),
        x.p50Ms.toFixed(2),
        x.p99Ms.toFixed(2),
        `${x.cpuUsPerRequest.server} + ${x.cpuUsPerRequest.redis} (+ ${x.cpuUsPerRequest.loadgen})`,
        x.redisCommandsPerRequest,
        x.redisRoundTrips,
        x.logBytesPerRequest,
        mb(x.rssPeakBytes),
        x.unexpected,
      ]),
    ),
    '',
    table(
      ['Redis memory per item', 'MEMORY USAGE, bytes', 'keys', 'alongside, per number', 'used_memory growth per item'],
      Object.entries(r.memory).map(([name, f]) => [
        name,
        f.bytes,
        pairs(f.keys),
        pairs(f.alongside) || '-',
        f.usedMemoryPerItem,
      ]),
    ),
    '',
    `Service RSS: ${mb(r.rss.idleBytes)} MB idle after start, ${mb(r.rss.peakBytes)} MB peak under load; after the load ${mb(r.rss.afterLoad.rssBytes)} MB, of which V8 heap ${mb(r.rss.afterLoad.heapUsedBytes)} MB used of ${mb(r.rss.afterLoad.heapTotalBytes)} MB, external ${mb(r.rss.afterLoad.externalBytes)} MB.`,
    '',
    r.shims.length === 0
      ? 'Shims: no dist/shims/*.mjs bundles on this build.'
      : table(
          ['shim', 'bundle KB', 'gzip KB', 'cold import ms', 'added latency p50 ms (shim / direct p50, p99)'],
          r.shims.map((s) => [
            s.name,
            (s.bytes / 1000).toFixed(1),
            (s.gzipBytes / 1000).toFixed(1),
            s.coldImportMs,
            'skipped' in s.latency
              ? `skipped: ${s.latency.skipped}`
              : `${s.latency.addedP50Ms} (${s.latency.shimP50Ms} / ${s.latency.directP50Ms}, ${s.latency.shimP99Ms} / ${s.latency.directP99Ms})`,
          ]),
        ),
    '',
    table(
      ['target', 'goal', 'measured', ''],
      r.targets.map((t) => [t.what, t.goal, t.measured, t.pass ? 'pass' : 'MISS']),
    ),
  ]
  return out.join('\n')
}
