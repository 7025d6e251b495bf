import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { auth, buildTestApp, keysOf, type TestApp } from '../support/app/test-app.ts'

// security.md: "Bad input gets a clear 4xx with a stable error code and nothing is written".
// Each row is one input that list names; every one must leave Redis and the SMS outbox untouched.

let t: TestApp
beforeAll(async () => {
  t = await buildTestApp({ RATE_LIMIT_PER_KEY: '100000', RATE_LIMIT_PER_IP: '100000' })
})
afterAll(() => t.app.close())
beforeEach(async () => {
  expect(await keysOf(t)).toEqual([]) // each row starts from, and must leave, an empty store
})

const CHALLENGE = 'A'.repeat(38)
type Row = [why: string, url: string, body: string, contentType: string | undefined, status: number, code: string]

const json = (v: unknown) => JSON.stringify(v)
const rows: Row[] = [
  [
    'a number that is not E.164 after normalisation',
    '/v1/pins',
    json({ phone: '+81123' }),
    'application/json',
    400,
    'INVALID_PHONE',
  ],
  [
    'a national number with no DEFAULT_COUNTRY',
    '/v1/pins',
    json({ phone: '09012345678' }),
    'application/json',
    400,
    'INVALID_PHONE',
  ],
  [
    'an unassigned country code',
    '/v1/pins',
    json({ phone: '+999123456789' }),
    'application/json',
    400,
    'INVALID_PHONE',
  ],
  ['letters in the number', '/v1/pins', json({ phone: '+81 90 CALL NOW' }), 'application/json', 400, 'INVALID_PHONE'],
  [
    'full-width digits in the number',
    '/v1/pins',
    json({ phone: '＋８１９０１２３４５６７８' }),
    'application/json',
    400,
    'INVALID_PHONE',
  ],
  [
    'Arabic-Indic digits in the number',
    '/v1/pins',
    json({ phone: '+٨١٩٠١٢٣٤٥٦٧٨' }),
    'application/json',
    400,
    'INVALID_PHONE',
  ],
  [
    'a number where a string belongs (phone)',
    '/v1/pins',
    json({ phone: 819012345678 }),
    'application/json',
    400,
    'INVALID_PHONE',
  ],
  [
    'an over-long phone string',
    '/v1/pins',
    json({ phone: `+81${'9'.repeat(40)}` }),
    'application/json',
    400,
    'INVALID_PHONE',
  ],
  [
    'a string where a boolean belongs (no coercion)',
    '/v1/pins',
    json({ phone: '+819012345678', enrol: 'true' }),
    'application/json',
    400,
    'VALIDATION_FAILED',
  ],
  [
    'an unsupported locale',
    '/v1/pins',
    json({ phone: '+819012345678', locale: 'fr' }),
    'application/json',
    400,
    'VALIDATION_FAILED',
  ],
  [
    'an extra key',
    '/v1/pins',
    json({ phone: '+819012345678', admin: true }),
    'application/json',
    400,
    'VALIDATION_FAILED',
  ],
  [
    'a __proto__ key',
    '/v1/pins',
    '{"phone":"+819012345678","__proto__":{"admin":true}}',
    'application/json',
    400,
    'INVALID_JSON',
  ],
  [
    'a constructor.prototype key',
    '/v1/pins',
    '{"phone":"+819012345678","constructor":{"prototype":{"admin":true}}}',
    'application/json',
    400,
    'INVALID_JSON',
  ],
  ['a body that is not JSON', '/v1/pins', '{"phone": "+819012345678"', 'application/json', 400, 'INVALID_JSON'],
  ['an empty JSON body', '/v1/pins', '', 'application/json', 400, 'INVALID_JSON'],
  ['a JSON array', '/v1/pins', json([{ phone: '+819012345678' }]), 'application/json', 400, 'VALIDATION_FAILED'],
  ['text/plain', '/v1/pins', json({ phone: '+819012345678' }), 'text/plain', 415, 'UNSUPPORTED_MEDIA_TYPE'],
  [
    'a form body',
    '/v1/pins',
    'phone=%2B819012345678',
    'application/x-www-form-urlencoded',
    415,
    'UNSUPPORTED_MEDIA_TYPE',
  ],
  ['no content type', '/v1/pins', json({ phone: '+819012345678' }), undefined, 415, 'UNSUPPORTED_MEDIA_TYPE'],
  [
    'a body over BODY_LIMIT_BYTES',
    '/v1/pins',
    json({ phone: '+819012345678', pad: 'x'.repeat(40_000) }),
    'application/json',
    413,
    'BODY_TOO_LARGE',
  ],
  [
    'a PIN one digit short',
    `/v1/pins/${CHALLENGE}/verify`,
    json({ pin: '12345' }),
    'application/json',
    400,
    'INVALID_PIN_FORMAT',
  ],
  [
    'a PIN one digit long',
    `/v1/pins/${CHALLENGE}/verify`,
    json({ pin: '1234567' }),
    'application/json',
    400,
    'INVALID_PIN_FORMAT',
  ],
  [
    'a full-width PIN',
    `/v1/pins/${CHALLENGE}/verify`,
    json({ pin: '１２３４５６' }),
    'application/json',
    400,
    'INVALID_PIN_FORMAT',
  ],
  [
    'a PIN with a space',
    `/v1/pins/${CHALLENGE}/verify`,
    json({ pin: '123 456' }),
    'application/json',
    400,
    'INVALID_PIN_FORMAT',
  ],
  [
    'a number where the PIN string belongs',
    `/v1/pins/${CHALLENGE}/verify`,
    json({ pin: 123456 }),
    'application/json',
    400,
    'INVALID_PIN_FORMAT',
  ],
  [
    'an extra key beside the PIN',
    `/v1/pins/${CHALLENGE}/verify`,
    json({ pin: '123456', attempts: 0 }),
    'application/json',
    400,
    'VALIDATION_FAILED',
  ],
  [
    'an over-long challenge id',
    `/v1/pins/${'A'.repeat(65)}/verify`,
    json({ pin: '123456' }),
    'application/json',
    400,
    'VALIDATION_FAILED',
  ],
  [
    'a malformed escape in a path parameter',
    '/v1/pins/%zz/verify',
    json({ pin: '123456' }),
    'application/json',
    400,
    'VALIDATION_FAILED',
  ],
  [
    "a path parameter over the router's limit",
    `/v1/pins/${'A'.repeat(150)}/verify`,
    json({ pin: '123456' }),
    'application/json',
    400,
    'VALIDATION_FAILED',
  ],
  [
    'an unknown challenge id',
    `/v1/pins/${CHALLENGE}/verify`,
    json({ pin: '123456' }),
    'application/json',
    404,
    'CHALLENGE_NOT_FOUND',
  ],
  [
    'a caller with an invalid e-mail',
    '/v1/callers/+819012345678',
    json({ firstName: 'A', lastName: 'B', custLevel: 'Gold', language: 'ja', email: 'not-an-email' }),
    'application/json',
    400,
    'INVALID_EMAIL',
  ],
]

const cases = rows.map(([why, url, body, contentType, status, code]) => ({ why, url, body, contentType, status, code }))

describe('every bad input listed in security.md: its 4xx and code, nothing written, nothing sent', () => {
  it.each(cases)('$why -> $status $code', async ({ url, body, contentType, status, code }) => {
    const method = url.startsWith('/v1/callers') ? 'PUT' : 'POST'
    const headers: Record<string, string> = { ...auth, ...(contentType ? { 'content-type': contentType } : {}) }
    const res = await t.app.inject({ method, url, headers, body })
    expect(res.statusCode).toBe(status)
    expect(res.json()).toEqual({ code, message: expect.any(String) })
    expect(res.body).not.toMatch(/at .+\.(ts|js):\d+/) // no stack trace
    expect(await keysOf(t)).toEqual([])
    expect(t.sms.sent).toEqual([])
  })
})
