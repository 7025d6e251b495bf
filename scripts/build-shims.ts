// Bundles each Lambda shim (shims/<name>.ts) into one ESM file, dist/shims/<name>.mjs,
// for the nodejs24.x runtime, and reports its size.
import { readdir } from 'node:fs/promises'
import { build } from 'esbuild'
import { shimBuildOptions } from './shim-build-options.ts'

const entries = (await readdir(new URL('../shims/', import.meta.url)).catch(() => []))
  .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts') && !f.startsWith('_'))
  .map((f) => `shims/${f}`)

const result = await build({ ...shimBuildOptions, entryPoints: entries, outdir: 'dist/shims' })
for (const [file, out] of Object.entries(result.metafile.outputs)) {
  process.stdout.write(`${file}  ${(out.bytes / 1024).toFixed(1)} KiB\n`)
}
