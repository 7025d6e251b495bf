import { Writable } from 'node:stream'
import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, beforeEach, describe, expect, it, inject } from 'vitest'
import { buildApp } from '../../services/auth/src/app.ts'
import { loadConfig } from '../../services/auth/src/config.ts'
import { loggerOptions } from '../../services/auth/src/logging.ts'
import { TEST_API_KEY, TEST_SECRET, auth, recordingSms } from '../support/app/test-app.ts'

let app: FastifyInstance
const lines: Array<Record<string, unknown>> = []

beforeAll(async () => {
  const config = loadConfig({
    NODE_ENV: 'test',
    REDIS_URL: inject('redisUrl'),
    REDIS_MODE: inject('redisMode'),
    REDIS_KEY_PREFIX: 'tlog:',
    PIN_HMAC_SECRET: TEST_SECRET,
    API_KEYS: TEST_API_KEY,
    LOG_LEVEL: 'info',
  })
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean))
        lines.push(JSON.parse(line) as Record<string, unknown>)
      done()
    },
  })
  app = await buildApp({ config, sms: recordingSms(), logger: { ...(loggerOptions('info') as object), stream } })
})
afterAll(() => app.close())
beforeEach(() => {
  lines.length = 0
})

const forRequest = (id: string) => lines.filter((l) => l.reqId === id)

/** The request's one line: every request, refused or not, writes exactly its access line. */
function accessLine(res: { headers: Record<string, unknown> }) {
  const mine = forRequest(String(res.headers['x-request-id']))
  expect(mine).toHaveLength(1)
  return mine[0]!
}

describe('access log', () => {
  it('writes one line per request, when it is answered: method, URL, status and time', async () => {
    const res = await app.inject({ method: 'GET', url: '/healthz' })

    const line = accessLine(res)
    expect(line).toMatchObject({
      msg: 'request completed',
      req: { method: 'GET', url: '/healthz' },
      res: { statusCode: 200 },
    })
    expect(line.responseTime).toEqual(expect.any(Number))
    expect(line).not.toHaveProperty('code')
  })

  it('a refusal is one line too: the route, not the number, with the status and our error code', async () => {
    const res = await app.inject({ method: 'GET', url: '/v1/callers/+819012345678', headers: auth })

    expect(res.statusCode).toBe(404)
    expect(accessLine(res)).toMatchObject({
      msg: 'request completed',
      req: { method: 'GET', url: '/v1/callers/:phone' },
      res: { statusCode: 404 },
      code: 'CALLER_NOT_FOUND',
    })
    expect(JSON.stringify(lines)).not.toContain('819012345678')
  })

  it('a request refused by its schema carries the code of its field, and the number stays out', async () => {
    const res = await app.inject({ method: 'GET', url: '/v1/callers/not-a-number-0312345678', headers: auth })

    expect(res.statusCode).toBe(400)
    const line = accessLine(res)
    expect(line).toMatchObject({ res: { statusCode: 400 }, code: res.json().code })
    expect(JSON.stringify(line)).not.toContain('0312345678')
  })

  it.each([
    ['a bad URL escape', '/v1/callers/%zz819012345678'],
    ['an over-long path parameter', `/v1/callers/+81901234567${'8'.repeat(600)}`],
  ])('a request the router refuses before any route (%s) still writes its one line, digits masked', async (_, url) => {
    const res = await app.inject({ method: 'GET', url, headers: auth })

    expect(res.statusCode).toBe(400)
    const line = accessLine(res)
    expect(line).toMatchObject({ msg: 'request completed', res: { statusCode: 400 }, code: 'VALIDATION_FAILED' })
    expect(JSON.stringify(line)).not.toContain('819012345678')
  })

  it('an unrouted URL keeps its path, numbers masked, and drops its query string', async () => {
    const res = await app.inject({ method: 'GET', url: '/nope/819012345678?email=alice@example.com&token=abc' })

    expect(res.statusCode).toBe(404)
    const line = accessLine(res)
    expect(line).toMatchObject({
      req: { method: 'GET', url: '/nope/********5678' },
      res: { statusCode: 404 },
      code: 'NOT_FOUND',
    })
    const logged = JSON.stringify(line)
    expect(logged).not.toContain('alice@example.com')
    expect(logged).not.toContain('token=abc')
    expect(logged).not.toContain('819012345678')
  })
})
