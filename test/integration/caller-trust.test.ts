import { setTimeout as sleep } from 'node:timers/promises'
import { describe, expect, it } from 'vitest'
import { auth, type TestApp, shareTestApp } from '../support/app/test-app.ts'
import { phoneSequence } from '../support/app/phones.ts'
import { CALLER } from '../../services/auth/src/adapters/redis/callers/fields.ts'

// Enrolment (a PIN approved with enrol: true) only ever extends a caller's trust, and the
// e-mail -> phone index never outlives, nor dies before, the caller it names.

let t: TestApp
const nextPhone = phoneSequence('90', 80000000)
let emails = 0
const nextEmail = () => `trust-${emails++}-${Math.random().toString(36).slice(2, 8)}@example.com`
const DAY = 86_400_000
const profile = { firstName: 'Hanako', lastName: 'Yamada', custLevel: 'Gold', language: 'ja' }

shareTestApp({ PHONE_MAX_SENDS: '50' }, (app) => (t = app))

const put = (phone: string, payload: object) =>
  t.app.inject({ method: 'PUT', url: `/v1/callers/${encodeURIComponent(phone)}`, headers: auth, payload })
const get = async (phone: string) =>
  (await t.app.inject({ url: `/v1/callers/${encodeURIComponent(phone)}`, headers: auth })).json()
const ttl = (phone: string) => t.app.redis.pttl(t.app.keys.caller(phone))
const emailOf = (phone: string) => t.app.redis.hget(t.app.keys.caller(phone), CALLER.email)

/** A PIN with enrol: true, approved. */
async function enrolByPin(phone: string) {
  const { challengeId } = (
    await t.app.inject({ method: 'POST', url: '/v1/pins', headers: auth, payload: { phone, enrol: true } })
  ).json()
  const res = await t.app.inject({
    method: 'POST',
    url: `/v1/pins/${challengeId}/verify`,
    headers: auth,
    payload: { pin: t.sms.lastPin(phone) },
  })
  expect(res.json().status).toBe('approved')
  return res.json().caller
}

describe('enrolment only ever extends trust', () => {
  it('a caller an admin trusted for longer than TRUST_TTL_DAYS keeps that expiry (the hash and its TTL)', async () => {
    const phone = nextPhone()
    const until = new Date(Date.now() + 200 * DAY).toISOString()
    await put(phone, { ...profile, trustedUntil: until })
    const enrolled = await enrolByPin(phone)
    expect(enrolled.trustedUntil).toBe(until)
    expect((await get(phone)).trustedUntil).toBe(until)
    expect(await ttl(phone)).toBeGreaterThan(199 * DAY)
  })

  it('a shorter trust is extended to TRUST_TTL_DAYS from now', async () => {
    const phone = nextPhone()
    await put(phone, { ...profile, trustedUntil: new Date(Date.now() + 3_600_000).toISOString() })
    await enrolByPin(phone)
    const days = (Date.parse((await get(phone)).trustedUntil) - Date.now()) / DAY
    expect(days).toBeGreaterThan(89.9)
    expect(days).toBeLessThanOrEqual(90)
    expect(await ttl(phone)).toBeGreaterThan(89.9 * DAY)
  })

  it('a caller without expiry stays without expiry', async () => {
    const phone = nextPhone()
    await put(phone, profile)
    await enrolByPin(phone)
    expect((await get(phone)).trustedUntil).toBeNull()
    expect(await ttl(phone)).toBe(-1)
  })
})

describe('the e-mail index follows its caller', () => {
  it('(i) once a caller has expired, another number can take its e-mail (the stale entry is replaced)', async () => {
    const [owner, other, email] = [nextPhone(), nextPhone(), nextEmail()]
    expect(
      (await put(owner, { ...profile, email, trustedUntil: new Date(Date.now() + 3_600_000).toISOString() }))
        .statusCode,
    ).toBe(201)
    await t.app.redis.pexpire(t.app.keys.caller(owner), 1) // its trust ends, as Redis would end it
    await sleep(20)
    const res = await put(other, { ...profile, email })
    expect(res.statusCode).toBe(201)
    expect((await t.app.callers.findByEmail(email))?.phone).toBe(other)
  })

  it('(i) a caller who no longer holds the e-mail does not block it', async () => {
    const [owner, other, email] = [nextPhone(), nextPhone(), nextEmail()]
    await put(owner, { ...profile, email })
    await t.app.redis.hdel(t.app.keys.caller(owner), 'email') // the index outlived the caller's e-mail
    expect((await put(other, { ...profile, email })).statusCode).toBe(201)
    expect((await t.app.callers.findByEmail(email))?.phone).toBe(other)
    expect(await emailOf(owner)).toBeNull()
  })

  it('(ii) trust extended by an enrolment: the e-mail still finds the caller after the expiry the admin set', async () => {
    const [phone, email] = [nextPhone(), nextEmail()]
    await put(phone, { ...profile, email, trustedUntil: new Date(Date.now() + 1500).toISOString() })
    await enrolByPin(phone) // trusted for TRUST_TTL_DAYS now
    await sleep(1700)
    expect((await t.app.callers.findByEmail(email))?.phone).toBe(phone)
    // What the Lex bot and REST order sessions do with it: a PIN goes to that phone.
    const { sessionId } = (
      await t.app.inject({ method: 'POST', url: '/v1/sessions', headers: auth, payload: { email } })
    ).json()
    const pin = await t.app.inject({ method: 'POST', url: `/v1/sessions/${sessionId}/pin`, headers: auth })
    expect(pin.statusCode).toBe(201)
  })

  it('a lookup that meets a stale entry deletes it', async () => {
    const [owner, email] = [nextPhone(), nextEmail()]
    await put(owner, { ...profile, email })
    await t.app.redis.del(t.app.keys.caller(owner))
    expect(await t.app.callers.findByEmail(email)).toBeUndefined()
    expect(await t.app.redis.exists(t.app.keys.email(email))).toBe(0)
  })

  it('a live owner keeps its e-mail: 20 numbers putting it at once, exactly one gets it, and the index names that one', async () => {
    const email = nextEmail()
    const phones = Array.from({ length: 20 }, () => nextPhone())
    const results = await Promise.all(phones.map((phone) => put(phone, { ...profile, email })))
    const won = phones.filter((_, i) => results[i]!.statusCode === 201)
    expect(won).toHaveLength(1)
    expect(results.filter((r) => r.statusCode === 409).every((r) => r.json().code === 'EMAIL_TAKEN')).toBe(true)
    const holders = []
    for (const phone of phones) if ((await emailOf(phone)) === email) holders.push(phone)
    expect(holders).toEqual(won)
    expect((await t.app.callers.findByEmail(email))?.phone).toBe(won[0])
  })

  it('a stale entry raced by its own owner re-importing the e-mail and by another number: never two holders, and the index names the holder', async () => {
    for (let round = 0; round < 15; round++) {
      const [owner, other, email] = [nextPhone(), nextPhone(), nextEmail()]
      await put(owner, { ...profile, email })
      await t.app.redis.hdel(t.app.keys.caller(owner), 'email') // stale: the index still names the owner
      const [a, b] = await Promise.all([
        put(owner, { ...profile, email }),
        put(other, { ...profile, email }),
        t.app.callers.findByEmail(email),
      ])
      const holders = []
      for (const phone of [owner, other]) if ((await emailOf(phone)) === email) holders.push(phone)
      expect(holders.length).toBeLessThanOrEqual(1)
      // Every PUT that succeeded holds the e-mail; the index finds whoever holds it.
      if (a.statusCode < 300) expect(holders).toEqual([owner])
      if (b.statusCode < 300) expect(holders).toEqual([other])
      expect((await t.app.callers.findByEmail(email))?.phone).toBe(holders[0])
    }
  })
})
