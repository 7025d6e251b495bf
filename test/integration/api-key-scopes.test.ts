import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildTestApp, keysOf, type TestApp } from '../support/app/test-app.ts'
import { connectEvent } from '../support/events/connect-events.ts'
import { lexEvent } from '../support/events/lex-events.ts'

// Finding 1 of the security review: every API key was an admin key.
const SHIM = 'shim-key-0123456789abcdef'
const CRM = 'crm-key-0123456789abcdef'
const OPS = 'ops-key-0123456789abcdef'
const LEGACY = 'legacy-key-0123456789abcdef'
const API_KEYS = `connect-shim:${SHIM}:channels,crm:${CRM}:verify,ops:${OPS}:admin+verify,${LEGACY}`

let t: TestApp
beforeAll(async () => {
  t = await buildTestApp({ API_KEYS, RATE_LIMIT_PER_KEY: '100000', RATE_LIMIT_PER_IP: '100000' }, { logs: true })
})
afterAll(() => t.app.close())

const as = (key: string) => ({ authorization: `Bearer ${key}` })
const profile = {
  firstName: 'Hanako',
  lastName: 'Yamada',
  custLevel: 'Gold',
  language: 'ja',
  email: 'victim@example.com',
}
// The channel routes get real events (test/events/), here a lookup and a menu request.
const connect = connectEvent({ contactId: 'c-scope', phone: '+819012345678', parameters: { action: 'lookup' } })
const lex = lexEvent({ intent: 'GetFoodMenu', sessionId: 's-scope' })

const requests = {
  putCaller: (key: string) =>
    t.app.inject({ method: 'PUT', url: '/v1/callers/+819033330001', headers: as(key), payload: profile }),
  deleteCaller: (key: string) => t.app.inject({ method: 'DELETE', url: '/v1/callers/+819033339999', headers: as(key) }),
  unlock: (key: string) => t.app.inject({ method: 'DELETE', url: '/v1/callers/+819033330001/lock', headers: as(key) }),
  getCaller: (key: string) => t.app.inject({ url: '/v1/callers/+819033339998', headers: as(key) }),
  issuePin: (key: string) =>
    t.app.inject({ method: 'POST', url: '/v1/pins', headers: as(key), payload: { phone: '+819033330002' } }),
  connect: (key: string) =>
    t.app.inject({ method: 'POST', url: '/v1/channels/connect', headers: as(key), payload: connect }),
  lex: (key: string) => t.app.inject({ method: 'POST', url: '/v1/channels/lex', headers: as(key), payload: lex }),
}

describe('scoped API keys (API_KEYS=name:key:scope+scope)', () => {
  it('a channels key (the shims) cannot write the registry, lift a lock, look up callers or send PINs: 403 FORBIDDEN_SCOPE, nothing written', async () => {
    const before = await keysOf(t)
    for (const r of [
      requests.putCaller,
      requests.deleteCaller,
      requests.unlock,
      requests.getCaller,
      requests.issuePin,
    ]) {
      const res = await r(SHIM)
      expect(res.statusCode).toBe(403)
      expect(res.json()).toEqual({ code: 'FORBIDDEN_SCOPE', message: expect.stringContaining('connect-shim') })
    }
    expect(t.sms.sent).toHaveLength(0)
    expect(await keysOf(t)).toEqual(before)
    // ...and the channels still answer it.
    expect((await requests.connect(SHIM)).json().lambdaResult).toBe('Success')
    expect((await requests.lex(SHIM)).statusCode).toBe(200)
  })

  it('a verify key sends PINs and looks callers up, but cannot write the registry, unlock, or call the channels', async () => {
    expect((await requests.issuePin(CRM)).statusCode).toBe(201)
    expect((await requests.getCaller(CRM)).statusCode).toBe(404)
    for (const r of [requests.putCaller, requests.deleteCaller, requests.unlock, requests.connect, requests.lex]) {
      expect((await r(CRM)).json().code).toBe('FORBIDDEN_SCOPE')
    }
  })

  it('an admin key writes the registry and unlocks; the log names the key, never the key itself', async () => {
    expect((await requests.putCaller(OPS)).statusCode).toBe(201)
    expect((await requests.unlock(OPS)).statusCode).toBe(204)
    expect((await requests.connect(OPS)).json().code).toBe('FORBIDDEN_SCOPE')
    const audit = t
      .logs()
      .split('\n')
      .filter((l) => l.includes('by an admin'))
      .map((l) => JSON.parse(l) as Record<string, unknown>)
    expect(audit.map((l) => l.apiKey)).toEqual(['ops', 'ops'])
    expect(t.logs()).not.toContain(OPS)
    expect(t.logs()).not.toContain(SHIM)
  })

  it('a bare key keeps every scope, and the start-up log warns about it by name', async () => {
    expect((await requests.connect(LEGACY)).json().lambdaResult).toBe('Success')
    expect((await requests.getCaller(LEGACY)).statusCode).toBe(404)
    expect((await requests.deleteCaller(LEGACY)).statusCode).toBe(404) // admin scope: it reached the handler
    const warning = t
      .logs()
      .split('\n')
      .find((l) => l.includes('bare key'))
    expect(warning).toBeDefined()
    expect(JSON.parse(warning!)).toMatchObject({ level: 40, apiKey: 'key-4' })
    expect(t.logs()).not.toContain(LEGACY)
  })

  it('a wrong key is still 401 on every route', async () => {
    for (const r of Object.values(requests)) expect((await r('wrong-key-0123456789abcdef')).statusCode).toBe(401)
  })
})
