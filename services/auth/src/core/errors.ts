// Every error code pinline answers with, in one place. Clients switch on `code`;
// `message` is for people. Codes are stable: add new ones, never rename.

/** A row of the table: the HTTP status and the message people read. */
const def = (status: number, message: string) => ({ status, message }) as const

export const ErrorCodes = {
  // 400: the request itself is wrong
  VALIDATION_FAILED: def(400, 'The request does not match the schema'),
  INVALID_JSON: def(400, 'The body is not valid JSON'),
  INVALID_PHONE: def(400, 'The phone number is not a valid E.164 number'),
  INVALID_PIN_FORMAT: def(400, 'The PIN must be ASCII digits of the configured length'),
  INVALID_EMAIL: def(400, 'The e-mail address is not valid'),
  PIN_NOT_ENTERED: def(400, 'No PIN was entered (empty input or a keypad timeout); ask again'),
  // 401 / 404 / 409
  UNAUTHORIZED: def(401, 'A valid API key is required (Authorization: Bearer <key>)'),
  // A valid key without the route's scope (API_KEYS name:key:scope+scope).
  FORBIDDEN_SCOPE: def(403, 'This API key does not have the scope this route needs'),
  NOT_FOUND: def(404, 'No such route'),
  CALLER_NOT_FOUND: def(404, 'No caller is enrolled with that phone number'),
  CHALLENGE_NOT_FOUND: def(404, 'The challenge does not exist, has expired or was already used; request a new PIN'),
  METHOD_NOT_ALLOWED: def(405, 'Method not allowed'),
  // Development only: the playground answers pages it served itself, opened on this machine.
  PLAYGROUND_FORBIDDEN: def(
    403,
    'The playground answers only its own page, opened at localhost or an IP address (same origin)',
  ),
  EMAIL_TAKEN: def(409, 'That e-mail address belongs to another caller'),
  // An idempotent retry of a request that may still be sending its SMS; carries Retry-After.
  SMS_SEND_IN_PROGRESS: def(
    409,
    'The PIN for this request is still being sent; wait and ask again (nothing more was sent)',
  ),
  // 422: well-formed, but there is nothing to verify
  CALLER_NUMBER_UNAVAILABLE: def(
    422,
    'The contact has no caller phone number (withheld number, or a chat, e-mail or task contact)',
  ),
  // 422: well-formed, but policy forbids it
  DESTINATION_NOT_ALLOWED: def(422, 'PINs are not sent to numbers in that country or network'),
  VOICE_NOT_AVAILABLE: def(
    422,
    'PINs by phone call are not enabled on this service (VOICE_PROVIDER is not set); use sms',
  ),
  // 422: a verification assertion that does not prove what was asked (POST /v1/assertions/verify)
  ASSERTION_INVALID: def(422, 'The assertion is malformed or not signed by this service'),
  ASSERTION_EXPIRED: def(422, 'The assertion has expired; verify the caller again'),
  ASSERTION_BINDING_MISMATCH: def(422, 'The assertion was issued for another contact, session or challenge'),
  ASSERTION_PURPOSE_MISMATCH: def(422, 'The assertion was issued for another purpose'),
  ASSERTION_TRANSACTION_MISMATCH: def(422, 'The assertion was issued for another amount, currency or payee'),
  // 413 / 415
  BODY_TOO_LARGE: def(413, 'The request body is too large'),
  UNSUPPORTED_MEDIA_TYPE: def(415, 'Send JSON with Content-Type: application/json'),
  // 429: try again later; every one carries Retry-After
  RESEND_COOLDOWN: def(429, 'A PIN was sent moments ago; wait before asking for another'),
  MAX_SENDS_REACHED: def(429, 'This challenge has sent all the PINs it may; start a new one later'),
  CHALLENGE_LOCKED: def(429, 'Too many wrong PINs for this challenge; start a new one later'),
  PHONE_SEND_LIMIT: def(429, 'Too many PINs were sent to this number; try again later'),
  PHONE_LOCKED: def(429, 'Too many failed verifications for this number; try again later'),
  RATE_LIMITED: def(429, 'Too many requests; slow down'),
  CLIENT_SEND_LIMIT: def(429, 'This API key has sent all the SMS it may in this window; try again later'),
  PREFIX_SEND_LIMIT: def(429, 'Too many PINs were sent to numbers close to this one; try again later'),
  // 500 / 503: our side; nothing was granted
  INTERNAL: def(500, 'Internal error'),
  SMS_SEND_FAILED: def(
    503,
    'The SMS could not be sent (or the provider did not confirm it in time); ask for a new PIN',
  ),
  SMS_BUDGET_EXCEEDED: def(503, 'The service has sent all the SMS it may today; try again later'),
  VOICE_SEND_FAILED: def(503, 'The call could not be placed; nothing was counted against you, try again or use sms'),
  VOICE_BUDGET_EXCEEDED: def(503, 'The service has placed all the PIN calls it may today; try again later or use sms'),
  DEPENDENCY_UNAVAILABLE: def(503, 'A dependency is unavailable; nothing was granted, try again'),
  // Only the Lambda shims say this: the service did not answer, or not with a well-formed result.
  SERVICE_UNAVAILABLE: def(503, 'The verification service did not answer in time; nothing was granted'),
  // Order sessions, the menu and encrypted PINs
  SESSION_NOT_FOUND: def(404, 'The session does not exist or has expired; start a new one'),
  SESSION_NOT_AUTHENTICATED: def(401, 'Verify the session with a PIN before ordering'),
  SESSION_ALREADY_AUTHENTICATED: def(409, 'The session is already verified; no PIN is needed'),
  CONTACT_NOT_FOUND: def(
    404,
    'No phone number is registered for this contact, so no PIN can be sent; please contact support',
  ),
  UNKNOWN_MENU_ITEM: def(422, 'That item is not on the menu'),
  ORDER_LIMIT_REACHED: def(422, 'The order cannot hold more of that item'),
  INVALID_CIPHERTEXT: def(400, 'The encrypted PIN could not be decrypted for this challenge'),
  ENCRYPTION_NOT_CONFIGURED: def(
    400,
    'Encrypted PINs are not enabled on this service (KMS_KEY_ID is not set); send the PIN as pin',
  ),
} as const

export type ErrorCode = keyof typeof ErrorCodes

/** The one error type the core and the adapters throw; the HTTP layer maps it 1:1. */
export class PinlineError extends Error {
  readonly code: ErrorCode
  readonly statusCode: number
  /** Seconds until the client may try again (becomes Retry-After). */
  readonly retryAfter: number | undefined

  constructor(code: ErrorCode, opts: { message?: string; retryAfter?: number; cause?: unknown } = {}) {
    super(opts.message ?? ErrorCodes[code].message, { cause: opts.cause })
    this.name = 'PinlineError'
    this.code = code
    this.statusCode = ErrorCodes[code].status
    this.retryAfter = opts.retryAfter === undefined ? undefined : Math.max(1, Math.ceil(opts.retryAfter))
  }
}

export function isPinlineError(err: unknown): err is PinlineError {
  return err instanceof PinlineError
}
