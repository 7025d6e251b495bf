import { execFile, spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { randomUUID } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest'
import { freePort } from '../support/app/free-port.ts'
import { readBody, startHttpStandIn, type HttpStandIn } from '../support/stand-ins/http-stand-in.ts'
import { lexEvent, slot, type Json } from '../support/events/lex-events.ts'
import { TEST_API_KEY, TEST_SECRET } from '../support/app/test-app.ts'
import { call } from '../support/app/service-env.ts'

// The Lambda shim against a real pinline process (node services/auth/src/server.ts, real Redis,
// SMS_PROVIDER=log so the PIN can be read from its log), and against servers that hang or die.

type Handler = (event: unknown, context?: { getRemainingTimeInMillis?: () => number }) => Promise<Json>
const root = new URL('../../', import.meta.url)

interface Service {
  url: string
  output: () => string
  stop(signal?: NodeJS.Signals): Promise<void>
}

async function startService(env: Record<string, string> = {}): Promise<Service> {
  const port = await freePort()
  let output = ''
  const child: ChildProcess = spawn(process.execPath, ['services/auth/src/server.ts'], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      PATH: process.env.PATH,
      NODE_ENV: 'test',
      HOST: '127.0.0.1',
      PORT: String(port),
      REDIS_URL: inject('redisUrl'),
      REDIS_KEY_PREFIX: `t${randomUUID().slice(0, 8)}:`,
      API_KEYS: TEST_API_KEY,
      PIN_HMAC_SECRET: TEST_SECRET,
      SMS_PROVIDER: 'log',
      LOG_LEVEL: 'info',
      ...env,
    },
  })
  child.stdout!.on('data', (c: Buffer) => void (output += c.toString()))
  child.stderr!.on('data', (c: Buffer) => void (output += c.toString()))
  const url = `http://127.0.0.1:${port}`
  for (let i = 0; ; i++) {
    if (
      await fetch(`${url}/healthz`).then(
        (r) => r.ok,
        () => false,
      )
    )
      break
    if (i > 100 || child.exitCode !== null) throw new Error(`service did not start:\n${output}`)
    await sleep(100)
  }
  return {
    url,
    output: () => output,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode !== null || child.signalCode !== null) return
      const exited = once(child, 'exit')
      child.kill(signal)
      await exited
    },
  }
}

/** Loads shims/lex.ts afresh with this environment: its config is read at module load, as on Lambda. */
async function loadShim(env: Record<string, string | undefined>): Promise<Handler> {
  Object.assign(process.env, env)
  for (const [k, v] of Object.entries(env)) if (v === undefined) delete process.env[k]
  vi.resetModules()
  return (await import('../../shims/lex.ts')).handler as Handler
}
const shimFor = (url: string, timeoutMs = '3000') =>
  loadShim({ AUTH_SERVICE_URL: url, AUTH_SERVICE_API_KEY: TEST_API_KEY, AUTH_SERVICE_TIMEOUT_MS: timeoutMs })

/** The fallback every failure must produce: Close/Failed, the bot's language, the client's attributes kept. */
function expectFallback(r: Json, event: Json, language: 'en' | 'ja' = 'en') {
  // What only the service may say is not echoed: a forged auth: "true" must not come back.
  const { encryptedPin, auth, uuid, currentOrder, ...kept } = event.sessionState.sessionAttributes ?? {}
  expect(r.sessionState.dialogAction).toEqual({ type: 'Close' })
  expect(r.sessionState.intent).toMatchObject({ name: event.sessionState.intent.name, state: 'Failed' })
  expect(r.sessionState.sessionAttributes).toEqual(kept)
  if ('Pin' in event.sessionState.intent.slots) expect(r.sessionState.intent.slots.Pin).toBeNull()
  expect(r.messages[0].content).toMatch(
    language === 'ja' ? /^申し訳ありません、ただいまご注文を承れません/ : /^Sorry, I can't take your order right now/,
  )
}

let service: Service
const savedEnv = { ...process.env }

beforeAll(async () => {
  service = await startService({ PIN_RESEND_COOLDOWN_SECONDS: '0' })
})
afterAll(async () => {
  await service.stop()
  process.env = savedEnv
})

describe('against a real service process', () => {
  it('menu, then an order: PIN by SMS, verified through the shim, item ordered', async () => {
    const handler = await shimFor(service.url)
    const phone = '+819055501234'
    const email = `shim-${randomUUID().slice(0, 6)}@example.com`
    const profile = { firstName: 'S', lastName: 'H', custLevel: 'Gold', language: 'en', email }
    const put = await call(service.url, 'PUT', `/v1/callers/${phone}`, profile)
    expect(put.status).toBe(201)
    const sessionId = randomUUID()
    const menu = await handler(lexEvent({ intent: 'GetFoodMenu', sessionId, sessionAttributes: { email } }))
    expect(menu.messages[0].content).toMatch(/^Here is our menu/)

    const spec = { intent: 'OrderFood', sessionId, sessionAttributes: { email } }
    const asked = await handler(lexEvent({ ...spec, slots: { Food: slot('pasta') } }))
    expect(asked.sessionState.dialogAction).toEqual({ type: 'ElicitSlot', slotToElicit: 'Pin' })
    // SMS_PROVIDER=log: the service wrote the SMS to its log instead of sending it.
    await vi.waitFor(() => expect(service.output()).toMatch(/verification code is \d{6}/))
    const pin = [...service.output().matchAll(/verification code is (\d{6})/g)].at(-1)![1]!
    const done = await handler(lexEvent({ ...spec, slots: { Food: slot('pasta'), Pin: slot(pin) } }))
    expect(done.sessionState.intent).toMatchObject({ name: 'OrderFood', state: 'Fulfilled' })
    expect(done.sessionState.sessionAttributes).toMatchObject({ email, auth: 'true' })
  })

  it("passes the service's own failures through (it answered): no e-mail -> its Close/Failed", async () => {
    const handler = await shimFor(service.url)
    const r = await handler(lexEvent({ intent: 'OrderFood', sessionAttributes: { theme: 'dark' } }))
    expect(r.messages[0].content).toMatch(/e-mail address you signed in with/)
  })

  it('the bundled dist/shims/lex.mjs (what Lambda runs) exports handler and does the same', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, ['scripts/build-shims.ts'], { cwd: root })
    expect(stdout).toMatch(/dist\/shims\/lex\.mjs\s+\d+\.\d KiB/)
    const run = `import('./dist/shims/lex.mjs').then((m) => m.handler(JSON.parse(process.env.EVENT))).then((r) => process.stdout.write(JSON.stringify(r)))`
    const event = lexEvent({ intent: 'GetFoodMenu', localeId: 'ja_JP' })
    const out = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', run], {
      cwd: root,
      env: {
        PATH: process.env.PATH,
        AUTH_SERVICE_URL: service.url,
        AUTH_SERVICE_API_KEY: TEST_API_KEY,
        EVENT: JSON.stringify(event),
      },
    })
    expect(JSON.parse(out.stdout).messages[0].content).toMatch(/^メニューはこちらです/)
  })
})

describe('when the service cannot answer', () => {
  const event = lexEvent({
    intent: 'OrderFood',
    localeId: 'ja_JP',
    sessionAttributes: { email: 'a@example.com', auth: 'true', encryptedPin: 'AQID' },
    slots: { Food: slot('ピザ'), Pin: slot('123456') },
  })
  let stand: HttpStandIn | undefined
  afterAll(() => stand?.close())

  it('hangs: a Close/Failed fallback within AUTH_SERVICE_TIMEOUT_MS, in the bot language, attributes kept', async () => {
    stand = await startHttpStandIn(async () => {
      /* never answers */
    })
    const handler = await shimFor(stand.url, '300')
    const started = Date.now()
    const r = await handler(event)
    expect(Date.now() - started).toBeLessThan(1500)
    expectFallback(r, event, 'ja')
    expect(r.sessionState.sessionAttributes).not.toHaveProperty('encryptedPin')
    expect(r.sessionState.sessionAttributes).not.toHaveProperty('auth')
  })

  it('answers before the Lambda itself times out, when it has less time left than AUTH_SERVICE_TIMEOUT_MS', async () => {
    stand =
      stand ??
      (await startHttpStandIn(async () => {
        /* never answers */
      }))
    const handler = await shimFor(stand.url, '3000')
    const started = Date.now()
    const r = await handler(event, { getRemainingTimeInMillis: () => 600 })
    expect(Date.now() - started).toBeLessThan(600)
    expectFallback(r, event, 'ja')
  })

  it('dies: a service process killed between turns gives the fallback at once', async () => {
    const doomed = await startService()
    const handler = await shimFor(doomed.url)
    expect((await handler(lexEvent({ intent: 'GetFoodMenu' }))).messages[0].content).toMatch(/^Here is our menu/)
    await doomed.stop('SIGKILL')
    const started = Date.now()
    const english = lexEvent({ intent: 'OrderFood', sessionAttributes: { email: 'a@example.com' } })
    expectFallback(await handler(english), english)
    expect(Date.now() - started).toBeLessThan(1000)
  })

  it('answers non-2xx (wrong API key) or a 2xx that is not a Lex response: fallback, never passed off as success', async () => {
    expectFallback(
      await (await loadShim({ AUTH_SERVICE_URL: service.url, AUTH_SERVICE_API_KEY: 'wrong-key-0000000000' }))(event),
      event,
      'ja',
    )
    const odd = await startHttpStandIn(
      async (_req, res) => void res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}'),
    )
    try {
      expectFallback(await (await shimFor(odd.url))(event), event, 'ja')
    } finally {
      await odd.close()
    }
  })

  it('even a non-object event gets a well-formed Close/Failed', async () => {
    const handler = await shimFor(`http://127.0.0.1:${await freePort()}`)
    for (const e of [null, 42, 'x', []]) {
      const r = await handler(e)
      expect(r).toMatchObject({
        sessionState: {
          dialogAction: { type: 'Close' },
          intent: { name: 'FallbackIntent', state: 'Failed' },
          sessionAttributes: {},
        },
      })
    }
  })
})

describe('connections and configuration', () => {
  it('reuses one keep-alive connection across warm invocations', async () => {
    const ports: number[] = []
    const stand = await startHttpStandIn(async (req, res) => {
      await readBody(req)
      ports.push(req.socket.remotePort!)
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end(
        JSON.stringify({
          sessionState: { dialogAction: { type: 'Close' }, intent: { name: 'GetFoodMenu', state: 'Fulfilled' } },
        }),
      )
    })
    try {
      const handler = await shimFor(stand.url)
      // Warm invocations come one after another, never back to back in the same tick (undici
      // opens a second pooled socket if asked again before the first is back in the pool).
      for (let i = 0; i < 3; i++) {
        await handler(lexEvent({ intent: 'GetFoodMenu' }))
        await sleep(20)
      }
      expect(ports).toHaveLength(3)
      expect(new Set(ports).size).toBe(1)
    } finally {
      await stand.close()
    }
  })

  it('misconfigured (a variable missing or bad): logs the variable by name at load, and every turn answers the fallback and logs it', async () => {
    const errors = vi.spyOn(console, 'error').mockImplementation(() => undefined)
    const warnings = vi.spyOn(console, 'warn').mockImplementation(() => undefined)
    try {
      const cases: Array<[Record<string, string | undefined>, RegExp]> = [
        [{ AUTH_SERVICE_URL: undefined, AUTH_SERVICE_API_KEY: TEST_API_KEY }, /AUTH_SERVICE_URL/],
        [{ AUTH_SERVICE_URL: service.url, AUTH_SERVICE_API_KEY: undefined }, /AUTH_SERVICE_API_KEY/],
        [
          { AUTH_SERVICE_URL: service.url, AUTH_SERVICE_API_KEY: TEST_API_KEY, AUTH_SERVICE_TIMEOUT_MS: '50' },
          /AUTH_SERVICE_TIMEOUT_MS/,
        ],
      ]
      for (const [env, variable] of cases) {
        errors.mockClear()
        const handler = await loadShim(env)
        expect(errors.mock.calls.flat().join(' ')).toMatch(variable)
        const event = lexEvent({ intent: 'GetFoodMenu', sessionAttributes: { email: 'a@example.com' } })
        warnings.mockClear()
        expectFallback(await handler(event), event)
        expectFallback(await handler(event), event)
        // One fallback line per turn (the deploy app's fallback alarm counts them), not one per cold start.
        expect(warnings.mock.calls.map(([line]) => JSON.parse(String(line)).reason)).toEqual(['config', 'config'])
      }
    } finally {
      errors.mockRestore()
      warnings.mockRestore()
    }
  })
})
