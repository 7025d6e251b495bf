import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { App } from 'aws-cdk-lib'
import { buildShims } from '../../scripts/build-shims.ts'
import { buildPinline } from '../../deploy/lib/pinline.ts'
import { readSettings, type Settings } from '../../deploy/lib/settings.ts'

export const repoRoot = fileURLToPath(new URL('../../', import.meta.url))

/** The checked-in example context: what `npm run synth` uses. */
export function exampleContext(): Record<string, unknown> {
  return JSON.parse(readFileSync(new URL('../../deploy/cdk.context.example.json', import.meta.url), 'utf8'))
}

export type Json = any

export interface Synthesized {
  settings: Settings
  templates: { data: Json; app: Json }
  stackNames: { data: string; app: string }
  outdir: string
  /** Warnings and errors CDK attached to constructs while synthesising (level, construct path, text). */
  messages: Array<{ level: string; id: string; entry: string }>
  /** The cloud assembly's policy-validation report (cdk-nag's findings). */
  validationReport: Json
  /** Directory of a staged asset, by the asset's id (the hash in the template). */
  assetDir(hash: string): string
  remove(): void
}

/**
 * Bundles the shims as `npm run build` does and synthesises the whole app once, in-process,
 * with the example context plus `overrides`, cdk-nag included (synthesis throws on an
 * unacknowledged finding). No AWS, no Docker: the image asset is only staged.
 */
export async function synthesize(overrides: Record<string, unknown> = {}): Promise<Synthesized> {
  const dir = mkdtempSync(join(tmpdir(), 'pinline-cdk-'))
  const shimBundleDir = join(dir, 'shims')
  await buildShims(shimBundleDir)
  const context = { ...exampleContext(), ...overrides }
  const settings = readSettings((key) => context[key])
  const outdir = join(dir, 'cdk.out')
  const app = new App({ outdir, context: { '@aws-cdk/core:defaultCrossStackReferences': 'strong' } })
  const stacks = buildPinline(app, settings, { repoRoot, shimBundleDir })
  const assembly = app.synth()
  return {
    settings,
    templates: {
      data: assembly.getStackByName(stacks.data.stackName).template,
      app: assembly.getStackByName(stacks.app.stackName).template,
    },
    stackNames: { data: stacks.data.stackName, app: stacks.app.stackName },
    outdir,
    messages: assembly.stacks.flatMap((stack) =>
      stack.messages.map((m) => ({ level: m.level, id: m.id, entry: String(m.entry.data) })),
    ),
    validationReport: JSON.parse(readFileSync(join(outdir, 'validation-report.json'), 'utf8')),
    assetDir: (hash) => join(outdir, stagedAssetPath(outdir, hash)),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  }
}

/**
 * Where the cloud assembly staged an asset, as its asset manifests say. Not always `asset.<hash>`:
 * a directory staged from a path with a dot in its name (a checkout in /tmp/tmp.XXXX) gets that
 * "extension" appended.
 */
function stagedAssetPath(outdir: string, hash: string): string {
  for (const name of readdirSync(outdir).filter((n) => n.endsWith('.assets.json'))) {
    const manifest = JSON.parse(readFileSync(join(outdir, name), 'utf8'))
    const source = manifest.files?.[hash]?.source ?? manifest.dockerImages?.[hash]?.source
    if (source) return source.path ?? source.directory
  }
  throw new Error(`no asset ${hash} in the assembly's manifests`)
}

/** Every resource of `type` in a template, with its logical id. */
export function resources(template: Json, type: string): Array<{ id: string; Properties: Json; [k: string]: Json }> {
  return Object.entries(template.Resources as Record<string, Json>)
    .filter(([, r]) => r.Type === type)
    .map(([id, r]) => ({ id, ...r }))
}

/** Every IAM statement in a template: identity policies, role trust policies, key policies. */
export function statements(template: Json): Array<{ where: string; statement: Json }> {
  const found: Array<{ where: string; statement: Json }> = []
  const add = (where: string, doc: Json) => {
    for (const statement of [doc?.Statement ?? []].flat()) found.push({ where, statement })
  }
  for (const [id, r] of Object.entries(template.Resources as Record<string, Json>)) {
    const p = r.Properties ?? {}
    if (p.PolicyDocument) add(id, p.PolicyDocument)
    if (p.KeyPolicy) add(id, p.KeyPolicy)
    if (p.AssumeRolePolicyDocument) add(id, p.AssumeRolePolicyDocument)
    for (const policy of p.Policies ?? []) add(id, policy.PolicyDocument)
  }
  return found
}

/**
 * A Fn::Join of strings and intrinsics as one string, each intrinsic replaced by `stand(in)`:
 * what the deployed value looks like once CloudFormation fills in the references.
 */
export function joined(value: Json, stand: (intrinsic: Json) => string): string {
  if (typeof value === 'string') return value
  if (value?.['Fn::Join']) {
    const [sep, parts] = value['Fn::Join']
    return (parts as Json[]).map((p) => joined(p, stand)).join(sep)
  }
  return stand(value)
}
