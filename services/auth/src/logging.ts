import { LogController, type FastifyReply, type FastifyRequest, type FastifyServerOptions } from 'fastify'
import { stdSerializers } from 'pino'

// A number as people write it: digits with spaces, dots, dashes or brackets between them,
// raw or URL-encoded. Five digits or more are a phone number until proven otherwise: all
// but the last four are hidden, so support can still match a log line to a caller.
const NUMBER_LIKE = /(?:\+|%2B)?[\d(](?:[\d\s().-]|%20|%2D|%28|%29)*\d/gi

export function maskDigits(text: string): string {
  return text.replace(NUMBER_LIKE, (run) => {
    const digits = run.replace(/%2B|%20|%2D|%28|%29/gi, ' ').replace(/\D/g, '')
    if (digits.length < 5) return run
    return `${/^(\+|%2B)/i.test(run) ? '+' : ''}${'*'.repeat(digits.length - 4)}${digits.slice(-4)}`
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
export function loggerOptions(
  level: string,
): NonNullable<FastifyServerOptions['loggerInstance']> | Record<string, unknown> {
  return {
    level,
    redact: {
      // Credentials and codes never reach a log line, whatever object they travel in.
      paths: [
        'req.headers.authorization',
        'req.headers.cookie',
        'headers.authorization',
        'pin',
        '*.pin',
        'encryptedPin',
        '*.encryptedPin',
        'secret',
        '*.secret',
      ],
      censor: '[redacted]',
    },
    serializers: {
      // The route template, not the URL: path parameters (numbers, session and challenge ids,
      // which are bearer-like) stay out of the log. Unrouted URLs are masked instead.
      req(req: { method: string; url: string; id: string; routeOptions?: { url?: string } }) {
        return { id: req.id, method: req.method, url: req.routeOptions?.url ?? maskDigits(req.url) }
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
