import { createPrivateKey, createPublicKey, randomUUID } from 'node:crypto'
import { SignJWT, calculateJwkThumbprint, createRemoteJWKSet, decodeProtectedHeader, exportJWK, jwtVerify } from 'jose'
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest'
import { assertionKeyPem } from '../support/app/assertion-keys.ts'
import { connectEvent } from '../support/events/connect-events.ts'
import { lexEvent, slot } from '../support/events/lex-events.ts'
import { TEST_API_KEY } from '../support/app/test-app.ts'
import {
  call as callService,
  type JsonBody as Json,
  startServiceWithSns,
  stopAll,
  type ServiceProcess,
  type SnsStandIn,
} from '../support/processes.ts'

// Signed verification assertions through the real server process in production mode: SMS over
// the wire to the SNS stand-in, the JWKS fetched over HTTP and checked with jose as a back-end
// would, and POST /v1/assertions/verify refusing every replay on another contact or purpose.

const CURRENT = assertionKeyPem()
const PREVIOUS = assertionKeyPem() // the key before the last rotation: still published and accepted
const STRANGER = assertionKeyPem() // never configured
const ISSUER = 'https://pinline.example.com'
let sns: SnsStandIn
let svc: ServiceProcess
let seq = 0
const nextPhone = () => `+8190${String(77_000_000 + seq++ * 7 + (process.pid % 7)).padStart(8, '0')}`

beforeAll(async () => {
  ;({ sns, svc } = await startServiceWithSns((snsUrl) => ({
    NODE_ENV: 'production',
    REDIS_URL: inject('redisUrl'),
    REDIS_KEY_PREFIX: `e2ea${randomUUID().slice(0, 6)}:`,
    API_KEYS: TEST_API_KEY,
    PIN_HMAC_SECRET: 'e2e-secret-0123456789-0123456789-0123',
    // As an env file holds a PEM on one line: literal \n.
    ASSERTION_SIGNING_KEY: CURRENT.replace(/\n/g, '\\n'),
    ASSERTION_PREVIOUS_KEY: PREVIOUS,
    ASSERTION_ISSUER: ISSUER,
    SMS_PROVIDER: 'sns',
    AWS_REGION: 'ap-northeast-1',
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    AWS_ENDPOINT_URL_SNS: snsUrl,
    AWS_EC2_METADATA_DISABLED: 'true',
  })))
})
afterAll(() => stopAll(svc, sns))
beforeEach(() => sns.reset())

// Answers are compared whole: their status and body.
const call = async (method: string, path: string, payload?: unknown) => {
  const { status, body } = await callService(svc.url, method, path, payload)
  return { status, body }
}
const check = (body: Json) => call('POST', '/v1/assertions/verify', body)

/** A PIN issued and approved over REST; returns the challenge and the verify answer. */
async function approvedOverRest(issue: Json = {}) {
  const phone = nextPhone()
  const issued = await call('POST', '/v1/pins', { phone, purpose: 'login', ...issue })
  expect(issued.status).toBe(201)
  const verified = await call('POST', `/v1/pins/${issued.body.challengeId}/verify`, { pin: sns.lastPin(phone) })
  expect(verified.body.status).toBe('approved')
  return { phone, challengeId: issued.body.challengeId as string, body: verified.body }
}

/** A Connect contact that passes its PIN; returns the verifyPin map. */
async function approvedOverConnect(contactId: string, purpose?: string) {
  const phone = nextPhone()
  const connect = (parameters: Record<string, string>) =>
    call('POST', '/v1/channels/connect', connectEvent({ phone, contactId, parameters }))
  const sent = await connect({ action: 'sendPin', ...(purpose ? { purpose } : {}) })
  expect(sent.body.lambdaResult).toBe('Success')
  const verified = await connect({ action: 'verifyPin', pin: `${sns.lastPin(phone)}#` })
  expect(verified.body).toMatchObject({ lambdaResult: 'Success', pinVerified: 'True' })
  return verified.body
}

/** A token as an attacker or an old deployment would make it, with any key (its kid as pinline names it). */
async function forge(pem: string, claims: Json, typ = 'pinline-assertion+jwt') {
  const kid = await calculateJwkThumbprint(await exportJWK(createPublicKey(pem)))
  return new SignJWT(claims).setProtectedHeader({ alg: 'ES256', typ, kid }).sign(createPrivateKey(pem))
}

describe('assertions a back-end verifies on its own (JWKS + jose)', () => {
  it('REST: an approval carries an ES256 JWS that jose verifies against /.well-known/jwks.json; its claims name no number', async () => {
    const { phone, challengeId, body } = await approvedOverRest({
      amount: '12000',
      currency: 'JPY',
      payee: 'Tanaka Kogyo',
    })
    // Dynamic linking: the SMS told the user what the code approves.
    expect(sns.publishes.at(-1)!.message).toMatch(/to pay 12000 JPY to Tanaka Kogyo\./)
    const jwks = createRemoteJWKSet(new URL(`${svc.url}/.well-known/jwks.json`))
    const { payload, protectedHeader } = await jwtVerify(body.assertion, jwks, {
      issuer: ISSUER,
      typ: 'pinline-assertion+jwt',
      algorithms: ['ES256'],
    })
    expect(protectedHeader).toMatchObject({ alg: 'ES256', typ: 'pinline-assertion+jwt', kid: expect.any(String) })
    expect(payload).toMatchObject({
      iss: ISSUER,
      amr: ['otp', 'sms'],
      via: 'rest',
      binding: `rest:${challengeId}`,
      purpose: 'login',
      amount: '12000',
      currency: 'JPY',
      payee: 'Tanaka Kogyo',
      sub: challengeId.slice(0, 16),
    })
    expect(payload.exp! - payload.iat!).toBe(600)
    expect(payload.jti).toMatch(/^[0-9a-f-]{36}$/)
    expect(JSON.stringify(payload)).not.toContain(phone.slice(1))
  })

  it('a transaction is all three of amount, currency and payee, well formed: else 400 VALIDATION_FAILED and nothing sent', async () => {
    for (const bad of [
      { amount: '100' },
      { amount: '1e3', currency: 'JPY', payee: 'X' },
      { amount: '100', currency: 'yen', payee: 'X' },
      { amount: '100', currency: 'JPY', payee: 'a\u0007b' },
    ]) {
      const r = await call('POST', '/v1/pins', { phone: nextPhone(), ...bad })
      expect(r.status).toBe(400)
      expect(r.body.code).toBe('VALIDATION_FAILED')
    }
    expect(sns.publishes).toHaveLength(0)
  })

  it('the JWKS publishes the signing key first and the previous one (rotation), public halves only', async () => {
    const res = await fetch(`${svc.url}/.well-known/jwks.json`)
    expect(res.headers.get('cache-control')).toBe('public, max-age=300')
    const { keys } = (await res.json()) as { keys: Json[] }
    expect(keys).toHaveLength(2)
    for (const k of keys) {
      expect(k).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig' })
      expect(k.d).toBeUndefined()
    }
    const { body } = await approvedOverRest()
    expect(decodeProtectedHeader(body.assertion).kid).toBe(keys[0]!.kid)
  })

  it('a rejected verify gets no assertion', async () => {
    const phone = nextPhone()
    const issued = await call('POST', '/v1/pins', { phone })
    const wrong = String((Number(sns.lastPin(phone)) + 1) % 1_000_000).padStart(6, '0')
    const rejected = await call('POST', `/v1/pins/${issued.body.challengeId}/verify`, { pin: wrong })
    expect(rejected.body).toEqual({ status: 'rejected', attemptsLeft: 4 })
  })
})

describe('POST /v1/assertions/verify: replay on another contact or purpose is refused', () => {
  it('Connect: valid for its own contact; 422 ASSERTION_BINDING_MISMATCH for another contact', async () => {
    const contactA = randomUUID()
    const map = await approvedOverConnect(contactA, 'payout')
    const assertion = map.pinlineAssertion as string
    expect(Buffer.byteLength(assertion)).toBeLessThan(1024)
    const ok = await check({ assertion, binding: `connect:${contactA}`, purpose: 'payout' })
    expect(ok.status).toBe(200)
    expect(ok.body).toMatchObject({
      via: 'connect',
      binding: `connect:${contactA}`,
      purpose: 'payout',
      amr: ['otp', 'sms'],
    })

    const replay = await check({ assertion, binding: `connect:${randomUUID()}`, purpose: 'payout' })
    expect(replay).toEqual({ status: 422, body: { code: 'ASSERTION_BINDING_MISMATCH', message: expect.any(String) } })
    // The same ContactId via another channel (Lex) is another binding too.
    expect((await check({ assertion, binding: `lex:${contactA}`, purpose: 'payout' })).body.code).toBe(
      'ASSERTION_BINDING_MISMATCH',
    )
  })

  it('another purpose (an address change verified, a payout attempted): 422 ASSERTION_PURPOSE_MISMATCH', async () => {
    const contact = randomUUID()
    const { pinlineAssertion: assertion } = await approvedOverConnect(contact, 'address_change')
    expect((await check({ assertion, binding: `connect:${contact}`, purpose: 'address_change' })).status).toBe(200)
    const replay = await check({ assertion, binding: `connect:${contact}`, purpose: 'payout' })
    expect(replay).toEqual({ status: 422, body: { code: 'ASSERTION_PURPOSE_MISMATCH', message: expect.any(String) } })
    // Without a purpose parameter, a Connect PIN is for "connect": not for a payout either.
    const plain = randomUUID()
    const { pinlineAssertion: generic } = await approvedOverConnect(plain)
    expect((await check({ assertion: generic, binding: `connect:${plain}`, purpose: 'payout' })).body.code).toBe(
      'ASSERTION_PURPOSE_MISMATCH',
    )
  })

  it('another amount or payee than the one approved: 422 ASSERTION_TRANSACTION_MISMATCH (dynamic linking)', async () => {
    const { challengeId, body } = await approvedOverRest({
      purpose: 'payout',
      amount: '5000',
      currency: 'JPY',
      payee: 'Sato Shoten',
    })
    const expected = { assertion: body.assertion, binding: `rest:${challengeId}`, purpose: 'payout' }
    expect((await check({ ...expected, amount: '5000', currency: 'JPY', payee: 'Sato Shoten' })).status).toBe(200)
    expect((await check({ ...expected, amount: '50000' })).body.code).toBe('ASSERTION_TRANSACTION_MISMATCH')
    expect((await check({ ...expected, payee: 'Mallory' })).body.code).toBe('ASSERTION_TRANSACTION_MISMATCH')
    expect((await check({ ...expected, currency: 'USD' })).body.code).toBe('ASSERTION_TRANSACTION_MISMATCH')
  })

  it('expired, tampered, foreign-key, wrong-issuer or wrong-type tokens: ASSERTION_EXPIRED / ASSERTION_INVALID', async () => {
    const { challengeId, body } = await approvedOverRest()
    const binding = `rest:${challengeId}`
    const claims = JSON.parse(Buffer.from(body.assertion.split('.')[1], 'base64url').toString())
    const now = Math.floor(Date.now() / 1000)

    const expired = await forge(CURRENT, { ...claims, iat: now - 700, exp: now - 100 })
    expect((await check({ assertion: expired, binding, purpose: 'login' })).body.code).toBe('ASSERTION_EXPIRED')
    // Expiry is only reported for a genuine signature: an expired forgery is just invalid.
    expect(
      (await check({ assertion: await forge(STRANGER, { ...claims, exp: now - 100 }), binding, purpose: 'login' })).body
        .code,
    ).toBe('ASSERTION_INVALID')

    const [h, p, s] = body.assertion.split('.')
    const widened = Buffer.from(JSON.stringify({ ...claims, purpose: 'payout' })).toString('base64url')
    for (const assertion of [
      `${h}.${widened}.${s}`, // claims changed, signature kept
      await forge(STRANGER, claims), // a key the service never had
      await forge(CURRENT, { ...claims, iss: 'https://evil.example.com' }),
      await forge(CURRENT, claims, 'JWT'), // another kind of token from the same key
      `${h}.${p}`,
      'not-a-jws',
    ]) {
      const r = await check({ assertion, binding, purpose: 'login' })
      expect(r).toEqual({ status: 422, body: { code: 'ASSERTION_INVALID', message: expect.any(String) } })
    }
  })

  it('rotation: an assertion signed with the previous key is still accepted', async () => {
    const { challengeId, body } = await approvedOverRest()
    const claims = JSON.parse(Buffer.from(body.assertion.split('.')[1], 'base64url').toString())
    const old = await forge(PREVIOUS, claims)
    const r = await check({ assertion: old, binding: `rest:${challengeId}`, purpose: 'login' })
    expect(r.status).toBe(200)
  })

  it('needs the API key, and the binding and purpose to check against (no check without them)', async () => {
    const { challengeId, body } = await approvedOverRest()
    const anon = await fetch(`${svc.url}/v1/assertions/verify`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ assertion: body.assertion, binding: `rest:${challengeId}`, purpose: 'login' }),
    })
    expect(anon.status).toBe(401)
    expect((await check({ assertion: body.assertion, purpose: 'login' })).body.code).toBe('VALIDATION_FAILED')
    expect((await check({ assertion: body.assertion, binding: `rest:${challengeId}` })).body.code).toBe(
      'VALIDATION_FAILED',
    )
  })
})

describe('Lex: the assertion in the session attributes', () => {
  it('the approving turn sets pinlineAssertion bound to the Lex session; a caller known by caller ID alone gets none', async () => {
    const phone = nextPhone()
    const email = `a${seq}-${randomUUID().slice(0, 6)}@example.com`
    expect(
      (
        await call('PUT', `/v1/callers/${phone}`, {
          firstName: 'Aiko',
          lastName: 'Sato',
          custLevel: 'Gold',
          language: 'en',
          email,
        })
      ).status,
    ).toBe(201)
    const sessionId = `lex-${randomUUID()}`
    const say = async (extra: Json) =>
      (
        await call(
          'POST',
          '/v1/channels/lex',
          lexEvent({ intent: 'OrderFood', sessionId, sessionAttributes: { email }, ...extra }),
        )
      ).body

    const asked = await say({})
    expect(asked.sessionState.sessionAttributes.pinlineAssertion).toBeUndefined()
    const approved = await say({ slots: { Pin: slot(sns.lastPin(phone)) } })
    expect(approved.sessionState.sessionAttributes.auth).toBe('true')
    const assertion = approved.sessionState.sessionAttributes.pinlineAssertion
    const ok = await check({ assertion, binding: `lex:${sessionId}`, purpose: 'order' })
    expect(ok.status).toBe(200)
    expect(ok.body).toMatchObject({ via: 'lex', amr: ['otp', 'sms'] })

    // Known to Connect by caller ID alone: recognised, but nothing to assert.
    const lookup = await call('POST', '/v1/channels/connect', connectEvent({ phone, parameters: { action: 'lookup' } }))
    expect(lookup.body).toMatchObject({ lambdaResult: 'Success', recordFound: 'True' })
    expect(lookup.body.pinlineAssertion).toBeUndefined()
  })
})
