// The CDK app (cdk.json: `node deploy/bin/pinline.ts`). Context values come from -c key=value,
// cdk.json, or the JSON file named by `-c config=<file>` (npm run synth uses
// deploy/cdk.context.example.json, npm run deploy deploy/cdk.context.json); -c wins.
import { existsSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { App } from 'aws-cdk-lib'
import { buildPinline } from '../lib/pinline.ts'
import { readSettings, unknownContextKeys } from '../lib/settings.ts'

const app = new App()
const file = app.node.tryGetContext('config') as string | undefined
if (file && !existsSync(file)) {
  throw new Error(
    `context file ${file} not found: copy deploy/cdk.context.example.json to it and fill in your values (docs/deploy.md)`,
  )
}
const fromFile = (file ? JSON.parse(readFileSync(file, 'utf8')) : {}) as Record<string, unknown>
const unknown = unknownContextKeys(fromFile)
if (unknown.length > 0)
  throw new Error(`${file}: unknown keys ${unknown.join(', ')} (docs/deploy.md lists the context values)`)
const settings = readSettings((key) => app.node.tryGetContext(key) ?? fromFile[key])
buildPinline(app, settings, {
  repoRoot: fileURLToPath(new URL('../../', import.meta.url)),
  shimBundleDir: fileURLToPath(new URL('../../dist/shims/', import.meta.url)),
})
app.synth()
