import { readFileSync } from 'node:fs'
import type { ServerResponse } from 'node:http'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest'
import { connectEvent } from '../support/events/connect-events.ts'
import { freePort } from '../support/app/free-port.ts'
import { readBody, startHttpStandIn, type HttpStandIn } from '../support/stand-ins/http-stand-in.ts'
import { bundleShim, type ConnectHandler, type ShimBundle } from '../support/app/shim-bundle.ts'

// The bundled shim (as `npm run build` makes it) against a stand-in for the service,
// so that every way the service can fail is on the table.

type Reply = (res: ServerResponse) => void | Promise<void>
const FALLBACK = { lambdaResult: 'Error', errorCode: 'SERVICE_UNAVAILABLE' }
const KEY = 'shim-test-key-0123456789'

let bundle: ShimBundle
let service: HttpStandIn
let reply: Reply = () => {}
const received: Array<{ method: string; url: string; headers: Record<string, unknown>; body: string }> = []

const json =
  (status: number, body: unknown): Reply =>
  (res) => {
    res.writeHead(status, { 'content-type': 'application/json' })
    res.end(typeof body === 'string' ? body : JSON.stringify(body))
  }

beforeAll(async () => {
  bundle = await bundleShim('connect')
  service = await startHttpStandIn(async (req, res) => {
    received.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: await readBody(req) })
    await reply(res)
  })
})
afterAll(async () => {
  await service.close()
  bundle.remove()
})
afterEach(() => {
  received.length = 0
  vi.restoreAllMocks()
})

const load = (env: Record<string, string | undefined> = {}) =>
  bundle
    .load({ AUTH_SERVICE_URL: service.url, AUTH_SERVICE_API_KEY: KEY, AUTH_SERVICE_TIMEOUT_MS: '400', ...env })
    .then((m) => m.handler)

/** Calls the handler with a lookup event, which must get the fallback; how long that took, in ms. */
async function fallbackMs(handler: ConnectHandler, context?: Parameters<ConnectHandler>[1]): Promise<number> {
  const event = connectEvent()
  const started = performance.now()
  const result = await handler(event, context)
  const ms = performance.now() - started
  expect(result).toEqual(FALLBACK)
  return ms
}

describe('the bundle', () => {
  it('is one small ESM file exporting handler, with no AWS SDK inside', async () => {
    expect(bundle.bytes).toBeLessThan(16 * 1024)
    expect(readFileSync(bundle.path, 'utf8')).not.toMatch(/@aws-sdk|@smithy/)
    expect(await load()).toBeTypeOf('function')
  })
})

describe('forwarding', () => {
  it('POSTs the event as JSON with the bearer key to /v1/channels/connect and returns the map it gets', async () => {
    const handler = await load()
    const event = connectEvent({ phone: '+819012345678', parameters: { action: 'lookup' } })
    reply = json(200, { lambdaResult: 'Success', recordFound: 'True', firstName: 'New' })
    expect(await handler(event)).toEqual({ lambdaResult: 'Success', recordFound: 'True', firstName: 'New' })
    expect(received).toHaveLength(1)
    expect(received[0]).toMatchObject({
      method: 'POST',
      url: '/v1/channels/connect',
      headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
    })
    expect(JSON.parse(received[0]!.body)).toEqual(event)
  })

  it("passes the service's error maps through, so the flow can branch on the code", async () => {
    const handler = await load()
    reply = json(200, { lambdaResult: 'Error', errorCode: 'INVALID_PIN_FORMAT' })
    expect(await handler(connectEvent())).toEqual({ lambdaResult: 'Error', errorCode: 'INVALID_PIN_FORMAT' })
  })
})

describe('failures: the flow gets SERVICE_UNAVAILABLE, never a thrown error, inside the budget', () => {
  let errors: ReturnType<typeof vi.spyOn>
  beforeEach(() => {
    errors = vi.spyOn(console, 'error').mockImplementation(() => {})
  })
  afterEach(() => {
    // Each fallback leaves one log line saying why.
    expect(errors.mock.calls.map((c: unknown[]) => JSON.parse(String(c[0])).reason)).toHaveLength(1)
  })

  it('the service is down (connection refused)', async () => {
    const handler = await load({ AUTH_SERVICE_URL: `http://127.0.0.1:${await freePort()}` })
    const ms = await fallbackMs(handler)
    expect(ms).toBeLessThan(400)
  })

  it('the service hangs before answering: gives up at AUTH_SERVICE_TIMEOUT_MS', async () => {
    const handler = await load()
    reply = () => new Promise(() => {})
    const ms = await fallbackMs(handler)
    expect(ms).toBeGreaterThanOrEqual(390)
    expect(ms).toBeLessThan(900)
  })

  it('the service sends headers, then stalls in the body', async () => {
    const handler = await load()
    reply = (res) => {
      res.writeHead(200, { 'content-type': 'application/json' })
      res.write('{"lambdaResult":"Succ')
      return new Promise(() => {})
    }
    const ms = await fallbackMs(handler)
    expect(ms).toBeLessThan(900)
  })

  it('a Lambda with less time left than AUTH_SERVICE_TIMEOUT_MS answers before its own timeout', async () => {
    const handler = await load({ AUTH_SERVICE_TIMEOUT_MS: '5000' })
    reply = () => new Promise(() => {})
    const ms = await fallbackMs(handler, { getRemainingTimeInMillis: () => 600 })
    expect(ms).toBeLessThan(600)
  })

  it.each<[string, Reply]>([
    ['500 with a map', json(500, { lambdaResult: 'Success' })],
    ['401 (wrong key)', json(401, { code: 'UNAUTHORIZED', message: 'nope' })],
    ['503 from a load balancer', json(503, '<html>Service Unavailable</html>')],
    ['200 that is not JSON', json(200, '<html>ok</html>')],
    ['200 with a nested value', json(200, { lambdaResult: 'Success', caller: { firstName: 'New' } })],
    ['200 with a number value', json(200, { lambdaResult: 'Success', attemptsLeft: 4 })],
    ['200 with an array', json(200, [{ lambdaResult: 'Success' }])],
    ['200 with null', json(200, 'null')],
    ['200 without lambdaResult', json(200, { recordFound: 'True' })],
    ['200 with another lambdaResult', json(200, { lambdaResult: 'OK' })],
    ['200 with an Error but no errorCode', json(200, { lambdaResult: 'Error' })],
    ['200 with a map of 32 KB or more', json(200, { lambdaResult: 'Success', filler: 'x'.repeat(32 * 1024) })],
  ])('%s', async (_name, r) => {
    const handler = await load()
    reply = r
    expect(await handler(connectEvent())).toEqual(FALLBACK)
  })

  it('events that cannot be sent (undefined, circular) still get an answer', async () => {
    const handler = await load()
    reply = json(200, { lambdaResult: 'Error', errorCode: 'VALIDATION_FAILED' })
    expect(await handler(undefined)).toEqual({ lambdaResult: 'Error', errorCode: 'VALIDATION_FAILED' })
    const circular: Record<string, unknown> = {}
    circular.self = circular
    expect(await handler(circular)).toEqual(FALLBACK)
  })
})

describe('configuration, read once at load', () => {
  it.each([
    ['AUTH_SERVICE_URL', { AUTH_SERVICE_URL: undefined }],
    ['AUTH_SERVICE_URL', { AUTH_SERVICE_URL: 'pinline.internal' }],
    ['AUTH_SERVICE_API_KEY', { AUTH_SERVICE_API_KEY: undefined }],
    ['AUTH_SERVICE_TIMEOUT_MS', { AUTH_SERVICE_TIMEOUT_MS: '2.5s' }],
  ])(
    'a bad %s: loading does not throw, the error names the variable, every call falls back at once',
    async (name, env) => {
      const errors = vi.spyOn(console, 'error').mockImplementation(() => {})
      const handler = await load(env)
      expect(errors.mock.calls.flat().join('\n')).toContain(name)
      const ms = await fallbackMs(handler)
      expect(ms).toBeLessThan(50)
      expect(received).toHaveLength(0)
    },
  )

  it('the environment is read at load: changing it later changes nothing', async () => {
    const handler = await load()
    process.env.AUTH_SERVICE_URL = 'http://127.0.0.1:1'
    try {
      reply = json(200, { lambdaResult: 'Success', recordFound: 'False' })
      expect((await handler(connectEvent())).lambdaResult).toBe('Success')
    } finally {
      delete process.env.AUTH_SERVICE_URL
    }
  })

  it('a fallback logs why with the contact id, but never the number or the PIN', async () => {
    const errors = vi.spyOn(console, 'error').mockImplementation(() => {})
    const handler = await load({ AUTH_SERVICE_URL: `http://127.0.0.1:${await freePort()}` })
    const event = connectEvent({
      phone: '+819012345678',
      contactId: 'contact-1',
      parameters: { action: 'verifyPin', pin: '424242#' },
    })
    await handler(event)
    const logged = errors.mock.calls.flat().join('\n')
    expect(JSON.parse(logged)).toMatchObject({ reason: 'network', contactId: 'contact-1', action: 'verifyPin' })
    expect(logged).not.toMatch(/424242|9012345678/)
  })
})
