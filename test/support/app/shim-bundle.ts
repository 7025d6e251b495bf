import { randomUUID } from 'node:crypto'
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { build } from 'esbuild'
import { shimBuildOptions } from '../../../scripts/shim-build-options.ts'

export type ConnectHandler = (
  event: unknown,
  context?: { getRemainingTimeInMillis?: () => number },
) => Promise<Record<string, string>>

export interface ShimBundle {
  path: string
  bytes: number
  /** Imports a fresh copy with `env` set, as a Lambda cold start reads its environment. */
  load(env: Record<string, string | undefined>): Promise<{ handler: ConnectHandler }>
  remove(): void
}

/** Bundles shims/<name>.ts exactly as `npm run build` does, into a temp dir. */
export async function bundleShim(name: string): Promise<ShimBundle> {
  const dir = mkdtempSync(join(tmpdir(), 'pinline-shim-'))
  const result = await build({ ...shimBuildOptions, entryPoints: [`shims/${name}.ts`], outdir: dir })
  const path = join(dir, `${name}.mjs`)
  const bytes = Object.values(result.metafile.outputs)[0]!.bytes
  return {
    path,
    bytes,
    async load(env) {
      // A copy per load: ESM caches modules by URL, and each load must read env afresh.
      const copy = join(dir, `${name}-${randomUUID()}.mjs`)
      copyFileSync(path, copy)
      const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]))
      try {
        for (const [k, v] of Object.entries(env)) {
          if (v === undefined) delete process.env[k]
          else process.env[k] = v
        }
        return await import(pathToFileURL(copy).href)
      } finally {
        for (const [k, v] of Object.entries(saved)) {
          if (v === undefined) delete process.env[k]
          else process.env[k] = v
        }
      }
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  }
}
