import { expect } from 'vitest'
import { expectStringMap } from '../events/connect-events.ts'
import type { Json } from '../events/load.ts'
import { auth, type TestApp } from './test-app.ts'

/** POSTs a Connect event as the shim does; every answer must be a 200 STRING_MAP. */
export async function postConnect(t: Pick<TestApp, 'app'>, event: unknown): Promise<Record<string, string>> {
  const res = await t.app.inject({
    method: 'POST',
    url: '/v1/channels/connect',
    headers: auth,
    payload: event as object,
  })
  expect(res.statusCode).toBe(200)
  return expectStringMap(res.json())
}

/** POSTs a Lex event as the shim does; every answer must be a 200 (the bot speaks even of failures). */
export async function postLex(t: Pick<TestApp, 'app'>, event: unknown): Promise<Json> {
  const res = await t.app.inject({ method: 'POST', url: '/v1/channels/lex', headers: auth, payload: event as object })
  expect(res.statusCode).toBe(200)
  return res.json()
}
