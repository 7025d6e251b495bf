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

describe('access log', () => {
  it('writes one line per request, when it is answered: method, URL, status and time', async () => {
    const res = await app.inject({ method: 'GET', url: '/healthz' })

    const mine = forRequest(String(res.headers['x-request-id']))
    expect(mine).toHaveLength(1)
    expect(mine[0]).toMatchObject({
      msg: 'request completed',
      req: { method: 'GET', url: '/healthz' },
      res: { statusCode: 200 },
    })
    expect(mine[0]!.responseTime).toEqual(expect.any(Number))
  })

  it('names the route, not the number, and keeps the refusal code line', async () => {
    const res = await app.inject({ method: 'GET', url: '/v1/callers/+819012345678', headers: auth })

    expect(res.statusCode).toBe(404)
    const mine = forRequest(String(res.headers['x-request-id']))
    expect(mine.map((l) => l.msg)).toEqual(['request refused', 'request completed'])
    expect(mine[1]).toMatchObject({ req: { method: 'GET', url: '/v1/callers/:phone' }, res: { statusCode: 404 } })
    expect(JSON.stringify(lines)).not.toContain('819012345678')
  })

  it('an unrouted URL keeps its path, numbers masked, and drops its query string', async () => {
    const res = await app.inject({ method: 'GET', url: '/nope/819012345678?email=alice@example.com&token=abc' })

    expect(res.statusCode).toBe(404)
    const mine = forRequest(String(res.headers['x-request-id']))
    expect(mine.at(-1)).toMatchObject({ req: { method: 'GET', url: '/nope/********5678' }, res: { statusCode: 404 } })
    const logged = JSON.stringify(mine)
    expect(logged).not.toContain('alice@example.com')
    expect(logged).not.toContain('token=abc')
    expect(logged).not.toContain('819012345678')
  })
})
