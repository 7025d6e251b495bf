import { execFileSync, spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { openSync, readFileSync } from 'node:fs'
import { setTimeout as sleep } from 'node:timers/promises'

export interface NodeProcess {
  pid: number
  url: string
  logFile: string
  /** SIGTERM, then waits for the exit (a --cpu-prof profile is written on a clean exit). */
  stop(): Promise<void>
}

const live = new Set<ChildProcess>()
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL')
})

/**
 * Runs `node <file>` with `env` and waits until GET `readyPath` answers 200. Output
 * goes to a file, not a pipe: reading a pipe would cost this (load-generating)
 * process CPU on every log line the server writes.
 */
export async function startNode(
  file: string,
  opts: { port: number; env: Record<string, string>; logFile: string; readyPath: string; nodeArgs?: string[] },
): Promise<NodeProcess> {
  const out = openSync(opts.logFile, 'w')
  const child = spawn(process.execPath, [...(opts.nodeArgs ?? []), file], {
    env: { ...process.env, ...opts.env, PORT: String(opts.port), HOST: '127.0.0.1' },
    stdio: ['ignore', out, out],
  })
  live.add(child)
  child.once('exit', () => live.delete(child))
  const url = `http://127.0.0.1:${opts.port}`
  const deadline = Date.now() + 15_000
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${file} exited with ${child.exitCode}:\n${tail(opts.logFile)}`)
    const ok = await fetch(url + opts.readyPath).then(
      (r) => r.ok,
      () => false,
    )
    if (ok) break
    if (Date.now() > deadline) throw new Error(`${file} was not ready within 15 s:\n${tail(opts.logFile)}`)
    await sleep(50)
  }
  return {
    pid: child.pid ?? 0,
    url,
    logFile: opts.logFile,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return
      const exited = once(child, 'exit')
      child.kill('SIGTERM')
      await exited
    },
  }
}

export function tail(file: string, bytes = 4000): string {
  try {
    return readFileSync(file, 'utf8').slice(-bytes)
  } catch {
    return ''
  }
}

const TICKS_PER_SECOND = 100 // USER_HZ on Linux

/** Resident set size and CPU time so far of a process, from /proc (Linux only). */
export function procStats(pid: number): { rssBytes: number; cpuMs: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  const rssKb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0)
  // Fields after the ")" that closes the command name: utime and stime are the 12th and 13th.
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  const ticks = Number(fields[11]) + Number(fields[12])
  return { rssBytes: rssKb * 1024, cpuMs: (ticks * 1000) / TICKS_PER_SECOND }
}

/** Moves a process, all its threads included, onto `cpus` (a taskset list such as "1" or "0,2-3"). */
export function pin(pid: number, cpus: string): void {
  execFileSync('taskset', ['-a', '-cp', cpus, String(pid)], { stdio: 'ignore' })
}

/** The CPUs this process may run on (its affinity within the container's cpuset), by id. */
export function allowedCpus(): number[] {
  const list = /Cpus_allowed_list:\s*(\S+)/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? ''
  return list
    .split(',')
    .filter(Boolean)
    .flatMap((part) => {
      const [from = 0, to = from] = part.split('-').map(Number)
      return Array.from({ length: to - from + 1 }, (_, i) => from + i)
    })
}

export interface CpuLayout {
  server: string
  redis: string
  loadgen: string
}

/**
 * Where each process runs, among the CPUs allowed. The load generator gets a core the
 * servers never use, so what is measured is the server side, not the client. The
 * server under test gets a core of its own, as in a one-vCPU deployment, and Redis the
 * next one; on two cores Redis shares the server's (both sides of the floor's ratio pay
 * that alike). Undefined on one core: everything shares it.
 */
export function cpuLayout(cpus: number[]): CpuLayout | undefined {
  const [loadgen, server, redis] = cpus
  if (loadgen === undefined || server === undefined) return undefined
  if (redis === undefined) return { server: `${server}`, redis: `${server}`, loadgen: `${loadgen}` }
  return { server: `${server}`, redis: `${redis}`, loadgen: [loadgen, ...cpus.slice(3)].join(',') }
}
