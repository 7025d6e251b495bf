import { execFile } from 'node:child_process'
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { promisify } from 'node:util'
import { gzipSync } from 'node:zlib'
import { shimProbes } from './channel-events.ts'

const run = promisify(execFile)
const PROBE = fileURLToPath(new URL('../shim-probe.ts', import.meta.url))

export interface ShimLatency {
  shimP50Ms: number
  shimP99Ms: number
  directP50Ms: number
  directP99Ms: number
  /** p50 through the shim minus p50 of the same POST made directly. */
  addedP50Ms: number
  calls: number
}

export interface ShimFigures {
  name: string
  bytes: number
  gzipBytes: number
  /** Median over fresh `node` processes of the time `await import(shim)` takes. */
  coldImportMs: number
  latency: ShimLatency | { skipped: string }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN

// Timed inside the child, so node's own start-up is left out: only what the shim's bundle costs.
const IMPORT_TIMER =
  'const t = performance.now(); await import(process.env.BENCH_SHIM_URL); console.log(performance.now() - t)'

async function coldImport(file: string, env: Record<string, string>, runs = 5): Promise<number> {
  const times: number[] = []
  for (let i = 0; i < runs; i++) {
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', IMPORT_TIMER], {
      env: { ...process.env, ...env, BENCH_SHIM_URL: pathToFileURL(file).href },
    })
    times.push(Number(stdout.trim()))
  }
  return Math.round(median(times) * 100) / 100
}

/** Size, cold import time and added latency of every bundle in `dir` (dist/shims after a build). */
export async function measureShims(
  dir: string,
  service: { url: string; apiKey: string },
  sample: { phone: string; email: string },
): Promise<ShimFigures[]> {
  const files = (() => {
    try {
      return readdirSync(dir)
        .filter((f) => f.endsWith('.mjs'))
        .sort()
    } catch {
      return []
    }
  })()
  const env = { AUTH_SERVICE_URL: service.url, AUTH_SERVICE_API_KEY: service.apiKey }
  const out: ShimFigures[] = []
  for (const f of files) {
    const file = join(dir, f)
    const name = f.replace(/\.mjs$/, '')
    const latency = shimProbes[name]
      ? await probe(file, name, env, sample)
      : { skipped: 'no probe in bench/channels.ts shimProbes' }
    out.push({
      name,
      bytes: statSync(file).size,
      gzipBytes: gzipSync(readFileSync(file)).length,
      coldImportMs: await coldImport(file, env),
      latency,
    })
  }
  return out
}

async function probe(
  file: string,
  name: string,
  env: Record<string, string>,
  sample: { phone: string; email: string },
): Promise<ShimFigures['latency']> {
  const { stdout } = await run(process.execPath, [PROBE], {
    env: {
      ...process.env,
      ...env,
      BENCH_SHIM: file,
      BENCH_PROBE: name,
      BENCH_PHONE: sample.phone,
      BENCH_EMAIL: sample.email,
    },
  })
  return JSON.parse(stdout) as ShimFigures['latency']
}
