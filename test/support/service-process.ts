import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { fileURLToPath } from 'node:url'
import { setTimeout as sleep } from 'node:timers/promises'
import { freePort } from './free-port.ts'

export type ServiceProcess = {
  url: string
  /** Everything the process wrote to stdout and stderr so far (pino JSON lines). */
  logs(): string
  /** SIGTERM: graceful shutdown; resolves once the process has exited. */
  stop(): Promise<void>
  /** SIGKILL: a crash. */
  kill(): Promise<void>
}

const SERVER = fileURLToPath(new URL('../../services/auth/src/server.ts', import.meta.url))
const READY_TIMEOUT_MS = 15_000

// A failing test must not leave servers behind.
const live = new Set<ChildProcess>()
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL')
})

/**
 * Runs the real service (`node services/auth/src/server.ts`) on 127.0.0.1 with exactly `env`
 * (plus PATH, HOME, HOST and a free PORT unless given), and resolves once /healthz answers.
 */
export async function startService(env: Record<string, string>): Promise<ServiceProcess> {
  const port = env.PORT ?? String(await freePort())
  const childEnv = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', HOST: '127.0.0.1', ...env, PORT: port }
  const child = spawn(process.execPath, [SERVER], { env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] })
  live.add(child)
  let output = ''
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()))
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()))
  const exited = once(child, 'exit').then(() => void live.delete(child))

  const terminate = async (signal: NodeJS.Signals) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal)
    await exited
  }

  const url = `http://127.0.0.1:${port}`
  const deadline = Date.now() + READY_TIMEOUT_MS
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the service exited with ${child.exitCode} before answering /healthz:\n${output}`)
    const ok = await fetch(`${url}/healthz`).then((r) => r.ok, () => false)
    if (ok) break
    if (Date.now() > deadline) {
      await terminate('SIGKILL')
      throw new Error(`the service did not answer /healthz within ${READY_TIMEOUT_MS} ms:\n${output}`)
    }
    await sleep(50)
  }

  return { url, logs: () => output, stop: () => terminate('SIGTERM'), kill: () => terminate('SIGKILL') }
}
