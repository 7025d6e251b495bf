import { LogController, type FastifyReply, type FastifyRequest, type FastifyServerOptions } from 'fastify'
import { stdSerializers } from 'pino'

// Runs of 5+ digits (optionally after + or %2B) are phone numbers until proven
// otherwise: keep the last four, so support can still match a log line to a caller.
const DIGIT_RUNS = /(\+|%2B)?\d{5,}/gi

export function maskDigits(text: string): string {
  return text.replace(DIGIT_RUNS, (run, plus: string | undefined) => {
    const digits = run.slice(plus?.length ?? 0)
    return `${plus ? '+' : ''}${'*'.repeat(digits.length - 4)}${digits.slice(-4)}`
  })
}

/** Every string in a serialised error, masked: errors quote input (SNS names the number it refused). */
function maskStrings(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return maskDigits(value)
  if (value === null || typeof value !== 'object' || depth > 4) return value
  if (Array.isArray(value)) return value.map((v) => maskStrings(v, depth + 1))
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, maskStrings(v, depth + 1)]))
}

/** pino options: JSON lines, request ids, and nothing secret in them. */
export function loggerOptions(level: string): NonNullable<FastifyServerOptions['loggerInstance']> | Record<string, unknown> {
  return {
    level,
    redact: {
      // Credentials and codes never reach a log line, whatever object they travel in.
      paths: [
        'req.headers.authorization', 'req.headers.cookie', 'headers.authorization',
        'pin', '*.pin', 'encryptedPin', '*.encryptedPin', 'secret', '*.secret',
      ],
      censor: '[redacted]',
    },
    serializers: {
      req(req: { method: string; url: string; id: string; ip?: string }) {
        return { id: req.id, method: req.method, url: maskDigits(req.url) }
      },
      err: (err: Error) => maskStrings(stdSerializers.err(err)),
    },
  }
}

/**
 * One access line per request, written when it is answered, with the request, the
 * status and the time. Fastify's default adds an 'incoming request' line before it
 * that repeats the method and URL: twice the log volume and, at info, the largest
 * single cost of a request (see docs/performance.md). Every other line Fastify
 * writes (errors, aborted streams, unknown routes) is kept.
 */
export class AccessLog extends LogController {
  override incomingRequest(): void {}

  override requestCompleted(error: Error | null | undefined, req: FastifyRequest, reply: FastifyReply): void {
    if (this.isLogDisabled(req)) return
    if (error) reply.log.error({ req, res: reply, err: error, responseTime: reply.elapsedTime }, 'request errored')
    else reply.log.info({ req, res: reply, responseTime: reply.elapsedTime }, 'request completed')
  }
}
