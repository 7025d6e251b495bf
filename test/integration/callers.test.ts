import { describe, expect, it } from 'vitest'
import { auth, keysOf, type TestApp, shareTestApp } from '../support/app/test-app.ts'

let t: TestApp
shareTestApp({}, (app) => (t = app))

const put = (phone: string, payload: object) =>
  t.app.inject({ method: 'PUT', url: `/v1/callers/${encodeURIComponent(phone)}`, headers: auth, payload })
const get = (phone: string) => t.app.inject({ url: `/v1/callers/${encodeURIComponent(phone)}`, headers: auth })
const profile = { firstName: 'Hanako', lastName: 'Yamada', custLevel: 'Gold', language: 'ja' }

describe('/v1/callers', () => {
  it('imports a caller (201), replaces it (200) keeping enrolledAt, looks it up by any spelling of the number', async () => {
    const created = await put('+81 90-2222-0001', { ...profile, email: 'Hanako@Example.com' })
    expect(created.statusCode).toBe(201)
    expect(created.json()).toMatchObject({
      phone: '+819022220001',
      ...profile,
      email: 'hanako@example.com',
      trustedUntil: null,
    })
    const updated = await put('+819022220001', { ...profile, custLevel: 'Platinum' })
    expect(updated.statusCode).toBe(200)
    expect(updated.json().enrolledAt).toBe(created.json().enrolledAt)
    expect(updated.json().custLevel).toBe('Platinum')
    expect(updated.json().email).toBeUndefined()
    expect((await t.app.inject({ url: '/v1/callers/%2B819022220001', headers: auth })).json().custLevel).toBe(
      'Platinum',
    )
    // The e-mail was dropped by the replace, so it no longer finds the caller.
    expect(await t.app.callers.findByEmail('hanako@example.com')).toBeUndefined()
  })

  it('an admin import with trustedUntil expires the caller then', async () => {
    const until = new Date(Date.now() + 3_600_000).toISOString()
    const res = await put('+819022220002', { ...profile, trustedUntil: until })
    expect(res.json().trustedUntil).toBe(until)
    const ttl = await t.app.redis.pttl(t.app.keys.caller('+819022220002'))
    expect(ttl).toBeGreaterThan(3_500_000)
    expect(ttl).toBeLessThanOrEqual(3_600_000)
    expect(
      (await put('+819022220002', { ...profile, trustedUntil: new Date(Date.now() - 1000).toISOString() })).statusCode,
    ).toBe(400)
  })

  it('keeps e-mails unique: another number cannot take one (409 EMAIL_TAKEN), and finds the phone by e-mail', async () => {
    expect((await put('+819022220003', { ...profile, email: 'taro@example.com' })).statusCode).toBe(201)
    const clash = await put('+819022220004', { ...profile, email: 'TARO@example.com' })
    expect(clash.statusCode).toBe(409)
    expect(clash.json().code).toBe('EMAIL_TAKEN')
    expect((await get('+819022220004')).statusCode).toBe(404)
    expect((await t.app.callers.findByEmail('taro@EXAMPLE.com'))?.phone).toBe('+819022220003')
  })

  it('deletes a caller (204) and its e-mail index; a second delete is 404', async () => {
    await put('+819022220005', { ...profile, email: 'gone@example.com' })
    expect((await t.app.inject({ method: 'DELETE', url: '/v1/callers/+819022220005', headers: auth })).statusCode).toBe(
      204,
    )
    expect((await get('+819022220005')).statusCode).toBe(404)
    expect(await t.app.callers.findByEmail('gone@example.com')).toBeUndefined()
    const again = await t.app.inject({ method: 'DELETE', url: '/v1/callers/+819022220005', headers: auth })
    expect(again.statusCode).toBe(404)
    expect(again.json().code).toBe('CALLER_NOT_FOUND')
    // The freed e-mail can be used by another number.
    expect((await put('+819022220006', { ...profile, email: 'gone@example.com' })).statusCode).toBe(201)
  })

  it('refuses bad input with a stable code and writes nothing', async () => {
    const before = await keysOf(t)
    const cases: Array<[string, object, string]> = [
      ['+8190', profile, 'INVALID_PHONE'],
      ['not-a-number', profile, 'INVALID_PHONE'],
      ['+819022220007', { ...profile, email: 'not-an-email' }, 'INVALID_EMAIL'],
      ['+819022220007', { ...profile, firstName: '' }, 'VALIDATION_FAILED'],
      ['+819022220007', { ...profile, custLevel: 3 }, 'VALIDATION_FAILED'],
      ['+819022220007', { ...profile, isAdmin: true }, 'VALIDATION_FAILED'],
      ['+819022220007', { ...profile, language: 'Japanese' }, 'VALIDATION_FAILED'],
    ]
    for (const [phone, body, code] of cases) {
      const res = await put(phone, body)
      expect(res.statusCode, JSON.stringify(body)).toBe(400)
      expect(res.json().code, JSON.stringify(body)).toBe(code)
    }
    expect(await keysOf(t)).toEqual(before)
  })

  it('keys do not contain phone numbers or e-mails', async () => {
    // Past the test's random prefix (8 hex characters, all digits one run in 40).
    for (const key of await keysOf(t)) {
      expect(key.slice(t.prefix.length)).not.toMatch(/\d{8,}|@/)
    }
  })
})
