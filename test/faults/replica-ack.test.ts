import type { FastifyInstance } from 'fastify'
import { Redis } from 'ioredis'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { buildApp } from '../../services/auth/src/app.ts'
import { loadConfig } from '../../services/auth/src/config.ts'
import { startRedisServer, type RedisProcess } from '../support/redis/redis-server.ts'
import { auth, recordingSms, TEST_API_KEY, TEST_SECRET, type RecordingSms } from '../support/app/test-app.ts'

// A single primary with a replica (ElastiCache with cluster mode off and Multi-AZ, or Sentinel
// behind one endpoint) fails over as asynchronously as a cluster: REDIS_MIN_REPLICAS_ACK=1 makes a
// standalone deployment wait for the replica too (docs/redis-cluster.md).

let primary: RedisProcess
let replica: RedisProcess
let app: FastifyInstance | undefined
let sms: RecordingSms

beforeAll(async () => {
  primary = await startRedisServer({ extraArgs: ['--repl-diskless-sync-delay', '0'] })
  replica = await startRedisServer({ extraArgs: ['--replicaof', '127.0.0.1', String(primary.port)] })
  const inSync = async () => {
    const r = new Redis(replica.url)
    try {
      return /master_link_status:up/.test(await r.info('replication'))
    } finally {
      r.disconnect()
    }
  }
  const deadline = Date.now() + 15_000
  while (!(await inSync())) {
    if (Date.now() > deadline) throw new Error('the replica did not sync within 15 s')
    await new Promise((r) => setTimeout(r, 100))
  }
})
afterEach(async () => {
  replica.resume()
  await app?.close()
  app = undefined
})
afterAll(async () => {
  await replica?.stop()
  await primary?.stop()
})

async function start(env: Record<string, string>) {
  sms = recordingSms()
  const config = loadConfig({
    NODE_ENV: 'test',
    REDIS_URL: primary.url,
    REDIS_KEY_PREFIX: `ack${Date.now()}:`,
    PIN_HMAC_SECRET: TEST_SECRET,
    API_KEYS: TEST_API_KEY,
    LOG_LEVEL: 'silent',
    REDIS_COMMAND_TIMEOUT_MS: '2000',
    REDIS_REPLICA_ACK_TIMEOUT_MS: '800',
    ...env,
  })
  app = await buildApp({ config, sms, logger: false })
  return app
}
const issue = async (a: FastifyInstance, phone: string) => {
  const res = await a.inject({ method: 'POST', url: '/v1/pins', headers: auth, payload: { phone } })
  return { status: res.statusCode, id: String(res.json().challengeId), code: res.json().code as string | undefined }
}
const verify = (a: FastifyInstance, id: string, pin: string) =>
  a.inject({ method: 'POST', url: `/v1/pins/${id}/verify`, headers: auth, payload: { pin } })

describe('REDIS_MIN_REPLICAS_ACK on a single primary with a replica', () => {
  it('with the replica in sync: approved, as without the wait', async () => {
    const a = await start({ REDIS_MIN_REPLICAS_ACK: '1' })
    const c = await issue(a, '+819012390001')
    expect(c.status).toBe(201)
    expect((await verify(a, c.id, sms.lastPin())).json()).toMatchObject({ status: 'approved' })
  })

  it('with the replica stalled: a right PIN and a wrong one are 503 (not approved, not "rejected"), a send is 503 before the SMS', async () => {
    const a = await start({ REDIS_MIN_REPLICAS_ACK: '1' })
    const right = await issue(a, '+819012390002')
    const wrongOne = await issue(a, '+819012390003')
    const pin = sms.lastPin('+819012390002')
    replica.pause()
    const approved = await verify(a, right.id, pin)
    expect(approved.statusCode).toBe(503)
    expect(approved.json().code).toBe('DEPENDENCY_UNAVAILABLE')
    const rejected = await verify(a, wrongOne.id, '000000')
    expect(rejected.statusCode).toBe(503)
    const sent = sms.sent.length
    expect((await issue(a, '+819012390004')).code).toBe('DEPENDENCY_UNAVAILABLE')
    expect(sms.sent).toHaveLength(sent)
    // Operators can alert on it.
    expect((await a.inject({ url: '/metrics' })).body).toMatch(/^pinline_redis_replica_ack_missing_total 3$/m)
  })

  it('REDIS_MIN_REPLICAS_ACK=0 (the standalone default) never waits: approved with the replica stalled', async () => {
    const a = await start({})
    const c = await issue(a, '+819012390005')
    replica.pause()
    expect((await verify(a, c.id, sms.lastPin())).json()).toMatchObject({ status: 'approved' })
  })
})
