// Run by bench/lib/shims.ts in a process of its own (a shim reads its env once, at
// import). Calls the shim's handler and the same POST made directly, one at a time
// as Lambda does, alternating so drift hits both alike; prints JSON.
import { createHistogram } from 'node:perf_hooks'
import { pathToFileURL } from 'node:url'
import { shimProbes } from './lib/channel-events.ts'

const env = (name: string) => process.env[name] ?? ''
const probe = shimProbes[env('BENCH_PROBE')]
if (!probe) throw new Error(`no probe for ${env('BENCH_PROBE')}`)
const event = probe.event({ phone: env('BENCH_PHONE'), email: env('BENCH_EMAIL') })
const url = new URL(probe.path, env('AUTH_SERVICE_URL')).toString()
const init = {
  method: 'POST',
  headers: { 'content-type': 'application/json', authorization: `Bearer ${env('AUTH_SERVICE_API_KEY')}` },
  body: JSON.stringify(event),
}

async function direct(): Promise<{ status: number; body: unknown }> {
  const res = await fetch(url, init)
  return { status: res.status, body: await res.json() }
}

const first = await direct()
if (first.status < 200 || first.status > 299) {
  console.log(JSON.stringify({ skipped: `${probe.path} answered ${first.status} (route not on this build?)` }))
  process.exit(0)
}

const { handler } = (await import(pathToFileURL(env('BENCH_SHIM')).href)) as {
  handler(event: unknown): Promise<unknown>
}
// A shim that answers with its fallback is fast for the wrong reason: refuse to time it.
const viaShim = await handler(event)
if (JSON.stringify(viaShim) !== JSON.stringify(first.body)) {
  console.log(
    JSON.stringify({
      skipped: `the shim's answer differs from the service's: ${JSON.stringify(viaShim).slice(0, 200)}`,
    }),
  )
  process.exit(0)
}
const hist = { shim: createHistogram(), direct: createHistogram() }
const CALLS = 300
const WARM = 50

async function time(kind: 'shim' | 'direct', record: boolean): Promise<void> {
  const t = process.hrtime.bigint()
  if (kind === 'shim') await handler(event)
  else await direct()
  if (record) hist[kind].record(Math.max(1, Number((process.hrtime.bigint() - t) / 1000n)))
}

for (let i = 0; i < WARM + CALLS; i++) {
  await time('shim', i >= WARM)
  await time('direct', i >= WARM)
}

const ms = (us: number) => Math.round(us / 10) / 100
console.log(
  JSON.stringify({
    shimP50Ms: ms(hist.shim.percentile(50)),
    shimP99Ms: ms(hist.shim.percentile(99)),
    directP50Ms: ms(hist.direct.percentile(50)),
    directP99Ms: ms(hist.direct.percentile(99)),
    addedP50Ms: ms(hist.shim.percentile(50) - hist.direct.percentile(50)),
    calls: CALLS,
  }),
)
