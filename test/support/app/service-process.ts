import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { fileURLToPath } from 'node:url'
import { setTimeout as sleep } from 'node:timers/promises'
import { freePort } from './free-port.ts'

export type ServiceProcess = {
  url: string
  port: number
  /** Everything the process wrote to stdout and stderr so far (pino JSON lines). */
  logs(): string
  /**
   * SIGTERM (graceful close), then SIGKILL after 10 s; resolves once exited. Safe to call twice.
   * A client socket that connected but never sent a request holds a graceful close open.
   */
  stop(): Promise<void>
  /** SIGKILL: a crash. Resolves once exited. */
  kill(): Promise<void>
}

const SERVER = fileURLToPath(new URL('../../../services/auth/src/server.ts', import.meta.url))
const READY_TIMEOUT_MS = 15_000
const LOG_LIMIT = 4 * 1024 * 1024

// Children still running when the test process exits are killed, so a failed test leaves none behind.
const live = new Set<ChildProcess>()
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL')
})

/**
 * Starts the real server (`node services/auth/src/server.ts`) with exactly `env` (plus PATH, HOME,
 * and a free PORT and HOST=127.0.0.1 unless given) and resolves once /healthz answers 200. The
 * server waits for its first Redis connection before it listens, so with Redis up it is ready;
 * with Redis down (fault tests) it still starts, as in production.
 */
export async function startService(env: Record<string, string>): Promise<ServiceProcess> {
  const port = Number(env.PORT ?? (await freePort()))
  const host = env.HOST ?? '127.0.0.1'
  const url = `http://${host}:${port}`
  const child = spawn(process.execPath, [SERVER], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env, PORT: String(port), HOST: host },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  live.add(child)
  let output = ''
  const collect = (chunk: Buffer) => {
    if (output.length < LOG_LIMIT) output += chunk.toString()
  }
  child.stdout?.on('data', collect)
  child.stderr?.on('data', collect)
  const exited = once(child, 'exit').then(() => void live.delete(child))

  const running = () => child.exitCode === null && child.signalCode === null
  const stop = async () => {
    if (!running()) return exited
    child.kill('SIGTERM')
    const killer = setTimeout(() => child.kill('SIGKILL'), 10_000)
    await exited
    clearTimeout(killer)
  }
  const kill = async () => {
    if (running()) child.kill('SIGKILL')
    await exited
  }

  const deadline = Date.now() + READY_TIMEOUT_MS
  for (;;) {
    if (!running()) {
      throw new Error(
        `the service exited (${child.exitCode ?? child.signalCode}) before it was ready:\n${output.slice(-4000)}`,
      )
    }
    const ready = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(1000) }).then(
      (r) => r.ok,
      () => false,
    )
    if (ready) break
    if (Date.now() > deadline) {
      await stop()
      throw new Error(`the service was not ready within ${READY_TIMEOUT_MS} ms:\n${output.slice(-4000)}`)
    }
    await sleep(100)
  }
  return { url, port, logs: () => output, stop, kill }
}
