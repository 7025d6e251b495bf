import { afterEach, describe, expect, it } from 'vitest'
import {
  call,
  eventually,
  type OwnRedisService,
  type RedisProcess,
  type SnsStandIn,
  startServiceOnOwnRedis,
} from '../support/processes.ts'

// Redis is killed (SIGKILL: a crash, nothing flushed beyond what appendfsync always wrote) and
// started again on the same port and dir, under a running service.

let running: OwnRedisService | undefined
afterEach(async () => {
  await running?.stop()
  running = undefined
})

async function start(appendonly: boolean) {
  const env = { REDIS_COMMAND_TIMEOUT_MS: '1000', PIN_MAX_ATTEMPTS: '5', PHONE_MAX_FAILURES: '4' }
  running = await startServiceOnOwnRedis({ appendonly }, env)
  return running
}

/** Before the crash: one imported caller, one enrolled by PIN, and one number with 3 failures on a live challenge. */
async function beforeCrash(base: string, sns: SnsStandIn) {
  const imported = '+819012320001',
    enrolled = '+819012320002',
    attacked = '+819012320003'
  const put = await call(base, 'PUT', `/v1/callers/${imported}`, {
    firstName: 'Hanako',
    lastName: 'Sato',
    custLevel: 'Gold',
    language: 'ja',
  })
  expect(put.status).toBe(201)
  const e = await call(base, 'POST', '/v1/pins', { phone: enrolled, enrol: true })
  expect(
    (await call(base, 'POST', `/v1/pins/${String(e.body.challengeId)}/verify`, { pin: sns.lastPin(enrolled) })).body
      .status,
  ).toBe('approved')
  const a = await call(base, 'POST', '/v1/pins', { phone: attacked })
  const id = String(a.body.challengeId)
  for (let i = 0; i < 3; i++)
    expect((await call(base, 'POST', `/v1/pins/${id}/verify`, { pin: '000000' })).body.status).toBe('rejected')
  return { imported, enrolled, attacked, id, pin: sns.lastPin(attacked) }
}

async function crashAndRestart(r: RedisProcess, base: string) {
  await r.kill()
  expect((await call(base, 'GET', '/v1/callers/+819012320001')).status).toBe(503)
  await r.restart()
  await eventually(async () => (await fetch(`${base}/readyz`)).status === 200)
}

describe('Redis restarted mid-flow', () => {
  it('with AOF (appendonly yes): callers, the challenge and the failure counters all survive', async () => {
    const { redis: r, svc: s, sns } = await start(true)
    const b = await beforeCrash(s.url, sns)
    await crashAndRestart(r, s.url)

    expect((await call(s.url, 'GET', `/v1/callers/${b.imported}`)).body).toMatchObject({
      firstName: 'Hanako',
      trustedUntil: null,
    })
    expect((await call(s.url, 'GET', `/v1/callers/${b.enrolled}`)).body).toMatchObject({
      firstName: 'New',
      lastName: 'Customer',
    })
    // The 4th failure for the number locks it (PHONE_MAX_FAILURES=4): the 3 before the crash counted.
    expect((await call(s.url, 'POST', `/v1/pins/${b.id}/verify`, { pin: '000000' })).body.status).toBe('locked')
    expect((await call(s.url, 'POST', `/v1/pins/${b.id}/verify`, { pin: b.pin })).body.status).toBe('locked')
    const more = await call(s.url, 'POST', '/v1/pins', { phone: b.attacked })
    expect(more.status).toBe(429)
    expect(more.body.code).toBe('PHONE_LOCKED')
  })

  it('without persistence (documented in SECURITY.md): everything is lost, and nothing is granted', async () => {
    const { redis: r, svc: s, sns } = await start(false)
    const b = await beforeCrash(s.url, sns)
    await crashAndRestart(r, s.url)

    // The registry is gone: known callers look unknown (they will be asked for a PIN again).
    expect((await call(s.url, 'GET', `/v1/callers/${b.imported}`)).status).toBe(404)
    expect((await call(s.url, 'GET', `/v1/callers/${b.enrolled}`)).status).toBe(404)
    // The live challenge is gone: even its right PIN is not approved.
    expect((await call(s.url, 'POST', `/v1/pins/${b.id}/verify`, { pin: b.pin })).body.code).toBe('CHALLENGE_NOT_FOUND')
    // The failure counters are gone too: the number starts afresh, with its full allowance.
    const fresh = await call(s.url, 'POST', '/v1/pins', { phone: b.attacked })
    expect(fresh.status).toBe(201)
    for (let i = 0; i < 3; i++)
      expect(
        (await call(s.url, 'POST', `/v1/pins/${String(fresh.body.challengeId)}/verify`, { pin: '000000' })).body.status,
      ).toBe('rejected')
  })
})
