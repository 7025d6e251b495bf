// Builds the browser playground (web/) into dist/web: index.html, app.css and one ES module,
// app.js, with the contact flow (connect/pinline-caller-auth.json) and the AWS SDK clients in it.
// `npm run build` runs it; the test setup runs it too, so the tests drive the page as it is now.
import { randomUUID } from 'node:crypto'
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises'
import { basename } from 'node:path'
import { fileURLToPath } from 'node:url'
import * as esbuild from 'esbuild'

export const webOut = fileURLToPath(new URL('../dist/web/', import.meta.url))
const web = (path: string) => fileURLToPath(new URL(`../web/${path}`, import.meta.url))

export async function buildWeb(opts: { quiet?: boolean } = {}): Promise<void> {
  await mkdir(webOut, { recursive: true })
  const result = await esbuild.build({
    entryPoints: { app: web('src/main.ts') },
    outdir: webOut,
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: ['chrome120', 'firefox120', 'safari17'],
    minify: true,
    sourcemap: 'linked',
    legalComments: 'linked',
    metafile: true,
    write: false,
    // The package maps its entry to a browser build in its "browser" field with a key esbuild does
    // not match against "module"; without this the Node providers (fs, child_process) come along.
    alias: { '@aws-sdk/credential-providers': '@aws-sdk/credential-providers/dist-es/index.browser.js' },
    logLevel: opts.quiet ? 'error' : 'warning',
  })
  // Each file replaced in one step: a server or a test reading dist/web never sees half of one.
  const files = [
    ...result.outputFiles.map((f) => ({ name: basename(f.path), contents: f.contents })),
    { name: 'index.html', contents: await readFile(web('index.html')) },
    { name: 'app.css', contents: await readFile(web('src/style.css')) },
  ]
  for (const { name, contents } of files) {
    const tmp = `${webOut}.${name}.${randomUUID()}.tmp`
    await writeFile(tmp, contents)
    await rename(tmp, `${webOut}${name}`)
  }
  if (!opts.quiet) {
    const bytes = Object.entries(result.metafile.outputs).find(([f]) => f.endsWith('app.js'))?.[1].bytes ?? 0
    process.stdout.write(`dist/web/app.js  ${(bytes / 1024).toFixed(0)} KiB\n`)
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await buildWeb()
