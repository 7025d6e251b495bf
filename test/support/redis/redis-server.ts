import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { freePort } from '../app/free-port.ts'
import { sweepLeftovers, TEMP_PREFIX } from './redis-leftovers.ts'
import { pingRedis } from './redis-ping.ts'

export type RedisServerOptions = {
  appendonly?: boolean
  dir?: string
  port?: number
  /** AUTH password (`--requirepass`); `url` stays without it. */
  requirepass?: string
  /** More redis-server arguments (e.g. cluster mode, replicaof). */
  extraArgs?: string[]
}

export type RedisProcess = {
  url: string
  port: number
  dir: string
  /** SIGTERM (Redis flushes the AOF and exits cleanly); resolves once the process has exited. */
  stop(): Promise<void>
  /** SIGKILL: a crash, nothing is flushed beyond what `appendfsync always` already wrote. */
  kill(): Promise<void>
  /** Starts again on the same port and dir (stopping first if still running), e.g. to test AOF persistence. */
  restart(): Promise<void>
  /** SIGSTOP / SIGCONT: a process that is alive but answers nothing (a stalled replica). */
  pause(): void
  resume(): void
}

const READY_TIMEOUT_MS = 10_000

// On a normal exit, kill stray servers and remove our temp dirs so a failing test leaves nothing
// behind. Processes ended by a signal skip this; sweepLeftovers() catches those on a later run.
const live = new Set<ChildProcess>()
const ownedDirs = new Set<string>()
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL')
  for (const dir of ownedDirs) rmSync(dir, { recursive: true, force: true })
})

/** Spawns the `redis-server` binary on 127.0.0.1 and resolves once it answers PING. */
export async function startRedisServer(opts: RedisServerOptions = {}): Promise<RedisProcess> {
  sweepLeftovers()
  const port = opts.port ?? (await freePort())
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), TEMP_PREFIX))
  if (opts.dir === undefined) ownedDirs.add(dir)
  const url = `redis://127.0.0.1:${port}`
  const persistence = opts.appendonly
    ? ['--appendonly', 'yes', '--appendfsync', 'always', '--save', '']
    : ['--appendonly', 'no', '--save', '']
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--daemonize', 'no']
  args.push('--pidfile', join(dir, 'redis.pid'), ...persistence, ...(opts.extraArgs ?? []))
  if (opts.requirepass !== undefined) args.push('--requirepass', opts.requirepass)
  const pingUrl =
    opts.requirepass === undefined ? url : `redis://:${encodeURIComponent(opts.requirepass)}@127.0.0.1:${port}`

  let child: ChildProcess | undefined

  const launch = async (): Promise<void> => {
    const proc = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] })
    child = proc
    live.add(proc)
    let output = ''
    const collect = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4_000))
    proc.stdout?.on('data', collect)
    proc.stderr?.on('data', collect)
    let exited = false
    let spawnError: Error | undefined
    proc.once('error', (err) => (spawnError = err))
    proc.once('exit', () => {
      exited = true
      live.delete(proc)
    })

    const deadline = Date.now() + READY_TIMEOUT_MS
    for (;;) {
      if (spawnError) throw new Error(`could not run redis-server: ${spawnError.message}`)
      if (exited) throw new Error(`redis-server exited before answering PING on port ${port}:\n${output}`)
      try {
        await pingRedis(pingUrl, 500)
        return
      } catch {
        if (Date.now() > deadline) {
          proc.kill('SIGKILL')
          throw new Error(`redis-server did not answer PING on port ${port} within ${READY_TIMEOUT_MS} ms:\n${output}`)
        }
        await sleep(50)
      }
    }
  }

  const terminate = async (signal: NodeJS.Signals): Promise<void> => {
    const proc = child
    child = undefined
    if (!proc || proc.pid === undefined || proc.exitCode !== null || proc.signalCode !== null) return
    const exited = once(proc, 'exit')
    proc.kill(signal)
    await exited
  }

  await launch()
  return {
    url,
    port,
    dir,
    stop: () => terminate('SIGTERM'),
    kill: () => terminate('SIGKILL'),
    restart: async () => {
      await terminate('SIGTERM')
      await launch()
    },
    pause: () => void child?.kill('SIGSTOP'),
    resume: () => void child?.kill('SIGCONT'),
  }
}
