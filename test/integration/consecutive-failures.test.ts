import { randomUUID } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { lexEvent } from '../support/events/lex-events.ts'
import { auth, type TestApp, useTestApp } from '../support/app/test-app.ts'
import { phoneSequence } from '../support/app/phones.ts'
import { registerCustomer } from '../support/app/callers.ts'
import { postLex } from '../support/app/channels.ts'

// NIST SP 800-63B: at most 100 consecutive failed attempts per account. The per-number
// failure window (PHONE_MAX_FAILURES per hour) alone would allow 10 guesses an hour forever;
// a long-lived streak per number ends that. Windows passing are simulated by deleting the
// window counter, which is what its expiry does.

const nextPhone = phoneSequence('90', 70000000)
const wrong = (pin: string) => pin.replace(/^./, (d) => String((Number(d) + 1) % 10))
const DAY = 86_400

/** An app with room for many sends to one number (PHONE_MAX_SENDS=100) and `env`, and its REST client. */
async function appWith(env: Record<string, string>) {
  const t = await useTestApp({ PHONE_MAX_SENDS: '100', ...env })
  return { t, c: client(t) }
}

function client(t: TestApp) {
  const post = (url: string, payload?: object) =>
    t.app.inject({ method: 'POST', url, headers: auth, ...(payload ? { payload } : {}) })
  return {
    issue: (phone: string) => post('/v1/pins', { phone }),
    verify: (id: string, pin: string) => post(`/v1/pins/${id}/verify`, { pin }),
    /** The hourly failure window of this challenge's number ends (its key expires). */
    windowPasses: (id: string) => t.app.redis.del(t.app.keys.forChallenge(id).failures),
    /** `count` wrong PINs on fresh challenges, letting the hourly window pass between them; the last result. */
    async fail(phone: string, count: number, perChallenge: number) {
      let last: { status: string; retryAfter?: number } = { status: 'none' }
      while (count > 0) {
        const res = await this.issue(phone)
        expect(res.statusCode, res.body).toBe(201)
        const id = res.json().challengeId
        const pin = t.sms.lastPin(phone)
        for (let i = 0; i < Math.min(perChallenge, count); i++) last = (await this.verify(id, wrong(pin))).json()
        count -= Math.min(perChallenge, count)
        await this.windowPasses(id)
      }
      return last
    },
  }
}

describe('consecutive failures per number (NIST SP 800-63B)', () => {
  it('the hourly window resets, the streak does not: at PHONE_MAX_CONSECUTIVE_FAILURES the number is locked for sends and verifies, Retry-After = what is left of the streak', async () => {
    const { t, c } = await appWith({ PHONE_MAX_CONSECUTIVE_FAILURES: '12', PHONE_MAX_FAILURES: '10' })
    const phone = nextPhone()
    expect((await c.fail(phone, 8, 4)).status).toBe('rejected')
    // A third challenge (new challenges and resends never reset the streak): failures 9 to 12.
    const { challengeId } = (await c.issue(phone)).json()
    const pin = t.sms.lastPin(phone)
    const results = []
    for (let i = 0; i < 4; i++) results.push((await c.verify(challengeId, wrong(pin))).json())
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected', 'rejected', 'locked'])
    // The challenge has attempts left (4 of 5): the lock is the number's, and lasts the streak's window.
    expect(results[3].retryAfter).toBeGreaterThan(30 * DAY - 60)
    expect(results[3].retryAfter).toBeLessThanOrEqual(30 * DAY)
    await c.windowPasses(challengeId)
    const right = await c.verify(challengeId, pin)
    expect(right.json()).toMatchObject({ status: 'locked', attemptsLeft: 0 })
    expect(Number(right.headers['retry-after'])).toBeGreaterThan(30 * DAY - 60)
    const send = await c.issue(phone)
    expect([send.statusCode, send.json().code]).toEqual([429, 'PHONE_LOCKED'])
    expect(Number(send.headers['retry-after'])).toBeGreaterThan(30 * DAY - 60)
    expect(t.sms.sent).toHaveLength(3)
  })

  it('the failure that locks the challenge and the number at once answers with the longer lock', async () => {
    const { c } = await appWith({ PHONE_MAX_CONSECUTIVE_FAILURES: '5' })
    const last = await c.fail(nextPhone(), 5, 5) // PIN_MAX_ATTEMPTS is 5 too
    expect(last.status).toBe('locked')
    expect(last.retryAfter).toBeGreaterThan(30 * DAY - 60)
  })

  it('with the defaults: the 100th consecutive failure locks the number, though no hour saw more than 9', async () => {
    const { c } = await appWith({ PIN_MAX_ATTEMPTS: '10' })
    const phone = nextPhone()
    expect((await c.fail(phone, 99, 9)).status).toBe('rejected')
    const last = await c.fail(phone, 1, 9)
    expect(last.status).toBe('locked')
    expect(last.retryAfter).toBeGreaterThan(30 * DAY - 60)
    expect((await c.issue(phone)).json().code).toBe('PHONE_LOCKED')
  })

  it('an approval ends the streak', async () => {
    const { t, c } = await appWith({ PHONE_MAX_CONSECUTIVE_FAILURES: '6' })
    const phone = nextPhone()
    expect((await c.fail(phone, 5, 4)).status).toBe('rejected')
    const { challengeId } = (await c.issue(phone)).json()
    expect((await c.verify(challengeId, t.sms.lastPin(phone))).json().status).toBe('approved')
    expect((await c.fail(phone, 5, 4)).status).toBe('rejected')
  })

  it('an undecryptable PIN (failAttempt) counts toward the streak like a wrong one', async () => {
    const { t, c } = await appWith({ PHONE_MAX_CONSECUTIVE_FAILURES: '3' })
    const phone = nextPhone()
    const { challengeId } = (await c.issue(phone)).json()
    const results = []
    for (let i = 0; i < 3; i++) {
      results.push((await t.app.verification.failAttempt(challengeId)).status)
      await c.windowPasses(challengeId)
    }
    expect(results).toEqual(['rejected', 'rejected', 'locked'])
    expect((await c.issue(phone)).json().code).toBe('PHONE_LOCKED')
  })

  it('Lex: a number locked by its streak is told to come back in days, not tens of thousands of minutes', async () => {
    const { t, c } = await appWith({ PHONE_MAX_CONSECUTIVE_FAILURES: '2' })
    const phone = nextPhone()
    const { email } = await registerCustomer(t, phone, {
      firstName: 'A',
      lastName: 'B',
      custLevel: 'C',
      language: 'en',
    })
    await c.fail(phone, 2, 1)
    const answer = await postLex(
      t,
      lexEvent({ intent: 'OrderFood', sessionId: randomUUID(), sessionAttributes: { email } }),
    )
    expect(answer.sessionState.intent.state).toBe('Failed')
    expect(answer.messages[0].content).toBe(
      'Too many incorrect PINs. For your security, please try again in 30 day(s).',
    )
  })

  it('DELETE /v1/callers/{phone}/lock clears the streak and the hourly window: 204, and PINs are sent and approved again', async () => {
    const { t, c } = await appWith({ PHONE_MAX_CONSECUTIVE_FAILURES: '4', PHONE_MAX_FAILURES: '3' })
    const phone = nextPhone()
    // Locked twice over: the streak (4 in all) and the hourly window (the last 3).
    const first = (await c.issue(phone)).json().challengeId
    await c.verify(first, wrong(t.sms.lastPin(phone)))
    await c.windowPasses(first)
    const second = (await c.issue(phone)).json().challengeId
    for (let i = 0; i < 3; i++) await c.verify(second, wrong(t.sms.lastPin(phone)))
    expect((await c.issue(phone)).json().code).toBe('PHONE_LOCKED')
    const spaced = `${phone.slice(0, 3)} ${phone.slice(3)}`
    const unlock = (key = auth) =>
      t.app.inject({ method: 'DELETE', url: `/v1/callers/${encodeURIComponent(spaced)}/lock`, headers: key })
    expect((await unlock({ authorization: 'Bearer wrong-key-0123456789' })).statusCode).toBe(401)
    const res = await unlock()
    expect(res.statusCode).toBe(204)
    expect((await unlock()).statusCode).toBe(204) // nothing left to clear: still 204
    const again = await c.issue(phone)
    expect(again.statusCode).toBe(201)
    expect((await c.verify(again.json().challengeId, t.sms.lastPin(phone))).json().status).toBe('approved')
    const bad = await t.app.inject({ method: 'DELETE', url: '/v1/callers/not-a-number/lock', headers: auth })
    expect([bad.statusCode, bad.json().code]).toEqual([400, 'INVALID_PHONE'])
  })
})
