import { randomUUID } from 'node:crypto'
import { expect } from 'vitest'

import { type Json, loadEvent } from './load.ts'

export type { Json }

export interface EventOptions {
  phone?: string | null
  contactId?: string
  parameters?: Record<string, string>
  channel?: string
  attributes?: Record<string, string>
}

/** The Developer Guide event for one voice contact from `phone`, with the flow's parameters. */
export function connectEvent(opts: EventOptions = {}): Json {
  const event = loadEvent('connect', 'connect-lambda-devguide-example')
  const data = event.Details.ContactData
  data.ContactId = data.InitialContactId = data.PreviousContactId = opts.contactId ?? randomUUID()
  data.InitiationMethod = 'INBOUND'
  if (opts.phone === null) data.CustomerEndpoint = null
  else if (opts.phone !== undefined) data.CustomerEndpoint.Address = opts.phone
  if (opts.channel) data.Channel = opts.channel
  if (opts.attributes) data.Attributes = opts.attributes
  event.Details.Parameters = opts.parameters ?? {}
  return event
}

// Letters, digits, - and _: the values the Connect docs call safe in a STRING_MAP.
const SAFE = /^[A-Za-z0-9_-]*$/
const PROFILE = new Set(['firstName', 'lastName', 'custLevel', 'language'])
// The assertion is a compact JWS: three safe segments joined by dots, and well under 1 KB
// (a contact attribute holds it next to everything else, within Connect's 32 KB).
const JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/
const ASSERTION_MAX_BYTES = 1024

/** Connect's STRING_MAP contract: flat, string values, < 32 KB; our own values in the safe set. */
export function expectStringMap(body: unknown): Record<string, string> {
  expect(body).toBeTypeOf('object')
  expect(Array.isArray(body)).toBe(false)
  const map = body as Record<string, unknown>
  for (const [key, value] of Object.entries(map)) {
    expect(value, key).toBeTypeOf('string')
    if (key === 'pinlineAssertion') {
      expect(value, key).toMatch(JWS)
      expect(Buffer.byteLength(value as string), key).toBeLessThan(ASSERTION_MAX_BYTES)
    } else if (!PROFILE.has(key)) expect(value, key).toMatch(SAFE)
  }
  expect(Buffer.byteLength(JSON.stringify(map))).toBeLessThan(32 * 1024)
  expect(['Success', 'Error']).toContain(map.lambdaResult)
  return map as Record<string, string>
}
