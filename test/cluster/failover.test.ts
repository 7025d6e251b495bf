import { setTimeout as sleep } from 'node:timers/promises'
import { Cluster, Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createKeys } from '../../services/auth/src/adapters/redis/keys.ts'
import { startRedisCluster, type RedisClusterProcess } from '../support/redis/redis-cluster.ts'
import { serviceEnv } from '../support/app/service-env.ts'
import { startService, type ServiceProcess } from '../support/app/service-process.ts'
import { startSnsStandIn, type SnsStandIn } from '../support/stand-ins/sns-stand-in.ts'
import { TEST_API_KEY, TEST_SECRET } from '../support/app/test-app.ts'

// A primary dies under load (SIGKILL), its replica is promoted, the dead node comes back empty and
// rejoins as a replica, then the new primary dies too and the node that came back empty is
// promoted. pinline's promise (SECURITY.md, "Redis failover"): no challenge approved twice, every
// attempt a client saw counted, nothing it acknowledged lost, every error in between a clean 503,
// and the service back by itself.

const PREFIX = 'fo:'
const keys = createKeys(PREFIX, TEST_SECRET) // serviceEnv: KEY_HASH_SECRET defaults to PIN_HMAC_SECRET
const WORKERS = 6
const WRONG_PER_ATTACK = 6 // below PIN_MAX_ATTEMPTS: an attacker's challenge is never locked here
/** Stated in SECURITY.md: how long after the promotion the service serves the promoted shard's reads. */
const BACK_AFTER_PROMOTION_MS = 5_000
/** ... and its verifies and sends, once the shard has a replica again (they wait for one). */
const BACK_AFTER_REPLICA_MS = 5_000

type Challenge = {
  id: string
  phone: string
  pin: string
  honest: boolean
  approvals: number
  rejectedSeen: number
  wrongSent: number
  done: boolean
}

let cluster: RedisClusterProcess
let sns: SnsStandIn
let services: ServiceProcess[] = []
let unsafe: ServiceProcess | undefined
let env: Record<string, string>

beforeAll(async () => {
  cluster = await startRedisCluster({ nodeTimeoutMs: 1000 })
  sns = await startSnsStandIn()
  env = serviceEnv(
    { redisUrl: cluster.url, redisMode: 'cluster', snsUrl: sns.url },
    {
      REDIS_KEY_PREFIX: PREFIX,
      // Generous on a busy machine: a replica off the CPU for longer than the wait is a 503.
      REDIS_COMMAND_TIMEOUT_MS: '2000',
      REDIS_REPLICA_ACK_TIMEOUT_MS: '1000',
      SMS_TIMEOUT_MS: '2000',
      LOG_LEVEL: 'warn',
      PIN_MAX_ATTEMPTS: '10',
      PIN_RESEND_COOLDOWN_SECONDS: '0',
      PHONE_MAX_SENDS: '100',
      PHONE_MAX_FAILURES: '100',
      SMS_PREFIX_MAX_SENDS: '1000000',
      SMS_PREFIX_KNOWN_MAX_SENDS: '1000000',
      SMS_KEY_MAX_SENDS: '1000000',
      SMS_DAILY_LIMIT: '1000000',
      RATE_LIMIT_PER_KEY: '1000000',
      RATE_LIMIT_PER_IP: '1000000',
    },
  )
  services = await Promise.all([startService(env), startService(env)])
}, 60_000)

afterAll(async () => {
  await Promise.all([...services, unsafe].map((s) => s?.stop()))
  await sns?.close()
  await cluster?.stop()
})

// Every answer the load saw, and the ones it must never see.
const seen: Record<string, number> = {}
const unexpected: string[] = []
const EXPECTED = new Set([
  '200 approved',
  '200 rejected',
  '201 pending',
  '404 CHALLENGE_NOT_FOUND',
  '404 CALLER_NOT_FOUND',
  '200 caller',
  '503 DEPENDENCY_UNAVAILABLE',
])

async function request(
  svc: ServiceProcess,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: Record<string, unknown> }> {
  let res: Response
  try {
    res = await fetch(`${svc.url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${TEST_API_KEY}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(10_000),
    })
  } catch (err) {
    unexpected.push(`${method} ${path}: no answer (${(err as Error).name})`)
    return { status: 0, body: {} }
  }
  const text = await res.text()
  const json = (text ? JSON.parse(text) : {}) as Record<string, unknown>
  const label = `${res.status} ${String(json.code ?? json.status ?? (json.phone ? 'caller' : ''))}`
  seen[label] = (seen[label] ?? 0) + 1
  if (!EXPECTED.has(label)) unexpected.push(`${method} ${path}: ${label} ${text.slice(0, 200)}`)
  return { status: res.status, body: json }
}

const anyService = () => services[Math.floor(Math.random() * services.length)]!
const pinSentTo = (phone: string) =>
  sns.publishes
    .filter((p) => p.phoneNumber === phone)
    .at(-1)
    ?.message.match(/\b(\d{6})\b/)?.[1]
const wrongPin = (pin: string) =>
  String((Number(pin) + 1 + Math.floor(Math.random() * 999_998)) % 1_000_000).padStart(6, '0')

async function until(what: string, fn: () => Promise<boolean>, timeoutMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs
  while (!(await fn().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`)
    await sleep(50)
  }
  return Date.now()
}

/** A test-side client made now (after a failover), reading from primaries. */
async function inspect<T>(fn: (redis: Cluster) => Promise<T>): Promise<T> {
  const redis = new Cluster(
    cluster.nodes.map((n) => ({ host: '127.0.0.1', port: n.port })),
    { scaleReads: 'master', clusterRetryStrategy: () => null },
  )
  redis.on('error', () => undefined)
  try {
    return await fn(redis)
  } finally {
    redis.disconnect()
  }
}

describe('Redis Cluster failover under load', () => {
  it('SIGKILL the primary of a challenge: no approval twice, attempts counted, clean 503s, back by itself; a node restarted empty loses nothing', async () => {
    const phones = Array.from({ length: 24 }, (_, i) => `+8190777${String(10_000 + i * 37).padStart(5, '0')}`)
    const challenges: Challenge[] = []
    const current = new Map<string, Challenge>()
    let stopped = false
    const hardStop = Date.now() + 60_000

    // One worker per number at a time: its challenge's PIN is the last SMS to the number.
    async function work(w: number) {
      const mine = phones.filter((_, i) => i % WORKERS === w)
      for (let round = 0; !stopped && Date.now() < hardStop; round++) {
        const phone = mine[round % mine.length]!
        const honest = phones.indexOf(phone) % 2 === 0
        const c = current.get(phone)
        if (!c || c.done) {
          const issued = await request(anyService(), 'POST', '/v1/pins', { phone, enrol: true })
          const pin = pinSentTo(phone)
          if (issued.status === 201 && pin) {
            const next = {
              id: String(issued.body.challengeId),
              phone,
              pin,
              honest,
              approvals: 0,
              rejectedSeen: 0,
              wrongSent: 0,
              done: false,
            }
            challenges.push(next)
            current.set(phone, next)
          }
        } else {
          const path = `/v1/pins/${c.id}/verify`
          const right = c.honest && c.wrongSent >= 1
          const res = await request(anyService(), 'POST', path, { pin: right ? c.pin : wrongPin(c.pin) })
          if (!right) c.wrongSent++
          if (res.body.status === 'rejected') c.rejectedSeen++
          if (res.status === 404) c.done = true // consumed by a verify answered 503 (it did run): ask again
          if (!c.honest && c.wrongSent >= WRONG_PER_ATTACK) c.done = true
          if (res.body.status === 'approved') {
            c.approvals++
            c.done = true
            // The same right PIN again, at once, on either service: never a second approval.
            const again = await request(anyService(), 'POST', path, { pin: c.pin })
            if (again.body.status === 'approved') c.approvals++
          }
        }
        await sleep(5)
      }
    }

    const load = Promise.all(Array.from({ length: WORKERS }, (_, w) => work(w)))
    await until('challenges under load', async () => challenges.length >= 12, 20_000)

    // The victim: the primary that owns a live challenge's slot.
    const target = challenges[0]!
    const slot = await cluster.slotOf(keys.challenge(target.id))
    const victim = await cluster.primaryOf(slot)
    // A number of its own on the victim's shard, to probe the service (the load's numbers are busy).
    let probe = ''
    for (let i = 0; !probe && i < 200; i++) {
      const candidate = `+8190778${String(10_000 + i).padStart(5, '0')}`
      if ((await cluster.primaryOf(await cluster.slotOf(keys.caller(candidate)))) === victim) probe = candidate
    }
    expect(probe).not.toBe('')

    const readiness = () =>
      Promise.all(
        services.map(async (s) => {
          const res = await fetch(`${s.url}/readyz`, { signal: AbortSignal.timeout(5_000) })
          return { status: res.status, body: (await res.json()) as { status: string } }
        }),
      )
    expect((await readiness()).map((r) => r.status)).toEqual([200, 200])

    await victim.kill()
    const killedAt = Date.now()
    // Not ready while a third of the slots has no primary that answers.
    await until(
      '/readyz 503 on both',
      async () =>
        (await readiness()).every(
          (r) => r.status === 503 && /slots without a reachable primary|cluster/.test(r.body.status),
        ),
      10_000,
    )
    const promotedAt = await until('a replica promoted', async () => (await cluster.primaryOf(slot)) !== victim, 15_000)
    const promoted = await cluster.primaryOf(slot)
    const readyAgainAt = await until(
      '/readyz 200 on both',
      async () => (await readiness()).every((r) => r.status === 200),
      BACK_AFTER_PROMOTION_MS + 5_000,
    )

    // Reads of the promoted shard come back by themselves (no restart, no reconnect by hand).
    const readsBackAt = await until(
      'lookups on the promoted shard',
      async () => {
        const answers = await Promise.all(services.map((s) => request(s, 'GET', `/v1/callers/${probe}`)))
        return answers.every((a) => a.status === 200 || a.status === 404)
      },
      BACK_AFTER_PROMOTION_MS + 5_000,
    )

    // The killed node comes back empty (no persistence) and rejoins as the new primary's replica.
    await victim.restart()
    await cluster.waitHealthy()
    const replicaAt = Date.now()
    expect(await cluster.primaryOf(slot)).toBe(promoted)
    // Sends and verifies on the promoted shard wait for a replica: they are back once it has one.
    const writesBackAt = await until(
      'PINs on the promoted shard',
      async () => {
        const issued = await request(anyService(), 'POST', '/v1/pins', { phone: probe, enrol: true })
        const pin = pinSentTo(probe)
        if (issued.status !== 201 || !pin) return false
        const verified = await request(anyService(), 'POST', `/v1/pins/${String(issued.body.challengeId)}/verify`, {
          pin,
        })
        return verified.body.status === 'approved'
      },
      BACK_AFTER_REPLICA_MS + 5_000,
    )

    await sleep(500)
    stopped = true
    await load

    // What the load saw.
    console.log(
      `[failover] killed :${victim.port}; promoted :${promoted.port} after ${promotedAt - killedAt} ms; ready ${readyAgainAt - promotedAt} ms and reads back ${readsBackAt - promotedAt} ms after; ` +
        `replica back after ${replicaAt - promotedAt} ms, PINs back ${writesBackAt - replicaAt} ms after it; answers ${JSON.stringify(seen)}`,
    )
    expect(unexpected).toEqual([]) // every error was a clean 503 DEPENDENCY_UNAVAILABLE, and every request was answered
    expect(seen['503 DEPENDENCY_UNAVAILABLE'] ?? 0).toBeGreaterThan(0) // the failover was felt
    expect(seen['200 approved'] ?? 0).toBeGreaterThan(0)
    expect(readsBackAt - promotedAt).toBeLessThanOrEqual(BACK_AFTER_PROMOTION_MS)
    expect(readyAgainAt - promotedAt).toBeLessThanOrEqual(BACK_AFTER_PROMOTION_MS)
    expect(writesBackAt - replicaAt).toBeLessThanOrEqual(BACK_AFTER_REPLICA_MS)

    // No challenge approved twice.
    expect(challenges.filter((c) => c.approvals > 1)).toEqual([])
    const approved = challenges.filter((c) => c.approvals === 1)

    // Nothing acknowledged is lost, and attempts are counted at least as the clients saw them.
    const checkDurable = () =>
      inspect(async (redis) => {
        for (const c of approved) {
          expect(await redis.exists(keys.challenge(c.id)), `approved ${c.id} stays consumed`).toBe(0)
          expect(await redis.hget(keys.caller(c.phone), 'phone'), `${c.phone} stays enrolled`).toBe(c.phone)
        }
        for (const c of challenges.filter((x) => !x.honest)) {
          const attempts = await redis.hget(keys.challenge(c.id), 'a')
          expect(attempts, `attacker challenge ${c.id} exists`).not.toBeNull()
          expect(Number(attempts), `attempts of ${c.id}`).toBeGreaterThanOrEqual(c.rejectedSeen)
        }
        for (const phone of phones.filter((_, i) => i % 2 === 1)) {
          const seenByClients = challenges.filter((c) => c.phone === phone).reduce((sum, c) => sum + c.rejectedSeen, 0)
          expect(Number(await redis.get(keys.forPhone(phone).failures)), `failures of ${phone}`).toBeGreaterThanOrEqual(
            seenByClients,
          )
        }
      })
    await checkDurable()

    // The node that came back empty is now the only copy: kill the primary it synced from.
    await promoted.kill()
    await until('the node restarted empty promoted', async () => (await cluster.primaryOf(slot)) === victim, 15_000)
    await cluster.waitHealthy()
    await checkDurable()

    // And through the service: with a replica again, no approved PIN is approved a second time.
    await promoted.restart()
    await cluster.waitHealthy()
    for (const c of approved) {
      let res = await request(anyService(), 'POST', `/v1/pins/${c.id}/verify`, { pin: c.pin })
      // Until the services see the shard's new primary and its replica, a clean 503; never an approval.
      const deadline = Date.now() + BACK_AFTER_PROMOTION_MS + BACK_AFTER_REPLICA_MS
      while (res.status === 503 && Date.now() < deadline) {
        await sleep(100)
        res = await request(anyService(), 'POST', `/v1/pins/${c.id}/verify`, { pin: c.pin })
      }
      expect(res.status, `replay of ${c.id}`).toBe(404)
    }
    expect(unexpected).toEqual([])
  }, 120_000)

  it('a write no replica acknowledged: 503 (a send: before the SMS), and after the failover that loses it the same PIN is approved once; without the wait it would be approved twice', async () => {
    await cluster.waitHealthy()
    // The counterfactual: a third process that does not wait for replicas.
    unsafe = await startService({ ...env, REDIS_MIN_REPLICAS_ACK: '0' })
    const [safe] = services
    const phone = '+819077800001'
    const issue = async () => {
      const res = await request(safe!, 'POST', '/v1/pins', { phone, enrol: true })
      expect(res.status).toBe(201)
      return { id: String(res.body.challengeId), pin: pinSentTo(phone)! }
    }
    const a = await issue() // verified through the service that waits for a replica
    const b = await issue() // verified through the one that does not
    const slot = await cluster.slotOf(keys.challenge(a.id))
    const primary = await cluster.primaryOf(slot)
    const [replica] = await cluster.replicasOf(primary)
    expect(replica).toBeDefined()

    // The replica stalls, and the primary's stream to it backs up behind 32 MB (more than the
    // socket buffers hold): what the primary writes next stays in its own memory.
    replica!.pause()
    const direct = new Redis(primary.url)
    await direct.set(`${PREFIX}{${a.id.slice(0, 16)}}:filler`, 'x'.repeat(32 * 1024 * 1024))

    // A send no replica confirms: 503 before any SMS, and the count is taken back.
    const published = sns.publishes.length
    const refused = await request(safe!, 'POST', '/v1/pins', { phone })
    expect(refused.body.code).toBe('DEPENDENCY_UNAVAILABLE')
    expect(sns.publishes).toHaveLength(published)
    expect(await direct.get(keys.forChallenge(a.id).sends)).toBe('2')
    direct.disconnect()

    const safeAnswer = await request(safe!, 'POST', `/v1/pins/${a.id}/verify`, { pin: a.pin })
    expect(safeAnswer.status).toBe(503) // consumed on the primary, but no replica has it: not an approval
    const unsafeAnswer = await request(unsafe, 'POST', `/v1/pins/${b.id}/verify`, { pin: b.pin })
    expect(unsafeAnswer.body.status).toBe('approved')

    // The primary dies with both consumptions unsent; the stalled replica takes over.
    await primary.kill()
    replica!.resume()
    await until('the stalled replica promoted', async () => (await cluster.primaryOf(slot)) === replica, 20_000)
    await primary.restart() // back empty, as its replica: the shard can acknowledge again
    await cluster.waitHealthy()

    // The client that got 503 tries the same PIN again: approved, once.
    let retry = await request(safe!, 'POST', `/v1/pins/${a.id}/verify`, { pin: a.pin })
    const deadline = Date.now() + BACK_AFTER_PROMOTION_MS + BACK_AFTER_REPLICA_MS
    while (retry.status === 503 && Date.now() < deadline) {
      await sleep(100)
      retry = await request(safe!, 'POST', `/v1/pins/${a.id}/verify`, { pin: a.pin })
    }
    expect(retry.body.status).toBe('approved')
    expect((await request(safe!, 'POST', `/v1/pins/${a.id}/verify`, { pin: a.pin })).status).toBe(404)

    // Without the wait, the approval the client was given is gone: the PIN is approved a second time.
    const replay = await request(unsafe, 'POST', `/v1/pins/${b.id}/verify`, { pin: b.pin })
    expect(replay.body.status).toBe('approved')
    expect(unexpected).toEqual([])
  }, 90_000)
})
