import fc from 'fast-check'
import type { InjectOptions } from 'fastify'
import { TEST_API_KEY } from '../app/test-app.ts'

// Hostile inputs for the REST surface: what a fuzzer, a confused client or an attacker sends.

/** Strings that have broken parsers before: other scripts' digits, escapes, injections, surrogates. */
export const nasty = fc.constantFrom(
  '+819012345678',
  '09012345678',
  '＋８１９０１２３４５６７８',
  '+٨١٩٠١٢٣٤٥٦٧٨',
  '+8823451234567',
  '+999123456789',
  '１２３４５６',
  '123456',
  '12345',
  '1234567',
  '٠١٢٣٤٥',
  ' 123456',
  '123456\n',
  '0x1E240',
  '1e5',
  '-12345',
  '12345.',
  '__proto__',
  'constructor',
  'prototype',
  '${7*7}',
  '<script>alert(1)</script>',
  "' OR 1=1 --",
  '\u0000',
  '\uFFFF',
  '\uD800',
  '../../etc/passwd',
  '%00',
  'true',
  'null',
  '9'.repeat(200),
)
const phoneLike = fc.stringMatching(/^\+?[0-9 ().-]{0,20}$/)
const digits = fc.stringMatching(/^[0-9]{0,12}$/)
const sixDigits = fc.stringMatching(/^[0-9]{6}$/)
const text = fc.oneof(
  fc.string(),
  fc.string({ unit: 'binary' }),
  fc.string({ unit: 'grapheme' }),
  nasty,
  phoneLike,
  digits,
)
export const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: text },
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 3 }),
  fc.dictionary(
    fc.oneof(fc.string(), fc.constantFrom('__proto__', 'constructor', 'pin', 'phone')),
    fc.jsonValue({ maxDepth: 2 }),
    { maxKeys: 3 },
  ),
)
// Keys a schema does not know, prototype-polluting ones among them.
const extraKey = fc.oneof(
  fc.string({ minLength: 1 }),
  fc.constantFrom('__proto__', 'constructor', 'prototype', 'admin', 'status'),
)

const body = <T>(fields: fc.Arbitrary<T>) =>
  fc.tuple(fields, fc.option(fc.tuple(extraKey, hostileValue), { freq: 4 })).map(([f, extra]) =>
    // JSON.parse gives __proto__ as an own key, as it would arrive on the wire.
    extra
      ? { ...(f as object), ...JSON.parse(`{${JSON.stringify(extra[0])}:${JSON.stringify(extra[1] ?? null)}}`) }
      : f,
  )

const issueBody = body(
  fc.record(
    {
      phone: fc.oneof(phoneLike, hostileValue),
      locale: fc.oneof(fc.constantFrom('en', 'ja'), hostileValue),
      purpose: hostileValue,
      enrol: hostileValue,
      channel: fc.oneof(fc.constantFrom('sms', 'voice', 'auto'), hostileValue),
      amount: hostileValue,
      currency: hostileValue,
      payee: hostileValue,
    },
    { requiredKeys: [] },
  ),
)
// Assertions to check: JWS-shaped or anything; none was ever issued, so none may be valid.
const jwsLike = fc
  .tuple(fc.base64String(), fc.base64String(), fc.base64String())
  .map((parts) => parts.join('.').replace(/[+/=]/g, '_'))
const assertionBody = body(
  fc.record(
    {
      assertion: fc.oneof(jwsLike, hostileValue),
      binding: fc.oneof(fc.constant('rest:x'), hostileValue),
      purpose: hostileValue,
      amount: hostileValue,
    },
    { requiredKeys: [] },
  ),
)
const callerBody = body(
  fc.record(
    {
      firstName: hostileValue,
      lastName: hostileValue,
      custLevel: hostileValue,
      language: hostileValue,
      email: hostileValue,
      trustedUntil: hostileValue,
    },
    { requiredKeys: [] },
  ),
)

/** How the body travels: mostly JSON, sometimes raw text, under a content type that may lie. */
const payload = (value: fc.Arbitrary<unknown>) =>
  fc
    .tuple(
      fc.oneof({ weight: 6, arbitrary: value.map((v) => JSON.stringify(v) ?? '') }, fc.string(), fc.constant('')),
      fc.oneof(
        { weight: 6, arbitrary: fc.constant('application/json') },
        fc.constantFrom(
          'application/json; charset=utf-8',
          'application/json; charset=utf-16',
          'text/plain',
          'application/x-www-form-urlencoded',
          'multipart/form-data; boundary=x',
          'application/xml',
          undefined,
        ),
        fc.string(),
      ),
    )
    .map(([raw, contentType]) => ({
      body: raw,
      headers: contentType === undefined ? {} : { 'content-type': contentType },
    }))

const authorization = fc.oneof(
  { weight: 8, arbitrary: fc.constant({ authorization: `Bearer ${TEST_API_KEY}` }) },
  fc.constantFrom(
    {},
    { authorization: 'Bearer wrong-key-0123456789abcd' },
    { authorization: TEST_API_KEY },
    { authorization: `Basic ${TEST_API_KEY}` },
  ),
)

// Path parameters: encoded strings of every kind, and raw escapes a router has to survive.
const pathSegment = fc.oneof(
  {
    weight: 5,
    arbitrary: fc
      .oneof(fc.string({ maxLength: 120 }), nasty, phoneLike, fc.stringMatching(/^[A-Za-z0-9_-]{38}$/))
      .map((s) => encodeURIComponent(s.toWellFormed())),
  },
  fc.constantFrom('%', '%zz', '%E0%A4%A', '%C0%AF', '..', '%2e%2e', '%00', '%2F', ';x', '?x=1', '#', '%F0%9F%92%A9'),
)

export interface KnownChallenge {
  id: string
  /** The right PIN: never sent, so any approval is a bug. */
  pin: string
}

/**
 * Every REST route with hostile bodies, ids, content types and credentials. Verifies of `known`
 * challenges use any PIN but the right one.
 */
export function restRequests(known: KnownChallenge[]): fc.Arbitrary<InjectOptions> {
  const challengeId = known.length > 0 ? fc.oneof(fc.constantFrom(...known.map((c) => c.id)), pathSegment) : pathSegment
  type Method = NonNullable<InjectOptions['method']>
  const withBody = (
    method: Method,
    url: fc.Arbitrary<string>,
    value: fc.Arbitrary<unknown>,
  ): fc.Arbitrary<InjectOptions> =>
    fc
      .tuple(url, payload(value), authorization)
      .map(([u, p, auth]) => ({ method, url: u, body: p.body, headers: { ...p.headers, ...auth } }))
  const withoutBody = (method: fc.Arbitrary<Method>, url: fc.Arbitrary<string>): fc.Arbitrary<InjectOptions> =>
    fc.tuple(method, url, authorization).map(([m, u, auth]) => ({ method: m, url: u, headers: auth }))
  const rightPin = (id: string) => known.find((c) => c.id === id)?.pin
  const verify = challengeId.chain((id) =>
    // The body may carry the PIN under any shape; it is never the right one.
    withBody(
      'POST',
      fc.constant(`/v1/pins/${id}/verify`),
      body(fc.record({ pin: fc.oneof(sixDigits, digits, hostileValue) }, { requiredKeys: [] })).filter(
        (b) => (b as { pin?: unknown }).pin !== rightPin(id),
      ),
    ),
  )

  return fc.oneof(
    withBody('POST', fc.constant('/v1/pins'), issueBody),
    verify,
    withoutBody(
      fc.constant('POST'),
      challengeId.map((id) => `/v1/pins/${id}/resend`),
    ),
    withoutBody(
      fc.constant('POST'),
      fc.tuple(challengeId, pathSegment).map(([id, ch]) => `/v1/pins/${id}/resend?channel=${ch}`),
    ),
    withBody('POST', fc.constant('/v1/assertions/verify'), assertionBody),
    withoutBody(fc.constantFrom('GET', 'POST', 'DELETE'), fc.constant('/.well-known/jwks.json')),
    withoutBody(
      fc.constantFrom('GET', 'DELETE'),
      pathSegment.map((p) => `/v1/callers/${p}`),
    ),
    withBody(
      'PUT',
      pathSegment.map((p) => `/v1/callers/${p}`),
      callerBody,
    ),
    withoutBody(fc.constantFrom('PATCH', 'OPTIONS', 'HEAD'), fc.constantFrom('/v1/pins', '/v1/callers/+819012345678')),
  )
}

/** REST's grant: a PIN check that says approved, or an assertion check that says valid. */
export const isRestGrant = (res: { statusCode: number; body: string }) =>
  res.statusCode === 200 && (/"status"\s*:\s*"approved"/.test(res.body) || /"jti"\s*:/.test(res.body)) // or an assertion found valid
