import { readFileSync } from 'node:fs'
import { join } from 'node:path'

/**
 * How the image starts the service, read from the Dockerfile's last stage, so that a bench of the
 * built service (BENCH_BUILT=1) runs what the image runs: the Node/V8 flags of its CMD (between
 * `node` and the entry) and its runtime ENV, less what the bench sets itself (NODE_ENV, PORT).
 */
export function imageRuntime(root: string): { nodeArgs: string[]; env: Record<string, string> } {
  const dockerfile = readFileSync(join(root, 'Dockerfile'), 'utf8').replace(/\\\n/g, ' ')
  const lastStage = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '))
  const cmd = /^CMD\s+(\[.*\])\s*$/m.exec(lastStage)?.[1]
  if (!cmd) throw new Error('Dockerfile: no CMD ["node", ...] in the last stage')
  const [node, ...rest] = JSON.parse(cmd) as string[]
  if (node !== 'node') throw new Error(`Dockerfile: CMD starts ${node}, not node`)
  const env: Record<string, string> = {}
  for (const [, line] of lastStage.matchAll(/^ENV\s+(.*)$/gm))
    for (const [, name, value] of (line ?? '').matchAll(/([A-Z_][A-Z0-9_]*)=("[^"]*"|\S*)/g))
      if (name !== 'NODE_ENV' && name !== 'PORT') env[name!] = value!.replace(/^"|"$/g, '')
  return { nodeArgs: rest.slice(0, -1), env }
}
