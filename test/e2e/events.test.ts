import { createHmac, randomUUID } from 'node:crypto'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it, onTestFinished } from 'vitest'
import { connectEvent } from '../support/events/connect-events.ts'
import { startEventBridgeStandIn, type EventBridgeStandIn } from '../support/stand-ins/eventbridge-stand-in.ts'
import { readBody } from '../support/stand-ins/http-stand-in.ts'
import {
  call,
  eventually,
  type JsonBody as Json,
  serviceEnv,
  startService,
  startServiceWithSns,
  stopAll,
  type ServiceProcess,
  type SnsStandIn,
} from '../support/processes.ts'

// Verification events through the real server process: to a real local HTTP server (the
// webhook) and over the wire to an EventBridge stand-in, with sinks that are down, slow and back.

const SECRET = 'webhook-secret-0123456789-0123456789-01'
const BUS = 'arn:aws:events:ap-northeast-1:111122223333:event-bus/pinline'

/** The webhook receiver: a real HTTP server that can answer, refuse (503), hang, or be closed. */
class Receiver {
  accepted: Json[] = []
  bodies: Array<{ raw: string; signature: string }> = []
  mode: 'ok' | 'refuse' | 'hang' = 'ok'
  hanging: ServerResponse[] = []
  server!: Server
  port = 0

  async listen(port = 0) {
    this.server = createServer((req, res) => void this.handle(req, res))
    await new Promise<void>((resolve) => this.server.listen(port, '127.0.0.1', resolve))
    this.port = (this.server.address() as AddressInfo).port
  }

  get url() {
    return `http://127.0.0.1:${this.port}/hooks/pinline`
  }

  private async handle(req: IncomingMessage, res: ServerResponse) {
    const raw = await readBody(req)
    if (this.mode === 'hang') return void this.hanging.push(res)
    if (this.mode === 'refuse') return void res.writeHead(503).end()
    this.bodies.push({ raw, signature: String(req.headers['pinline-signature']) })
    this.accepted.push(...(JSON.parse(raw) as { events: Json[] }).events)
    res.writeHead(204).end()
  }

  /** The hung requests get a 503 (the service has long timed them out). */
  release() {
    for (const res of this.hanging.splice(0)) if (!res.headersSent && !res.destroyed) res.writeHead(503).end()
  }

  async close() {
    this.release()
    this.server.closeAllConnections()
    await new Promise<void>((resolve) => this.server.close(() => resolve()))
  }
}

let sns: SnsStandIn
let eb: EventBridgeStandIn
let hook: Receiver
let svc: ServiceProcess
let seq = 0
const nextPhone = () => `+8190${String(66_000_000 + seq++ * 7 + (process.pid % 7)).padStart(8, '0')}`

const env = (extra: Record<string, string>, snsUrl = sns.url) =>
  serviceEnv(
    { redisUrl: inject('redisUrl'), snsUrl },
    {
      REDIS_KEY_PREFIX: `e2ev${randomUUID().slice(0, 6)}:`,
      REDIS_COMMAND_TIMEOUT_MS: '1000',
      SMS_TIMEOUT_MS: '1000',
      SMS_MAX_ATTEMPTS: '1',
      AWS_REGION: 'ap-northeast-1',
      EVENTS_TIMEOUT_MS: '300',
      EVENTS_RETRY_MAX_MS: '200',
      ...extra,
    },
  )

beforeAll(async () => {
  eb = await startEventBridgeStandIn()
  hook = new Receiver()
  await hook.listen()
  const sinks = {
    EVENTS_WEBHOOK_URL: hook.url,
    EVENTS_WEBHOOK_SECRET: SECRET,
    EVENTS_EVENTBRIDGE_BUS: BUS,
    AWS_ENDPOINT_URL_EVENTBRIDGE: eb.url,
  }
  ;({ sns, svc } = await startServiceWithSns((snsUrl) => env(sinks, snsUrl)))
})
afterAll(() => stopAll(svc, hook, eb, sns))
beforeEach(() => {
  hook.mode = 'ok'
  eb.setDown(false)
  eb.setLatency(0)
})

/** A service of its own whose webhook is a new receiver in `mode`; both stop when the test ends. */
async function serviceWithOwnWebhook(mode: Receiver['mode'], extra: Record<string, string>) {
  const receiver = new Receiver()
  await receiver.listen()
  receiver.mode = mode
  onTestFinished(() => receiver.close())
  const service = await startService(env({ EVENTS_WEBHOOK_URL: receiver.url, EVENTS_WEBHOOK_SECRET: SECRET, ...extra }))
  onTestFinished(() => service.stop())
  return { receiver, service }
}
const wrongPin = (pin: string) => String((Number(pin) + 1) % 1_000_000).padStart(6, '0')

/** A REST verification: a PIN, `wrong` wrong guesses, then the right one (unless locked). */
async function flow(base: string, wrong = 1) {
  const phone = nextPhone()
  const issued = await call(base, 'POST', '/v1/pins', { phone, purpose: 'login' })
  expect(issued.status).toBe(201)
  const id = issued.body.challengeId as string
  const pin = sns.lastPin(phone)
  const answers = []
  for (let i = 0; i < wrong; i++)
    answers.push(await call(base, 'POST', `/v1/pins/${id}/verify`, { pin: wrongPin(pin) }))
  if (wrong < 5) answers.push(await call(base, 'POST', `/v1/pins/${id}/verify`, { pin }))
  for (const a of answers) expect(a.status).toBe(200)
  return { phone, pin, id, answers }
}

const webhookEventsOf = (id: string) => hook.accepted.filter((e) => e.challengeId === id)
const bridgeEventsOf = (id: string) =>
  eb.entries.map((e) => JSON.parse(e.Detail!) as Json).filter((e) => e.challengeId === id)
const types = (events: Json[]) => events.map((e) => e.type)
async function metric(base: string, name: string): Promise<number> {
  const text = await (await fetch(`${base}/metrics`)).text()
  return Number(text.match(new RegExp(`^${name.replace(/[{}"]/g, '\\$&')} (\\S+)$`, 'm'))?.[1] ?? NaN)
}

describe('every state change becomes an event, on both sinks', () => {
  it('pending, rejected, approved: challenge id, channel, via, purpose, counts, the number only as its keyed hash, never a PIN', async () => {
    const { phone, pin, id } = await flow(svc.url)
    await eventually(async () => webhookEventsOf(id).length === 3 && bridgeEventsOf(id).length === 3)
    const common = {
      challengeId: id,
      phoneId: id.slice(0, 16),
      via: 'rest',
      channel: 'sms',
      purpose: 'login',
      id: expect.any(String),
      at: expect.any(Number),
    }
    const expected = [
      { ...common, type: 'pending', attempts: 0, sends: 1 },
      { ...common, type: 'rejected', attempts: 1, sends: 1 },
      { ...common, type: 'approved', attempts: 2, sends: 1 },
    ]
    expect(webhookEventsOf(id)).toEqual(expected)
    expect(bridgeEventsOf(id)).toEqual(webhookEventsOf(id))
    for (const text of [JSON.stringify(hook.accepted), JSON.stringify(eb.entries)]) {
      expect(text).not.toContain(phone.slice(1))
      expect(text).not.toContain(pin)
    }
    const entry = eb.entries.find((e) => e.Detail!.includes(id))!
    expect(entry).toMatchObject({ EventBusName: BUS, Source: 'pinline', DetailType: 'Verification State Change' })
  })

  it('the webhook is signed: HMAC-SHA256 over "<timestamp>.<body>" with EVENTS_WEBHOOK_SECRET, timestamp current', async () => {
    const { id } = await flow(svc.url)
    await eventually(async () => webhookEventsOf(id).length === 3)
    const delivery = hook.bodies.findLast((b) => b.raw.includes(id))!
    const [, t, v1] = delivery.signature.match(/^t=(\d+),v1=([0-9a-f]{64})$/)!
    expect(Math.abs(Date.now() / 1000 - Number(t))).toBeLessThan(60)
    expect(v1).toBe(createHmac('sha256', SECRET).update(`${t}.${delivery.raw}`).digest('hex'))
    expect(v1).not.toBe(
      createHmac('sha256', 'another-secret-0123456789-0123456789').update(`${t}.${delivery.raw}`).digest('hex'),
    )
  })

  it('locked after five wrong PINs; send_failed when the SMS provider refuses; Connect events say connect', async () => {
    const locked = await flow(svc.url, 5)
    sns.failNext(1, 'invalid-parameter')
    const refused = await call(svc.url, 'POST', '/v1/pins', { phone: nextPhone(), purpose: 'login' })
    expect(refused.body.code).toBe('SMS_SEND_FAILED')
    const phone = nextPhone()
    const contact = randomUUID()
    const sent = await call(
      svc.url,
      'POST',
      '/v1/channels/connect',
      connectEvent({ phone, contactId: contact, parameters: { action: 'sendPin', purpose: 'payout' } }),
    )
    await eventually(async () => webhookEventsOf(locked.id).length === 6)
    expect(types(webhookEventsOf(locked.id))).toEqual([
      'pending',
      'rejected',
      'rejected',
      'rejected',
      'rejected',
      'locked',
    ])
    expect(webhookEventsOf(locked.id).at(-1)).toMatchObject({ attempts: 5 })
    await eventually(async () => hook.accepted.some((e) => e.type === 'send_failed'))
    expect(hook.accepted.filter((e) => e.type === 'send_failed').at(-1)).toMatchObject({
      via: 'rest',
      channel: 'sms',
      purpose: 'login',
      sends: 1,
    })
    await eventually(async () => webhookEventsOf(sent.body.challengeId).length === 1)
    expect(webhookEventsOf(sent.body.challengeId)[0]).toMatchObject({
      type: 'pending',
      via: 'connect',
      purpose: 'payout',
    })
  })
})

describe('a sink that is slow, down, and back', () => {
  it('a webhook that never answers does not hold a verification: a whole one completes while the sink request is still open', async () => {
    // A long delivery timeout: the sink's request stays open for the whole test.
    const { receiver: stuck, service: slow } = await serviceWithOwnWebhook('hang', { EVENTS_TIMEOUT_MS: '30000' })
    const first = await flow(slow.url)
    await eventually(async () => stuck.hanging.length > 0)
    const open = stuck.hanging[0]!
    const second = await flow(slow.url, 2)
    expect(second.answers.at(-1)!.body.status).toBe('approved')
    // The first delivery has still not been answered, and the service is still waiting on it.
    expect(open.destroyed).toBe(false)
    expect(open.req.socket.destroyed).toBe(false)
    stuck.mode = 'ok'
    open.writeHead(204).end() // the sink finally takes the first batch (the first flow's pending)
    await eventually(async () => stuck.accepted.length === 2 + 4)
    const all = [...stuck.accepted]
    expect(all.filter((e) => e.challengeId === second.id).map((e) => e.type)).toEqual([
      'pending',
      'rejected',
      'rejected',
      'approved',
    ])
    expect(all.filter((e) => e.challengeId === first.id).map((e) => e.type)).toEqual(['rejected', 'approved'])
  })

  it('webhook refusing (503), then back: every event arrives once, in order', async () => {
    hook.mode = 'refuse'
    const failuresBefore = await metric(svc.url, 'pinline_events_delivery_failures_total{sink="webhook"}')
    const flows = [await flow(svc.url), await flow(svc.url, 2)]
    await eventually(
      async () => (await metric(svc.url, 'pinline_events_delivery_failures_total{sink="webhook"}')) > failuresBefore,
    )
    expect(await metric(svc.url, 'pinline_events_backlog{sink="webhook"}')).toBeGreaterThan(0)
    hook.mode = 'ok'
    await eventually(
      async () => webhookEventsOf(flows[0]!.id).length === 3 && webhookEventsOf(flows[1]!.id).length === 4,
    )
    expect(types(webhookEventsOf(flows[1]!.id))).toEqual(['pending', 'rejected', 'rejected', 'approved'])
    const ids = hook.accepted.map((e) => e.id)
    expect(new Set(ids).size).toBe(ids.length)
    await eventually(async () => (await metric(svc.url, 'pinline_events_backlog{sink="webhook"}')) === 0)
  })

  it('webhook closed (connection refused), then listening again on its port: nothing lost', async () => {
    const port = hook.port
    await hook.close()
    const { id } = await flow(svc.url)
    await hook.listen(port)
    await eventually(async () => webhookEventsOf(id).length === 3)
    expect(types(webhookEventsOf(id))).toEqual(['pending', 'rejected', 'approved'])
  })

  it('EventBridge down (500), slow past the timeout, and refusing one entry of a batch: all arrive once it is back', async () => {
    eb.setDown(true)
    const down = await flow(svc.url)
    await eventually(async () => eb.requestCount() > 0)
    eb.setDown(false)
    eb.failNext(1, 'partial')
    eb.failNext(1, 'throttle')
    eb.failNext(1, 'hang')
    const after = await flow(svc.url)
    await eventually(async () => bridgeEventsOf(down.id).length === 3 && bridgeEventsOf(after.id).length === 3)
    // EventBridge keeps no order (an entry refused in a batch is put after the rest): `attempts` and `at` order them.
    expect(types(bridgeEventsOf(down.id)).sort()).toEqual(['approved', 'pending', 'rejected'])
    expect(types(bridgeEventsOf(after.id)).sort()).toEqual(['approved', 'pending', 'rejected'])
    // The refused entry was put again alone; a batch that timed out may arrive twice (at least once).
    const ids = new Set(eb.entries.map((e) => (JSON.parse(e.Detail!) as Json).id))
    for (const e of [...bridgeEventsOf(down.id), ...bridgeEventsOf(after.id)]) expect(ids.has(e.id)).toBe(true)
  })
})

describe('the backlog bound (EVENTS_BACKLOG_MAX)', () => {
  it('past it new events are dropped, counted in pinline_events_dropped_total and logged; the ones kept arrive when the sink is back', async () => {
    const { receiver: small, service: bounded } = await serviceWithOwnWebhook('refuse', { EVENTS_BACKLOG_MAX: '3' })
    const a = await flow(bounded.url) // pending, rejected, approved: the backlog is full
    const b = await flow(bounded.url) // three more: dropped
    expect(b.answers.at(-1)!.body.status).toBe('approved')
    expect(await metric(bounded.url, 'pinline_events_dropped_total{sink="webhook"}')).toBe(3)
    expect(bounded.logs()).toMatch(/backlog full, new events are dropped/)
    small.mode = 'ok'
    await eventually(async () => small.accepted.length === 3)
    expect(small.accepted.map((e) => [e.challengeId, e.type])).toEqual([
      [a.id, 'pending'],
      [a.id, 'rejected'],
      [a.id, 'approved'],
    ])
    await eventually(async () => /backlog has room again/.test(bounded.logs()))
  })
})
