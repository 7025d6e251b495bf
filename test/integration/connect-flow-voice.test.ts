import { randomUUID } from 'node:crypto'
import { decodeJwt } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { FastifyInstance } from 'fastify'
import type { VoiceMessage } from '../../services/auth/src/core/ports.ts'
import { connectEvent } from '../support/events/connect-events.ts'
import { loadFlow, runFlow } from '../support/events/flow-runner.ts'
import { auth, buildTestApp, type TestApp } from '../support/app/test-app.ts'

// connect/pinline-caller-auth.json: "press 1 to receive the code by a phone call instead", and
// the signed assertion saved on the contact, run against the real channel with calls recorded.

const calls: VoiceMessage[] = []
let t: TestApp
let n = 0
const nextPhone = () => `+8180${String(40_000_000 + n++ * 7919).slice(-8)}`
const calledPin = (to: string) =>
  [...calls.findLast((c) => c.to === to)!.ssml.matchAll(/interpret-as="digits">(\d)</g)]
    .map((m) => m[1])
    .join('')
    .slice(0, 6)

beforeAll(async () => {
  t = await buildTestApp(
    { VOICE_PROVIDER: 'log', PIN_RESEND_COOLDOWN_SECONDS: '0' },
    { voice: { call: async (m) => void calls.push(m) } },
  )
})
afterAll(() => t.app.close())

function dial(phone: string, keys: Array<string | (() => string)>, on: FastifyInstance = t.app) {
  const contactId = randomUUID()
  const call = runFlow(loadFlow(), {
    phone,
    keys,
    async invoke(parameters, attributes) {
      const event = connectEvent({ phone, contactId, parameters, attributes })
      return (await on.inject({ method: 'POST', url: '/v1/channels/connect', headers: auth, payload: event })).json()
    },
  })
  return { contactId, call }
}

describe('the contact flow: a PIN by phone call instead of SMS', () => {
  it('no SMS came, the caller presses 1#: the code is read out on a call, the SMS one stops working, the spoken one verifies', async () => {
    const phone = nextPhone()
    let smsPin = ''
    const { contactId, call } = dial(phone, [
      '1#',
      () => (smsPin = t.sms.lastPin(phone)), // the SMS finally arrives: too late, it was replaced
      () => calledPin(phone),
    ])
    const done = await call
    expect(done.said).toContain(
      'We are calling you now with a new code; the code from the text message no longer works. Please take the call, then enter the code here.',
    )
    expect(done.invocations.map((p) => [p.action, p.channel])).toEqual([
      ['lookup', undefined],
      ['sendPin', undefined],
      ['sendPin', 'voice'],
      ['verifyPin', undefined],
      ['verifyPin', undefined],
    ])
    expect(calls.filter((c) => c.to === phone)).toHaveLength(1)
    if (smsPin === calledPin(phone)) return // one chance in a million: the same code twice
    expect(done.said).toContain('That code is not right.')
    expect(done.said).toContain('Thank you, you are verified.')
    expect(done.attributes.pinlineVerified).toBe('True')
    // The agent desktop gets the proof with the profile: bound to this contact, by a call.
    expect(decodeJwt(done.attributes.pinlineAssertion!)).toMatchObject({
      binding: `connect:${contactId}`,
      amr: ['otp', 'tel'],
      via: 'connect',
    })
    expect(done.transferred).toBe(true)
  })

  it('an ordinary call keeps to SMS and saves the assertion (amr sms) on the contact', async () => {
    const phone = nextPhone()
    const before = calls.length
    const { contactId, call } = dial(phone, [() => t.sms.lastPin(phone)])
    const done = await call
    expect(calls).toHaveLength(before)
    expect(decodeJwt(done.attributes.pinlineAssertion!)).toMatchObject({
      binding: `connect:${contactId}`,
      amr: ['otp', 'sms'],
    })
  })

  it('without VOICE_PROVIDER, pressing 1 says no call can be made, and the SMS code still works', async () => {
    const plain = await buildTestApp()
    try {
      const phone = nextPhone()
      const done = await dial(phone, ['1#', () => plain.sms.lastPin(phone)], plain.app).call
      expect(done.said).toContain('We could not call you just now.')
      expect(done.attributes.pinlineVerified).toBe('True')
    } finally {
      await plain.app.close()
    }
  })
})
