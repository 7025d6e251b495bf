import { describe, expect, it } from 'vitest'
import { useTestApp, type TestApp } from '../support/app/test-app.ts'
import { issuePin } from '../support/app/pins.ts'
import { registerCaller } from '../support/app/callers.ts'

// Finding 6 of the security review: 20 spoofed calls from one block of 1,000 numbers blocked PINs
// for the other 999 for an hour. Known (enrolled) callers now have a prefix budget of their own.
async function app(env: Record<string, string>) {
  return useTestApp({ SMS_PREFIX_MAX_SENDS: '3', RATE_LIMIT_PER_KEY: '100000', ...env })
}
const issue = (t: TestApp, phone: string) => issuePin(t.app, { phone })
const enrol = (t: TestApp, phone: string) =>
  registerCaller(t, phone, { firstName: 'Aiko', lastName: 'Sato', custLevel: 'Gold', language: 'ja' })
/** Strangers in the block 0120-555-0xxx, each number once: the sweep the prefix cap exists for. */
const sweep = async (t: TestApp, n: number) => {
  const codes = []
  for (let i = 0; i < n; i++)
    codes.push((await issue(t, `+8190555501${String(i).padStart(2, '0')}`)).json().code ?? 'sent')
  return codes
}

describe('the prefix cap and known callers (SMS_PREFIX_KNOWN_MAX_SENDS)', () => {
  it('a sweep of strangers fills the block, and a known caller in it still gets a PIN', async () => {
    const t = await app({})
    await enrol(t, '+819055550999')
    expect(await sweep(t, 5)).toEqual(['sent', 'sent', 'sent', 'PREFIX_SEND_LIMIT', 'PREFIX_SEND_LIMIT'])
    expect((await issue(t, '+819055550999')).statusCode).toBe(201)
    expect(t.sms.sent.map((m) => m.to)).toContain('+819055550999')
  })

  it('known callers have a cap of their own per block (an attacker who enrols numbers cannot pump through it)', async () => {
    const t = await app({ SMS_PREFIX_KNOWN_MAX_SENDS: '2' })
    for (const p of ['+819055550997', '+819055550998', '+819055550999']) await enrol(t, p)
    expect((await issue(t, '+819055550997')).statusCode).toBe(201)
    expect((await issue(t, '+819055550998')).statusCode).toBe(201)
    const third = await issue(t, '+819055550999')
    expect(third.json().code).toBe('PREFIX_SEND_LIMIT')
    expect(Number(third.headers['retry-after'])).toBeGreaterThan(0)
    // ...and it is separate from the strangers' budget, which is still whole.
    expect(await sweep(t, 3)).toEqual(['sent', 'sent', 'sent'])
  })

  it("SMS_PREFIX_KNOWN_MAX_SENDS=0: known callers share the strangers' cap (no difference to observe)", async () => {
    const t = await app({ SMS_PREFIX_KNOWN_MAX_SENDS: '0' })
    await enrol(t, '+819055550999')
    await sweep(t, 3)
    expect((await issue(t, '+819055550999')).json().code).toBe('PREFIX_SEND_LIMIT')
  })
})
