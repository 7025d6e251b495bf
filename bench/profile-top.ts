// Summarises a V8 .cpuprofile (from BENCH_CPU_PROF=1 npm run bench): where the
// service's CPU went, by function (self time) and by package. With a scenario name,
// only the samples taken while that scenario's measured load ran (from results.json).
// Usage: node bench/profile-top.ts bench/profiles/<file>.cpuprofile ['scenario name'] [rows]
import { readFileSync } from 'node:fs'
import { parseArgs } from 'node:util'

interface ProfileNode {
  id: number
  callFrame: { functionName: string; url: string; lineNumber: number }
}
interface Profile {
  nodes: ProfileNode[]
  startTime: number
  samples: number[]
  timeDeltas: number[]
}

const { positionals } = parseArgs({ allowPositionals: true })
const [file, scenario, rowsArg] = positionals
if (!file) throw new Error("usage: node bench/profile-top.ts <file.cpuprofile> ['scenario name'] [rows]")
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile
const rows = Number(rowsArg ?? 25)

// Both clocks are CLOCK_MONOTONIC in µs: V8's sample stamps and the bench's hrtime windows.
type Window = { fromUs: number; toUs: number }
let windows: Window[] = [{ fromUs: -Infinity, toUs: Infinity }]
if (scenario) {
  const results = JSON.parse(readFileSync(new URL('results.json', import.meta.url), 'utf8')) as {
    scenarios: Array<{ name: string; windows: Window[] }>
  }
  const found = results.scenarios.find((s) => s.name.includes(scenario))
  if (!found) throw new Error(`no scenario matching "${scenario}" in bench/results.json`)
  windows = found.windows
}

// Self time per node: the sample's time delta goes to the node that was on top of the stack.
const selfUs = new Map<number, number>()
let at = profile.startTime
profile.samples.forEach((id, i) => {
  at += profile.timeDeltas[i] ?? 0
  if (windows.some((w) => at >= w.fromUs && at <= w.toUs))
    selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0))
})
const byId = new Map(profile.nodes.map((n) => [n.id, n]))

const where = (url: string) => {
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)?.[1]
  if (pkg) return pkg
  if (url.includes('/services/')) return 'pinline'
  return url.startsWith('node:') ? 'node' : url === '' ? '(native/VM)' : url.split('/').slice(-2).join('/')
}

const byFunction = new Map<string, number>()
const byPackage = new Map<string, number>()
let total = 0
for (const [id, us] of selfUs) {
  const f = byId.get(id)?.callFrame
  if (!f) continue
  total += us
  const name = `${f.functionName || '(anonymous)'}  ${f.url.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*\/services\//, 'services/')}:${f.lineNumber + 1}`
  byFunction.set(name, (byFunction.get(name) ?? 0) + us)
  byPackage.set(where(f.url), (byPackage.get(where(f.url)) ?? 0) + us)
}

const print = (title: string, m: Map<string, number>) => {
  process.stdout.write(`\n${title}\n`)
  for (const [k, us] of [...m].sort((a, b) => b[1] - a[1]).slice(0, rows)) {
    process.stdout.write(
      `${((us / total) * 100).toFixed(1).padStart(5)}%  ${(us / 1000).toFixed(0).padStart(6)} ms  ${k}\n`,
    )
  }
}
process.stdout.write(`${(total / 1000).toFixed(0)} ms sampled`)
print('By package (self time):', byPackage)
print('By function (self time):', byFunction)
