import { setTimeout as sleep } from 'node:timers/promises'
import type { FastifyInstance } from 'fastify'
import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildApp } from '../../services/auth/src/app.ts'
import { loadConfig } from '../../services/auth/src/config.ts'
import { startRedisServer, type RedisProcess } from '../support/redis/redis-server.ts'
import { clusterNodeArgs } from '../support/redis/redis-cluster.ts'
import { recordingSms, TEST_API_KEY, TEST_SECRET } from '../support/app/test-app.ts'

// A cluster that serves some slots and not others (cluster-require-full-coverage no keeps it
// "ok" for the slots it has): /readyz must say not ready, and become ready once every slot has
// a primary, without a restart.

let nodes: RedisProcess[] = []
let app: FastifyInstance | undefined

const onNode = async <T>(node: RedisProcess, fn: (r: Redis) => Promise<T>) => {
  const r = new Redis(node.url)
  try {
    return await fn(r)
  } finally {
    r.disconnect()
  }
}

beforeAll(async () => {
  const extraArgs = clusterNodeArgs({ nodeTimeoutMs: 1000, requireFullCoverage: false })
  nodes = await Promise.all([startRedisServer({ extraArgs }), startRedisServer({ extraArgs })])
  const [a, b] = nodes as [RedisProcess, RedisProcess]
  await onNode(a, (r) => r.call('CLUSTER', 'ADDSLOTSRANGE', '0', '8191'))
  await onNode(a, (r) => r.call('CLUSTER', 'MEET', '127.0.0.1', String(b.port)))
  const deadline = Date.now() + 10_000
  while (
    !(await onNode(
      b,
      async (r) =>
        /cluster_known_nodes:2/.test(String(await r.call('CLUSTER', 'INFO'))) &&
        /cluster_state:ok/.test(String(await r.call('CLUSTER', 'INFO'))),
    ))
  ) {
    if (Date.now() > deadline) throw new Error('the two nodes did not meet')
    await sleep(100)
  }
}, 30_000)

afterAll(async () => {
  await app?.close()
  await Promise.all(nodes.map((n) => n.stop()))
})

describe('/readyz on a Redis Cluster', () => {
  it('503 while slots are unassigned; 200 by itself once every slot has a primary', async () => {
    const config = loadConfig({
      NODE_ENV: 'test',
      REDIS_MODE: 'cluster',
      REDIS_URL: nodes.map((n) => n.url).join(','),
      REDIS_KEY_PREFIX: 'rdy:',
      PIN_HMAC_SECRET: TEST_SECRET,
      API_KEYS: TEST_API_KEY,
      LOG_LEVEL: 'silent',
    })
    app = await buildApp({ config, sms: recordingSms(), logger: false })
    const ready = async () => {
      const res = await app!.inject({ url: '/readyz' })
      return { status: res.statusCode, body: res.json() as { status: string } }
    }
    expect(await ready()).toEqual({ status: 503, body: { status: 'redis cluster: 8192 slots unassigned' } })

    await onNode(nodes[1]!, (r) => r.call('CLUSTER', 'ADDSLOTSRANGE', '8192', '16383'))
    const deadline = Date.now() + 10_000 // the client refreshes its slot map every 2 s
    let last = await ready()
    while (last.status !== 200 && Date.now() < deadline) {
      await sleep(200)
      last = await ready()
    }
    expect(last).toEqual({ status: 200, body: { status: 'ok' } })
  })
})
