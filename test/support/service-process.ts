import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { fileURLToPath } from 'node:url'
import { freePort } from './free-port.ts'

export interface ServiceProcess {
  url: string
  logs(): string
  stop(): Promise<void>
  kill(): Promise<void>
}

const SERVER = fileURLToPath(new URL('../../services/auth/src/server.ts', import.meta.url))

/** Starts the real server (`node services/auth/src/server.ts`) and waits for /healthz. */
export async function startService(env: Record<string, string>): Promise<ServiceProcess> {
  const port = env.PORT ?? String(await freePort())
  let output = ''
  const child: ChildProcess = spawn(process.execPath, [SERVER], {
    env: { PATH: process.env.PATH ?? '', NODE_ENV: 'test', HOST: '127.0.0.1', LOG_LEVEL: 'info', ...env, PORT: port },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()))
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()))
  const url = `http://127.0.0.1:${port}`
  const exited = once(child, 'exit')

  const deadline = Date.now() + 15_000
  for (;;) {
    if (child.exitCode !== null) throw new Error(`service exited with ${child.exitCode}:\n${output}`)
    if (await fetch(`${url}/healthz`).then((r) => r.ok, () => false)) break
    if (Date.now() > deadline) {
      child.kill('SIGKILL')
      throw new Error(`service did not answer /healthz within 15 s:\n${output}`)
    }
    await new Promise((r) => setTimeout(r, 50))
  }

  const end = async (signal: NodeJS.Signals) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal)
    await exited
  }
  return { url, logs: () => output, stop: () => end('SIGTERM'), kill: () => end('SIGKILL') }
}
