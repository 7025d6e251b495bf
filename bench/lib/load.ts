import autocannon from 'autocannon'
import { statSync } from 'node:fs'
import { createHistogram, type RecordableHistogram } from 'node:perf_hooks'
import type { NextRequest } from './scenario.ts'
import { procStats } from './processes.ts'

export interface Target {
  url: string
  /** The server process, whose CPU time and RSS are tallied. */
  pid: number
  /** Where its stdout goes: log bytes per request are a running cost too (ingestion, storage). */
  logFile: string
}

/**
 * Everything measured about one scenario over one or more slices of load. Latency is
 * kept here in microseconds: autocannon's own histogram rounds to whole milliseconds,
 * too coarse on loopback, and skips non-2xx answers (a lookup miss is a 404).
 */
export class Tally {
  requests = 0
  seconds = 0
  statuses: Record<string, number> = {}
  latency: RecordableHistogram = createHistogram()
  cpuMs = { server: 0, redis: 0, loadgen: 0 }
  redisCommands = 0
  logBytes = 0
  rssPeakBytes = 0
  /** When load ran, on the monotonic clock V8 stamps --cpu-prof samples with (µs). */
  windows: Array<{ fromUs: number; toUs: number }> = []

  merge(other: Tally): void {
    this.requests += other.requests
    this.seconds += other.seconds
    for (const [k, v] of Object.entries(other.statuses)) this.statuses[k] = (this.statuses[k] ?? 0) + v
    this.latency.add(other.latency)
    this.cpuMs.server += other.cpuMs.server
    this.cpuMs.redis += other.cpuMs.redis
    this.cpuMs.loadgen += other.cpuMs.loadgen
    this.redisCommands += other.redisCommands
    this.logBytes += other.logBytes
    this.rssPeakBytes = Math.max(this.rssPeakBytes, other.rssPeakBytes)
    this.windows.push(...other.windows)
  }

  figures() {
    const ms = (us: number) => Math.round(us / 10) / 100
    const perRequest = (cpuMs: number) => Math.round((cpuMs * 1000) / Math.max(1, this.requests))
    return {
      requests: this.requests,
      seconds: Math.round(this.seconds * 100) / 100,
      rps: Math.round(this.requests / Math.max(this.seconds, 1e-9)),
      p50Ms: ms(this.latency.percentile(50)),
      p99Ms: ms(this.latency.percentile(99)),
      maxMs: ms(this.latency.max),
      statuses: this.statuses,
      cpuUsPerRequest: {
        server: perRequest(this.cpuMs.server),
        redis: perRequest(this.cpuMs.redis),
        loadgen: perRequest(this.cpuMs.loadgen),
      },
      /** Commands Redis ran per request (a script counts once, with the commands it calls). */
      redisCommandsPerRequest: Math.round((this.redisCommands / Math.max(1, this.requests)) * 10) / 10,
      logBytesPerRequest: Math.round(this.logBytes / Math.max(1, this.requests)),
      rssPeakBytes: this.rssPeakBytes,
      windows: this.windows,
    }
  }
}

export interface SliceOptions {
  target: Target
  redisPid: number
  /** Any connection to the same Redis: its INFO counts the commands the slice caused. */
  redis: { info(section: 'stats'): Promise<string> }
  method: string
  apiKey?: string
  connections: number
  seconds: number
  next: NextRequest
  /** The number of the first request of this slice; the returned value is the next free one. */
  from: number
  /** Where the slice is added; none for a warm-up. */
  tally?: Tally
}

/** Drives `connections` keep-alive connections at the target for `seconds` with autocannon. */
export async function slice(opts: SliceOptions): Promise<number> {
  let n = opts.from
  const headers: Record<string, string> = opts.apiKey ? { authorization: `Bearer ${opts.apiKey}` } : {}
  if (opts.method !== 'GET') headers['content-type'] = 'application/json'
  const t = opts.tally
  // Counters are read before the load starts: autocannon sends as soon as it is created.
  const commands = async () => Number(/total_commands_processed:(\d+)/.exec(await opts.redis.info('stats'))?.[1] ?? 0)
  const logSize = () => statSync(opts.target.logFile).size
  const commandsBefore = t ? await commands() : 0
  const logBefore = t ? logSize() : 0
  const before = { server: procStats(opts.target.pid), redis: procStats(opts.redisPid), loadgen: process.cpuUsage() }
  const fromUs = Number(process.hrtime.bigint() / 1000n)
  const instance = autocannon({
    url: opts.target.url,
    connections: opts.connections,
    duration: opts.seconds,
    timeout: 10,
    // A run stops at the first sample after its duration: with the default 1 s, a 0.6 s
    // slice would last a whole second.
    sampleInt: 100,
    requests: [
      {
        method: opts.method,
        headers,
        setupRequest: (req) => {
          const r = opts.next(n++)
          return { ...req, path: r.path, ...(r.body === undefined ? {} : { body: JSON.stringify(r.body) }) }
        },
      },
    ],
  })
  if (!t) {
    await instance
    return n
  }
  instance.on('response', (_client: unknown, _status: number, _bytes: number, ms: number) => {
    t.latency.record(Math.max(1, Math.round(ms * 1000)))
  })
  const sampler = setInterval(
    () => (t.rssPeakBytes = Math.max(t.rssPeakBytes, procStats(opts.target.pid).rssBytes)),
    100,
  )
  const result = await instance
  t.windows.push({ fromUs, toUs: Number(process.hrtime.bigint() / 1000n) })
  clearInterval(sampler)
  const after = {
    server: procStats(opts.target.pid),
    redis: procStats(opts.redisPid),
    loadgen: process.cpuUsage(before.loadgen),
  }
  t.cpuMs.server += after.server.cpuMs - before.server.cpuMs
  t.cpuMs.redis += after.redis.cpuMs - before.redis.cpuMs
  t.cpuMs.loadgen += (after.loadgen.user + after.loadgen.system) / 1000
  t.rssPeakBytes = Math.max(t.rssPeakBytes, after.server.rssBytes)
  t.redisCommands += (await commands()) - commandsBefore - 1 // less the first INFO
  t.logBytes += logSize() - logBefore
  t.requests += result.requests.total
  t.seconds += result.duration
  const add = (k: string, v: number) => (t.statuses[k] = (t.statuses[k] ?? 0) + v)
  for (const [code, { count }] of Object.entries(result.statusCodeStats)) add(code, Number(count))
  if (result.errors > result.timeouts) add('errors', result.errors - result.timeouts)
  if (result.timeouts > 0) add('timeouts', result.timeouts)
  return n
}

/**
 * Slices of one target and request kind, one after another: each picks up the request numbering
 * where the last stopped (the floor's slices between a scenario's, for instance).
 */
export function sliceSeries(
  opts: Omit<SliceOptions, 'seconds' | 'from' | 'tally'>,
): (seconds: number, tally?: Tally) => Promise<void> {
  let from = 0
  return async (seconds, tally) => {
    from = await slice({ ...opts, seconds, from, ...(tally ? { tally } : {}) })
  }
}
