// Every error code pinline answers with, in one place. Clients switch on `code`;
// `message` is for people. Codes are stable: add new ones, never rename.

export const ErrorCodes = {
  // 400: the request itself is wrong
  VALIDATION_FAILED: { status: 400, message: 'The request does not match the schema' },
  INVALID_JSON: { status: 400, message: 'The body is not valid JSON' },
  INVALID_PHONE: { status: 400, message: 'The phone number is not a valid E.164 number' },
  INVALID_PIN_FORMAT: { status: 400, message: 'The PIN must be ASCII digits of the configured length' },
  INVALID_EMAIL: { status: 400, message: 'The e-mail address is not valid' },
  // 401 / 404 / 409
  UNAUTHORIZED: { status: 401, message: 'A valid API key is required (Authorization: Bearer <key>)' },
  NOT_FOUND: { status: 404, message: 'No such route' },
  CALLER_NOT_FOUND: { status: 404, message: 'No caller is enrolled with that phone number' },
  CHALLENGE_NOT_FOUND: { status: 404, message: 'The challenge does not exist, has expired or was already used; request a new PIN' },
  METHOD_NOT_ALLOWED: { status: 405, message: 'Method not allowed' },
  EMAIL_TAKEN: { status: 409, message: 'That e-mail address belongs to another caller' },
  // 422: well-formed, but policy forbids it
  DESTINATION_NOT_ALLOWED: { status: 422, message: 'PINs are not sent to numbers in that country or network' },
  // 413 / 415
  BODY_TOO_LARGE: { status: 413, message: 'The request body is too large' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, message: 'Send JSON with Content-Type: application/json' },
  // 429: try again later; every one carries Retry-After
  RESEND_COOLDOWN: { status: 429, message: 'A PIN was sent moments ago; wait before asking for another' },
  MAX_SENDS_REACHED: { status: 429, message: 'This challenge has sent all the PINs it may; start a new one later' },
  CHALLENGE_LOCKED: { status: 429, message: 'Too many wrong PINs for this challenge; start a new one later' },
  PHONE_SEND_LIMIT: { status: 429, message: 'Too many PINs were sent to this number; try again later' },
  PHONE_LOCKED: { status: 429, message: 'Too many failed verifications for this number; try again later' },
  RATE_LIMITED: { status: 429, message: 'Too many requests; slow down' },
  PREFIX_SEND_LIMIT: { status: 429, message: 'Too many PINs were sent to numbers close to this one; try again later' },
  // 500 / 503: our side; nothing was granted
  INTERNAL: { status: 500, message: 'Internal error' },
  SMS_SEND_FAILED: { status: 503, message: 'The SMS could not be sent; nothing was counted against you, try again' },
  SMS_BUDGET_EXCEEDED: { status: 503, message: 'The service has sent all the SMS it may today; try again later' },
  DEPENDENCY_UNAVAILABLE: { status: 503, message: 'A dependency is unavailable; nothing was granted, try again' },
} as const satisfies Record<string, { status: number; message: string }>

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
