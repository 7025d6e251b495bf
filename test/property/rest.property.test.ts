import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { assertNoFaultNoGrant, LIMITS_OUT_OF_THE_WAY } from '../support/property/no-fault-property.ts'
import { isRestGrant, restRequests, type KnownChallenge } from '../support/property/rest-arbitraries.ts'
import { auth, buildTestApp, type TestApp } from '../support/app/test-app.ts'

// Property-based: whatever arrives at the REST surface, there is no 5xx, no stack trace, no
// unshaped error and no approval. Challenges exist for real, so wrong PINs meet real state.

let t: TestApp
const known: KnownChallenge[] = []

beforeAll(async () => {
  t = await buildTestApp({
    ...LIMITS_OUT_OF_THE_WAY,
    SMS_ALLOWED_COUNTRIES: '*',
  })
  for (const phone of ['+819012345678', '+447400123456', '+12025550123']) {
    const res = await t.app.inject({ method: 'POST', url: '/v1/pins', headers: auth, payload: { phone } })
    known.push({ id: res.json().challengeId, pin: t.sms.lastPin(phone) })
  }
})
afterAll(() => t.app.close())

describe('REST inputs (fast-check)', () => {
  it('no input produces a 5xx, a stack trace, an unshaped error or a grant', async () => {
    await assertNoFaultNoGrant(t.app, restRequests(known), { isGrant: isRestGrant, numRuns: 1500 })
  })

  it('the known challenges were still pending or locked afterwards: nothing consumed them', async () => {
    for (const c of known) expect(['pending', 'locked']).toContain((await t.app.verification.status(c.id))?.status)
  })
})
