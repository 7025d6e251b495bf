import { randomUUID } from 'node:crypto'
import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { logSmsChannel } from '../../services/auth/src/adapters/sms/log-sender.ts'
import { buildApp } from '../../services/auth/src/app.ts'
import { loadConfig } from '../../services/auth/src/config.ts'
import { maskPhone } from '../../services/auth/src/core/phone.ts'
import { contactFlowEvent } from '../../web/src/flow/contact-flow-event.ts'
import { codeHookEvent, playgroundBot } from '../../web/src/lex/dialog.ts'
import { inject } from 'vitest'
import { TEST_API_KEY, TEST_SECRET, auth, useTestApp } from '../support/app/test-app.ts'

// The playground's routes: there outside production (the page, keyless forwarding to the
// channels, the SMS outbox), answering only their own page on this machine; absent in production.

const page = { host: '127.0.0.1:3000', 'sec-fetch-site': 'same-origin' }
const json = { ...page, 'content-type': 'application/json' }
const bot = playgroundBot('en_US')
const DEV_ROUTES = [
  ['GET', '/playground'],
  ['GET', '/playground/'],
  ['GET', '/playground/index.html'],
  ['GET', '/playground/app.js'],
  ['GET', '/playground/config.json'],
  ['POST', '/playground/api/channels/connect'],
  ['POST', '/playground/api/channels/lex'],
  ['POST', '/playground/api/callers'],
  ['GET', '/playground/api/menu'],
  ['GET', '/playground/api/sms'],
] as const

/** A development app with the log SMS provider (the playground's outbox needs it). */
async function devApp(env: Record<string, string> = {}): Promise<FastifyInstance> {
  const config = loadConfig({
    NODE_ENV: 'development',
    REDIS_URL: inject('redisUrl'),
    REDIS_MODE: inject('redisMode'),
    REDIS_KEY_PREFIX: `t${randomUUID().slice(0, 8)}:`,
    // As buildTestApp does on a cluster: a replica on a busy machine may be slow to acknowledge.
    ...(inject('redisMode') === 'cluster'
      ? { REDIS_COMMAND_TIMEOUT_MS: '2000', REDIS_REPLICA_ACK_TIMEOUT_MS: '1000' }
      : {}),
    PIN_HMAC_SECRET: TEST_SECRET,
    API_KEYS: TEST_API_KEY,
    LOG_LEVEL: 'silent',
    SMS_PROVIDER: 'log',
    ...env,
  })
  return buildApp({ config, logger: false })
}

let app: FastifyInstance
beforeAll(async () => {
  app = await devApp()
})
afterAll(() => app.close())

describe('outside production', () => {
  it('serves the built page and says it runs in local mode', async () => {
    expect((await app.inject({ url: '/playground', headers: page })).headers.location).toBe('/playground/')
    const html = await app.inject({ url: '/playground/', headers: page })
    expect(html.statusCode).toBe(200)
    expect(html.body).toContain('data-testid="phone-call"')
    expect((await app.inject({ url: '/playground/app.js', headers: page })).headers['content-type']).toMatch(
      /javascript/,
    )
    expect((await app.inject({ url: '/playground/config.json', headers: page })).json()).toEqual({ mode: 'local' })
  })

  it('runs a Connect event through the real channel without the browser holding a key, and shows the SMS, masked', async () => {
    const seen: unknown[] = []
    const listen = (m: unknown) => void seen.push(m)
    logSmsChannel.subscribe(listen)
    try {
      const phone = '+819011112222'
      const event = contactFlowEvent({ contactId: randomUUID(), phone }, { action: 'sendPin', CallerID: phone }, {})
      const res = await app.inject({
        method: 'POST',
        url: '/playground/api/channels/connect',
        headers: json,
        payload: event,
      })
      expect(res.json()).toMatchObject({ lambdaResult: 'Success', challengeId: expect.any(String) })
      expect(seen).toEqual([{ to: maskPhone(phone), body: expect.stringMatching(/\b\d{6}\b/), at: expect.any(String) }])
      // The same event through the route the shim uses answers the same way.
      const direct = await app.inject({ method: 'POST', url: '/v1/channels/connect', headers: auth, payload: event })
      expect(direct.json()).toMatchObject({ lambdaResult: 'Success', challengeId: res.json().challengeId })
    } finally {
      logSmsChannel.unsubscribe(listen)
    }
  })

  it('runs a Lex code-hook event through the real channel; registers an e-mail for the chat', async () => {
    const menu = await app.inject({
      method: 'POST',
      url: '/playground/api/channels/lex',
      headers: json,
      payload: codeHookEvent({ bot, sessionId: randomUUID(), text: 'menu', state: { sessionAttributes: {} } }),
    })
    expect(menu.json().sessionState.dialogAction).toEqual({ type: 'ElicitSlot', slotToElicit: 'Food' })
    const email = `p-${randomUUID().slice(0, 6)}@example.com`
    const reg = await app.inject({
      method: 'POST',
      url: '/playground/api/callers',
      headers: json,
      payload: { phone: '+81 90-3333-4444', email },
    })
    expect(reg.statusCode).toBe(201)
    expect((await app.inject({ url: '/v1/callers/+819033334444', headers: auth })).json()).toMatchObject({
      email,
      firstName: 'New',
    })
    const order = await app.inject({
      method: 'POST',
      url: '/playground/api/channels/lex',
      headers: json,
      payload: codeHookEvent({ bot, sessionId: randomUUID(), text: 'Pizza', state: { sessionAttributes: { email } } }),
    })
    expect(order.json().messages[0].content).toMatch(/ending in 4444/)
    expect((await app.inject({ url: '/playground/api/menu?locale=ja', headers: page })).json().items[0].name).toBe(
      'ピザ',
    )
  })

  it('refuses requests that are not from its own page, or come under a DNS name: 403 PLAYGROUND_FORBIDDEN', async () => {
    const event = codeHookEvent({ bot, sessionId: randomUUID(), text: 'menu', state: { sessionAttributes: {} } })
    for (const headers of [
      { ...json, 'sec-fetch-site': 'cross-site' },
      { ...json, 'sec-fetch-site': 'same-site' },
      { ...json, origin: 'https://evil.example' },
      { ...json, host: 'rebound.evil.example:3000' },
    ]) {
      const res = await app.inject({ method: 'POST', url: '/playground/api/channels/lex', headers, payload: event })
      expect(res.statusCode, JSON.stringify(headers)).toBe(403)
      expect(res.json().code).toBe('PLAYGROUND_FORBIDDEN')
    }
    expect(
      (await app.inject({ url: '/playground/api/sms', headers: { ...page, origin: 'https://evil.example' } }))
        .statusCode,
    ).toBe(403)
    // Its own page, with the Origin a browser sends, at localhost or an address (a phone on the LAN): accepted.
    for (const host of ['127.0.0.1:3000', 'localhost:3000', '[::1]:3000', '192.168.1.20:3000']) {
      const ok = await app.inject({
        method: 'POST',
        url: '/playground/api/channels/lex',
        headers: { ...json, host, origin: `http://${host}` },
        payload: event,
      })
      expect(ok.statusCode, host).toBe(200)
    }
  })

  it.each([
    ['a real SMS provider', { SMS_PROVIDER: 'sns', AWS_REGION: 'us-east-1' }],
    [
      'SMS to the log but real voice calls',
      { SMS_PROVIDER: 'log', VOICE_PROVIDER: 'eum', VOICE_ORIGINATION_IDENTITY: '+15550100', AWS_REGION: 'us-east-1' },
    ],
  ])('with %s, the keyless routes are off (the page stays)', async (_what, env) => {
    const real = await devApp(env)
    try {
      expect((await real.inject({ url: '/playground/', headers: page })).statusCode).toBe(200)
      for (const [method, url] of DEV_ROUTES.filter(([, u]) => u.includes('/api/'))) {
        expect(
          (await real.inject({ method, url, headers: json, payload: method === 'POST' ? {} : undefined })).statusCode,
          url,
        ).toBe(404)
      }
    } finally {
      await real.close()
    }
  })
})

describe('in production', () => {
  it('the page and every playground route answer 404', async () => {
    const prod = await useTestApp({
      NODE_ENV: 'production',
      SMS_PROVIDER: 'sns',
      AWS_REGION: 'us-east-1',
      ASSERTION_SIGNING_SEED: 'playground-test-seed-0123456789-0123456789',
    })
    for (const [method, url] of DEV_ROUTES) {
      const res = await prod.app.inject({ method, url, headers: json, payload: method === 'POST' ? {} : undefined })
      expect(res.statusCode, `${method} ${url}`).toBe(404)
      expect(res.json().code).toBe('NOT_FOUND')
    }
  })
})
