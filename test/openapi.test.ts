import { readFile } from 'node:fs/promises'
import { Validator } from '@seriousme/openapi-schema-validator'
import { describe, expect, it } from 'vitest'
import { openApiDocument } from '../services/auth/src/openapi-document.ts'

describe('openapi/openapi.json', () => {
  it('is exactly what the code generates (run `npm run openapi` after changing a route)', async () => {
    const committed = await readFile(new URL('../openapi/openapi.json', import.meta.url), 'utf8')
    expect(committed).toBe(await openApiDocument())
  })

  it('is a valid OpenAPI 3 document', async () => {
    const doc = JSON.parse(await openApiDocument())
    const result = await new Validator().validate(doc)
    expect(result.errors ?? []).toEqual([])
    expect(result.valid).toBe(true)
    expect(doc.openapi).toMatch(/^3\./)
  })

  it('documents every /v1 route with the bearer scheme and the error body', async () => {
    const doc = JSON.parse(await openApiDocument())
    for (const [path, ops] of Object.entries<
      Record<string, { security?: unknown; responses: Record<string, unknown> }>
    >(doc.paths)) {
      if (!path.startsWith('/v1/')) continue
      for (const op of Object.values(ops)) {
        expect(op.security, path).toEqual([{ apiKey: [] }])
        expect(Object.keys(op.responses), path).toContain('401')
      }
    }
  })
})
