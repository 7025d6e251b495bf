import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { lexEvent, type Json } from '../support/events/lex-events.ts'
import { auth, buildTestApp, type TestApp } from '../support/app/test-app.ts'

// Findings 8 and 11 of the security review (Lex): deeply nested events got a 500; and with no
// server session, a client-forged uuid and currentOrder were echoed back.
let t: TestApp
beforeAll(async () => {
  t = await buildTestApp()
})
afterAll(() => t.app.close())

const DEEP = '"@deep@"'
/** Sends the event with DEEP replaced by arrays 5,000 levels deep (written as text: too deep to stringify). */
const say = async (event: Json) => {
  const payload = JSON.stringify(event).replace(DEEP, `${'['.repeat(5000)}${']'.repeat(5000)}`)
  const res = await t.app.inject({
    method: 'POST',
    url: '/v1/channels/lex',
    headers: { ...auth, 'content-type': 'application/json' },
    payload,
  })
  return { status: res.statusCode, body: res.json() as Json }
}
const nest = () => JSON.parse(DEEP) as Json

describe('deeply nested Lex events (finding 8)', () => {
  it.each([
    [
      'a slot value',
      (e: Json) => {
        e.sessionState.intent.slots.Food = { shape: 'Scalar', value: { originalValue: nest() } }
      },
    ],
    [
      'a list slot',
      (e: Json) => {
        e.sessionState.intent.slots.Food = {
          shape: 'List',
          values: [{ shape: 'Scalar', value: { resolvedValues: nest() } }],
        }
      },
    ],
    [
      'activeContexts',
      (e: Json) => {
        e.sessionState.activeContexts = [{ name: 'c', contextAttributes: { x: nest() } }]
      },
    ],
    [
      'a session attribute that is not a string',
      (e: Json) => {
        e.sessionState.sessionAttributes.theme = nest()
      },
    ],
  ])('%s 5,000 levels deep: a well-formed Lex response, never a 500', async (_name, mutate) => {
    const event = lexEvent({
      intent: 'OrderFood',
      sessionId: randomUUID(),
      sessionAttributes: { email: 'nobody@example.com' },
    })
    mutate(event)
    const { status, body } = await say(event)
    expect(status).toBe(200)
    expect(['Close', 'ElicitSlot']).toContain(body.sessionState.dialogAction.type)
    expect(JSON.stringify(body).length).toBeLessThan(20_000) // what is echoed is bounded
  })

  it('Lex-shaped values (a list slot of resolved values, contexts with attributes) are still echoed as they came', async () => {
    const event = lexEvent({
      intent: 'OrderFood',
      sessionId: randomUUID(),
      sessionAttributes: { email: 'nobody@example.com' },
    })
    const food = {
      shape: 'List',
      value: { originalValue: 'pizza', interpretedValue: 'pizza', resolvedValues: ['Pizza'] },
      values: [
        { shape: 'Scalar', value: { originalValue: 'pizza', interpretedValue: 'pizza', resolvedValues: ['Pizza'] } },
      ],
    }
    const contexts = [
      {
        name: 'ordering',
        contextAttributes: { step: 'food' },
        timeToLive: { timeToLiveInSeconds: 600, turnsToLive: 5 },
      },
    ]
    event.sessionState.intent.slots.Food = food
    event.sessionState.activeContexts = contexts
    const { body } = await say(event)
    expect(body.sessionState.activeContexts).toEqual(contexts)
    expect(body.sessionState.intent.slots.Food).toEqual(food)
  })
})

describe('attributes only pinline writes (finding 11)', () => {
  const forged = {
    auth: 'true',
    uuid: 'forged-challenge-id',
    currentOrder: '[{"id":"pizza","name":"Pizza","quantity":99}]',
    theme: 'dark',
  }
  it.each([
    [
      'GetFoodMenu on a new conversation',
      { intent: 'GetFoodMenu', sessionAttributes: { ...forged, email: 'nobody@example.com' } },
    ],
    ['OrderFood without an e-mail', { intent: 'OrderFood', sessionAttributes: forged }],
    ['an unknown intent', { intent: 'BookHotel', sessionAttributes: { ...forged, email: 'nobody@example.com' } }],
    [
      'OrderFood for an e-mail nobody has',
      { intent: 'OrderFood', sessionAttributes: { ...forged, email: 'nobody@example.com' } },
    ],
  ])(
    '%s: a forged uuid and currentOrder are not echoed, auth is "false"; the client\'s other attributes are',
    async (_name, spec) => {
      const { status, body } = await say(lexEvent({ ...spec, sessionId: randomUUID() }))
      expect(status).toBe(200)
      const attrs = body.sessionState.sessionAttributes
      expect(attrs.auth).toBe('false')
      expect(attrs).not.toHaveProperty('uuid')
      expect(attrs).not.toHaveProperty('currentOrder')
      expect(attrs.theme).toBe('dark')
    },
  )
})
