import type { BuildOptions } from 'esbuild'

/** How every Lambda shim is bundled: one ESM file for the nodejs24.x runtime. Tests bundle the same way. */
export const shimBuildOptions = {
  outExtension: { '.js': '.mjs' },
  bundle: true,
  platform: 'node',
  target: 'node24',
  format: 'esm',
  minify: true,
  sourcemap: false,
  metafile: true,
  legalComments: 'none',
} as const satisfies BuildOptions
