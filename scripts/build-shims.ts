// Bundles each Lambda shim (shims/<name>.ts) into one ESM file, dist/shims/<name>.mjs,
// for the nodejs24.x runtime, and reports its size. The deploy app's tests call buildShims
// in-process; `npm run build` and `npm run synth` run this file.
import { readdir } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'
import { shimBuildOptions } from './shim-build-options.ts'

const root = new URL('../', import.meta.url)

/** Writes <outdir>/<name>.mjs for every shim; returns each output file and its size in bytes. */
export async function buildShims(outdir = 'dist/shims'): Promise<Record<string, number>> {
  const entries = (await readdir(new URL('shims/', root)).catch(() => []))
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts') && !f.startsWith('_'))
    .map((f) => `shims/${f}`)
  const result = await build({ ...shimBuildOptions, entryPoints: entries, outdir, absWorkingDir: fileURLToPath(root) })
  return Object.fromEntries(Object.entries(result.metafile.outputs).map(([file, out]) => [file, out.bytes]))
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  for (const [file, bytes] of Object.entries(await buildShims())) {
    process.stdout.write(`${file}  ${(bytes / 1024).toFixed(1)} KiB\n`)
  }
}
