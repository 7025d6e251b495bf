import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { ErrorCodes, PinlineError, isPinlineError, type ErrorCode } from '../../core/errors.ts'
import { logAccessWhenSent, noteRefusal } from '../../logging.ts'

// Fastify's own errors, mapped onto our stable codes.
const FASTIFY_CODES: Record<string, ErrorCode> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'VALIDATION_FAILED',
  FST_ERR_CTP_BODY_TOO_LARGE: 'BODY_TOO_LARGE',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'INVALID_JSON',
  FST_ERR_CTP_INVALID_JSON_BODY: 'INVALID_JSON',
  // From the router, before any route: a malformed or over-long path parameter.
  FST_ERR_BAD_URL: 'VALIDATION_FAILED',
  FST_ERR_MAX_PARAM_LENGTH: 'VALIDATION_FAILED',
}

// A schema failure on a field with a code of its own gets that code.
const FIELD_CODES: Record<string, ErrorCode> = {
  pin: 'INVALID_PIN_FORMAT',
  phone: 'INVALID_PHONE',
  email: 'INVALID_EMAIL',
}

export function toPinlineError(err: FastifyError): PinlineError {
  if (isPinlineError(err)) return err
  if (err.validation) {
    const first = err.validation[0]
    const field = first?.instancePath.split('/').filter(Boolean)[0]
    const code = (field && FIELD_CODES[field]) || 'VALIDATION_FAILED'
    return new PinlineError(code, {
      message:
        `${err.validationContext ?? 'request'}${first?.instancePath ?? ''} ${first?.message ?? 'is invalid'}`.trim(),
    })
  }
  if (err instanceof SyntaxError || (err.code && FASTIFY_CODES[err.code] === 'INVALID_JSON'))
    return new PinlineError('INVALID_JSON')
  const mapped = err.code && FASTIFY_CODES[err.code]
  if (mapped) return new PinlineError(mapped)
  // secure-json-parse refuses __proto__ / constructor.prototype: prototype pollution attempts.
  if (err.statusCode === 400) return new PinlineError('VALIDATION_FAILED', { message: err.message })
  if (err.statusCode === 429)
    return new PinlineError('RATE_LIMITED', { retryAfter: Number((err as { retryAfter?: number }).retryAfter ?? 1) })
  return new PinlineError('INTERNAL', { cause: err })
}

/**
 * One error handler: every error leaves as {code, message}; details only below 500. The router's
 * own refusals come through it too (replyWithFrameworkError, below), before any route (and so any
 * setErrorHandler) applies.
 */
export function replyWithError(raw: FastifyError, req: FastifyRequest, reply: FastifyReply) {
  const err = toPinlineError(raw)
  if (err.statusCode >= 500) req.log.error({ err: raw, code: err.code }, 'request failed')
  // A refusal is not a line of its own: the request's access line carries the code.
  else noteRefusal(req, err.code)
  if (err.retryAfter !== undefined) reply.header('retry-after', String(err.retryAfter))
  const message = err.statusCode >= 500 ? ErrorCodes[err.code].message : err.message
  return reply.code(err.statusCode).send({ code: err.code, message })
}

/**
 * The server's `frameworkErrors` (see app.ts): the router's refusals before any route, such as a
 * bad URL escape or an over-long path parameter. The same answer, with the request id and an
 * access line like every other request's.
 */
export function replyWithFrameworkError(raw: FastifyError, req: FastifyRequest, reply: FastifyReply) {
  // No onRequest hook ran: the id that names the access line is echoed here (app.ts does it for the rest).
  reply.header('x-request-id', req.id)
  logAccessWhenSent(req, reply)
  return replyWithError(raw, req, reply)
}

export default fp(
  async (fastify: FastifyInstance) => {
    fastify.setErrorHandler(replyWithError)

    fastify.setNotFoundHandler((req, reply) => {
      noteRefusal(req, 'NOT_FOUND')
      return reply.code(404).send({ code: 'NOT_FOUND', message: ErrorCodes.NOT_FOUND.message })
    })
  },
  { name: 'error-handler' },
)
