import { readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/**
 * Temp dirs are named pinline-redis-<owner pid>-XXXXXX and hold redis.pid. Vitest ends its fork
 * workers with SIGTERM, so process 'exit' hooks do not run there; instead each new process sweeps
 * what dead owners left: it kills their orphaned redis-server (by pid, after checking it is one)
 * and removes the dir.
 */
export const TEMP_PREFIX = `pinline-redis-${process.pid}-`

let swept = false

export function sweepLeftovers(): void {
  if (swept) return
  swept = true
  for (const name of readdirSync(tmpdir())) {
    const owner = Number(/^pinline-redis-(\d+)-/.exec(name)?.[1])
    if (!owner || isAlive(owner)) continue
    const dir = join(tmpdir(), name)
    const pid = Number(readOr(join(dir, 'redis.pid'), '').trim())
    // /proc check guards against a recycled pid; where /proc is missing we leave the process be.
    if (pid && readOr(`/proc/${pid}/cmdline`, '').includes('redis-server')) {
      try {
        process.kill(pid, 'SIGKILL')
      } catch {
        // already gone
      }
    }
    rmSync(dir, { recursive: true, force: true })
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}

function readOr(path: string, fallback: string): string {
  try {
    return readFileSync(path, 'utf8')
  } catch {
    return fallback
  }
}
