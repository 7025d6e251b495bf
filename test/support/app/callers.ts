import { randomUUID } from 'node:crypto'
import { expect } from 'vitest'
import { auth, type TestApp } from './test-app.ts'

export interface CallerProfile {
  firstName: string
  lastName: string
  custLevel: string
  language: string
  email?: string
}

/** A fresh e-mail address: the registry holds one caller per address, and tests share one Redis. */
export const freshEmail = (tag = 'c') => `${tag}-${randomUUID().slice(0, 8)}@example.com`

/**
 * Registers a caller as an operator does (PUT /v1/callers/{phone}, admin key) and checks it is a
 * new one (201): the tests that need a known caller start from a number nobody holds yet.
 */
export async function registerCaller(t: Pick<TestApp, 'app'>, phone: string, profile: CallerProfile): Promise<void> {
  const res = await t.app.inject({ method: 'PUT', url: `/v1/callers/${phone}`, headers: auth, payload: profile })
  expect(res.statusCode, res.body).toBe(201)
}

/** A new caller with an e-mail address of their own (the bot and the sessions find callers by it). */
export async function registerCustomer(
  t: Pick<TestApp, 'app'>,
  phone: string,
  profile: Omit<CallerProfile, 'email'>,
): Promise<{ phone: string; email: string }> {
  const email = freshEmail()
  await registerCaller(t, phone, { ...profile, email })
  return { phone, email }
}
