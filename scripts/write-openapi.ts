// npm run openapi: regenerates openapi/openapi.json from the route schemas.
import { writeFile } from 'node:fs/promises'
import { openApiDocument } from '../services/auth/src/openapi-document.ts'

const target = new URL('../openapi/openapi.json', import.meta.url)
await writeFile(target, await openApiDocument())
process.stdout.write(`wrote ${target.pathname}\n`)
