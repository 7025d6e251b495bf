import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import {
  renderSchemaModule,
  renderSchemaModules,
  SCHEMA_SOURCE_DIR,
  schemaModuleFiles,
} from '../../scripts/build-schemas.ts'

// The built service loads schemas/*.js as npm run build generates them (JSON literals), not the
// typebox modules they come from: what ajv, the serialiser and the OpenAPI document get must be
// what the source declares, export for export.
const dir = mkdtempSync(join(tmpdir(), 'pinline-schemas-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('the schema modules npm run build generates', () => {
  it('cover the route, config and menu-file schemas', async () => {
    const files = await schemaModuleFiles()
    expect(files).toEqual(expect.arrayContaining(['common.ts', 'env.ts', 'menu-file.ts', 'pins.ts', 'sessions.ts']))
  })

  it('export the same names and the same schemas as the typebox source', async () => {
    for (const [file, text] of await renderSchemaModules()) {
      const source = (await import(new URL(file, SCHEMA_SOURCE_DIR).href)) as Record<string, unknown>
      const target = join(dir, file.replace(/\.ts$/, '.mjs'))
      writeFileSync(target, text)
      const generated = (await import(pathToFileURL(target).href)) as Record<string, unknown>
      expect(Object.keys(generated), file).toEqual(Object.keys(source))
      for (const name of Object.keys(source)) {
        // Deep equality over enumerable keys: what ajv and @fastify/swagger read of a typebox schema.
        expect(generated[name], `${file}: ${name}`).toStrictEqual(source[name])
        expect(JSON.stringify(generated[name]), `${file}: ${name}`).toBe(JSON.stringify(source[name]))
      }
    }
  })

  it('import nothing, so the built service does not load typebox through them', async () => {
    for (const [file, text] of await renderSchemaModules()) {
      expect(text, file).not.toMatch(/\bimport\b|\brequire\(/)
    }
  })

  it('refuse a schema JSON cannot carry unchanged, rather than emit a different one', () => {
    expect(() => renderSchemaModule('x.ts', { f: () => 1 })).toThrow(/x\.ts: f: a function has no JSON form/)
    expect(() => renderSchemaModule('x.ts', { S: { type: 'string', default: undefined } })).toThrow(
      /x\.ts: S\.default: a undefined/,
    )
    expect(() => renderSchemaModule('x.ts', { S: { pattern: /^a$/ } })).toThrow(/S\.pattern: a RegExp object/)
    expect(() => renderSchemaModule('x.ts', { S: { maximum: Number.POSITIVE_INFINITY } })).toThrow(/Infinity/)
  })

  it('are the only service modules that build schemas: nothing else imports typebox or the schema helpers at run time', () => {
    const src = fileURLToPath(new URL('../../services/auth/src/', import.meta.url))
    const offenders = readdirSync(src, { recursive: true, encoding: 'utf8' })
      .filter((f) => f.endsWith('.ts') && !f.startsWith('schemas/'))
      .filter((f) => {
        const code = readFileSync(join(src, f), 'utf8')
        // A value import (not `import type`) of typebox, or of what builds the schemas with it.
        return /^import\s+(?!type\s)[^;'"]*?from\s+'(typebox(\/[^']*)?|[^']*schemas\/helpers\/[^']*)'/m.test(code)
      })
    expect(offenders).toEqual([])
  })
})
