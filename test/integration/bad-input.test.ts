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
const PHONE = '+819012345678'
const JSON_TYPE = 'application/json'
interface Case {
  why: string
  url: string
  body: string
  contentType: string | null
  status: number
  code: string
}

const json = (v: unknown) => JSON.stringify(v)
/** POST /v1/pins with this raw body and content type (null: none). */
const issueRaw = (why: string, body: string, status: number, code: string, contentType: string | null = JSON_TYPE) =>
  ({ why, url: '/v1/pins', body, contentType, status, code }) satisfies Case
/** POST /v1/pins with this JSON body: 400 and `code`. */
const issue = (why: string, body: unknown, code: string) => issueRaw(why, json(body), 400, code)
/** POST /v1/pins/{challenge}/verify with this JSON body: `status` (400 unless said) and `code`. */
const verify = (why: string, body: unknown, code: string, { challenge = CHALLENGE, status = 400 } = {}): Case => ({
  why,
  url: `/v1/pins/${challenge}/verify`,
  body: json(body),
  contentType: JSON_TYPE,
  status,
  code,
})

const cases: Case[] = [
  issue('a number that is not E.164 after normalisation', { phone: '+81123' }, 'INVALID_PHONE'),
  issue('a national number with no DEFAULT_COUNTRY', { phone: '09012345678' }, 'INVALID_PHONE'),
  issue('an unassigned country code', { phone: '+999123456789' }, 'INVALID_PHONE'),
  issue('letters in the number', { phone: '+81 90 CALL NOW' }, 'INVALID_PHONE'),
  issue('full-width digits in the number', { phone: '＋８１９０１２３４５６７８' }, 'INVALID_PHONE'),
  issue('Arabic-Indic digits in the number', { phone: '+٨١٩٠١٢٣٤٥٦٧٨' }, 'INVALID_PHONE'),
  issue('a number where a string belongs (phone)', { phone: 819012345678 }, 'INVALID_PHONE'),
  issue('an over-long phone string', { phone: `+81${'9'.repeat(40)}` }, 'INVALID_PHONE'),
  issue('a string where a boolean belongs (no coercion)', { phone: PHONE, enrol: 'true' }, 'VALIDATION_FAILED'),
  issue('an unsupported locale', { phone: PHONE, locale: 'fr' }, 'VALIDATION_FAILED'),
  issue('an extra key', { phone: PHONE, admin: true }, 'VALIDATION_FAILED'),
  issueRaw('a __proto__ key', '{"phone":"+819012345678","__proto__":{"admin":true}}', 400, 'INVALID_JSON'),
  issueRaw(
    'a constructor.prototype key',
    '{"phone":"+819012345678","constructor":{"prototype":{"admin":true}}}',
    400,
    'INVALID_JSON',
  ),
  issueRaw('a body that is not JSON', '{"phone": "+819012345678"', 400, 'INVALID_JSON'),
  issueRaw('an empty JSON body', '', 400, 'INVALID_JSON'),
  issue('a JSON array', [{ phone: PHONE }], 'VALIDATION_FAILED'),
  issueRaw('text/plain', json({ phone: PHONE }), 415, 'UNSUPPORTED_MEDIA_TYPE', 'text/plain'),
  issueRaw('a form body', 'phone=%2B819012345678', 415, 'UNSUPPORTED_MEDIA_TYPE', 'application/x-www-form-urlencoded'),
  issueRaw('no content type', json({ phone: PHONE }), 415, 'UNSUPPORTED_MEDIA_TYPE', null),
  issueRaw('a body over BODY_LIMIT_BYTES', json({ phone: PHONE, pad: 'x'.repeat(40_000) }), 413, 'BODY_TOO_LARGE'),
  verify('a PIN one digit short', { pin: '12345' }, 'INVALID_PIN_FORMAT'),
  verify('a PIN one digit long', { pin: '1234567' }, 'INVALID_PIN_FORMAT'),
  verify('a full-width PIN', { pin: '１２３４５６' }, 'INVALID_PIN_FORMAT'),
  verify('a PIN with a space', { pin: '123 456' }, 'INVALID_PIN_FORMAT'),
  verify('a number where the PIN string belongs', { pin: 123456 }, 'INVALID_PIN_FORMAT'),
  verify('an extra key beside the PIN', { pin: '123456', attempts: 0 }, 'VALIDATION_FAILED'),
  verify('an over-long challenge id', { pin: '123456' }, 'VALIDATION_FAILED', { challenge: 'A'.repeat(65) }),
  verify('a malformed escape in a path parameter', { pin: '123456' }, 'VALIDATION_FAILED', { challenge: '%zz' }),
  verify("a path parameter over the router's limit", { pin: '123456' }, 'VALIDATION_FAILED', {
    challenge: 'A'.repeat(150),
  }),
  verify('an unknown challenge id', { pin: '123456' }, 'CHALLENGE_NOT_FOUND', { status: 404 }),
  {
    why: 'a caller with an invalid e-mail',
    url: `/v1/callers/${PHONE}`,
    body: json({ firstName: 'A', lastName: 'B', custLevel: 'Gold', language: 'ja', email: 'not-an-email' }),
    contentType: JSON_TYPE,
    status: 400,
    code: 'INVALID_EMAIL',
  },
]

describe('every bad input listed in security.md: its 4xx and code, nothing written, nothing sent', () => {
  it.each(cases)('$why -> $status $code', async ({ url, body, contentType, status, code }) => {
    const method = url.startsWith('/v1/callers') ? 'PUT' : 'POST'
    const headers: Record<string, string> = {
      ...auth,
      ...(contentType === null ? {} : { 'content-type': contentType }),
    }
    const res = await t.app.inject({ method, url, headers, body })
    expect(res.statusCode).toBe(status)
    expect(res.json()).toEqual({ code, message: expect.any(String) })
    expect(res.body).not.toMatch(/at .+\.(ts|js):\d+/) // no stack trace
    expect(await keysOf(t)).toEqual([])
    expect(t.sms.sent).toEqual([])
  })
})
