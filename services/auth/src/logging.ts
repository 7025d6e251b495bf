import {
  LogController,
  type FastifyBaseLogger,
  type FastifyReply,
  type FastifyRequest,
  type FastifyServerOptions,
} from 'fastify'
import { stdSerializers, type Bindings, type ChildLoggerOptions, type Level } from 'pino'
import type { ErrorCode } from './core/errors.ts'

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

/** An unrouted URL as logged: its path with digit runs masked, without the query string. */
export function unroutedUrl(url: string): string {
  const q = url.indexOf('?')
  return maskDigits(q < 0 ? url : url.slice(0, q))
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i
const SAFE_ID = /^[A-Za-z0-9._:-]{1,64}$/
const DIGIT_RUN = /[0-9]{7}/

/**
 * The client's request id if it is safe to echo and log: a UUID, or up to 64 of
 * `A-Z a-z 0-9 . _ : -` without a run of 7 digits (a phone number; `@` rules out e-mails).
 * Anything else (too long, another alphabet, several headers) is replaced by a fresh UUID.
 */
export function acceptedRequestId(header: string | string[] | undefined): string | undefined {
  if (typeof header !== 'string') return undefined
  if (UUID.test(header)) return header
  return SAFE_ID.test(header) && !DIGIT_RUN.test(header) ? header : undefined
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
      // which are bearer-like) stay out of the log. Unrouted URLs keep their path, masked, and
      // lose their query string (it can carry anything: e-mail addresses, tokens).
      req(req: { method: string; url: string; id: string; routeOptions?: { url?: string } }) {
        return { id: req.id, method: req.method, url: req.routeOptions?.url ?? unroutedUrl(req.url) }
      },
      err: (err: Error) => maskStrings(stdSerializers.err(err)),
    },
  }
}

type LogFn = FastifyBaseLogger['info']

// Per root logger: the same logger without the redaction pass, for lines whose every field is
// known to hold nothing secret (see RequestLog.known).
const knownFieldLoggers = new WeakMap<FastifyBaseLogger, FastifyBaseLogger>()
function knownFieldLogger(root: FastifyBaseLogger): FastifyBaseLogger {
  let log = knownFieldLoggers.get(root)
  if (log === undefined) {
    log = root.child({}, { redact: [] } as ChildLoggerOptions)
    knownFieldLoggers.set(root, log)
  }
  return log
}

/**
 * A request's logger (Fastify's `childLoggerFactory`): the pino child with the request id is made
 * on the first line the request logs, not for every request (most log only their access line,
 * which needs no child: see `known`). Lines logged through it are redacted as before.
 */
export class RequestLog {
  #parent: FastifyBaseLogger
  #bindings: Bindings
  #opts: ChildLoggerOptions
  #child: FastifyBaseLogger | undefined

  constructor(parent: FastifyBaseLogger, bindings: Bindings, opts: ChildLoggerOptions) {
    this.#parent = parent
    this.#bindings = bindings
    this.#opts = opts
  }

  get #log(): FastifyBaseLogger {
    this.#child ??= this.#parent.child(this.#bindings, this.#opts)
    return this.#child
  }

  get level(): string {
    return this.#child?.level ?? this.#opts.level ?? this.#parent.level
  }

  set level(level: string) {
    this.#log.level = level
  }

  /** Whether the line needs writing at all: a level the parent does not write needs no child. */
  #skips(level: Level): boolean {
    if (this.#child !== undefined || this.#opts.level !== undefined) return false
    const parent = this.#parent as FastifyBaseLogger & { isLevelEnabled?(level: string): boolean }
    return parent.isLevelEnabled?.(level) === false
  }

  #write(level: Level, args: Parameters<LogFn>): void {
    if (!this.#skips(level)) (this.#log[level] as (...a: unknown[]) => void)(...args)
  }

  fatal: LogFn = (...args: Parameters<LogFn>) => this.#write('fatal', args)
  error: LogFn = (...args: Parameters<LogFn>) => this.#write('error', args)
  warn: LogFn = (...args: Parameters<LogFn>) => this.#write('warn', args)
  info: LogFn = (...args: Parameters<LogFn>) => this.#write('info', args)
  debug: LogFn = (...args: Parameters<LogFn>) => this.#write('debug', args)
  trace: LogFn = (...args: Parameters<LogFn>) => this.#write('trace', args)
  silent: LogFn = () => undefined

  child(bindings: Bindings, opts?: ChildLoggerOptions): FastifyBaseLogger {
    return this.#log.child(bindings, opts)
  }

  /**
   * A line whose fields hold nothing secret by construction (a method, a route template or masked
   * URL, a status, a duration, an error code): the same JSON with the request id, written without
   * the wildcard redaction pass (about half the cost of a line).
   */
  known(level: 'info' | 'warn', fields: Record<string, unknown>, msg: string): void {
    if (this.#skips(level)) return
    if (this.#child !== undefined || this.#opts.level !== undefined) this.#log[level](fields, msg)
    else knownFieldLogger(this.#parent)[level]({ ...this.#bindings, ...fields }, msg)
  }
}

export const requestLog = (logger: FastifyBaseLogger, bindings: Bindings, opts: ChildLoggerOptions) =>
  new RequestLog(logger, bindings, opts) as unknown as FastifyBaseLogger

/** A line whose fields hold nothing secret, through RequestLog.known when the request has one. */
function logKnown(req: FastifyRequest, level: 'info' | 'warn', fields: Record<string, unknown>, msg: string) {
  const log = req.log as unknown
  if (log instanceof RequestLog) log.known(level, fields, msg)
  else req.log[level](fields, msg)
}

/**
 * What a request's access line says besides the request and the answer, instead of a line of its
 * own: why it was refused (a 4xx: our error code), or how a Lex turn ended (a step name or one of
 * our codes). Only our own names: the line skips the redaction pass.
 */
export interface AccessNote {
  code?: ErrorCode
  lex?: { outcome: string }
}
const notes = new WeakMap<FastifyRequest, AccessNote>()

/** Adds to what the request's access line says (see AccessNote). */
export function noteOnAccessLine(req: FastifyRequest, note: AccessNote): void {
  const before = notes.get(req)
  notes.set(req, before === undefined ? note : { ...before, ...note })
}

/** Notes why a request was refused (a 4xx): its access line carries the code. */
export function noteRefusal(req: FastifyRequest, code: ErrorCode): void {
  noteOnAccessLine(req, { code })
}

/** The access line's fields: nothing in them to redact (see AccessLog). */
function writeAccessLine(req: FastifyRequest, reply: FastifyReply, timed: boolean): void {
  const fields = timed ? { req, res: reply, responseTime: reply.elapsedTime } : { req, res: reply }
  const note = notes.get(req)
  logKnown(req, 'info', note === undefined ? fields : { ...fields, ...note }, 'request completed')
}

/**
 * One access line per request, written when it is answered, with the request, the
 * status, the time and, for a refusal, our error code. Fastify's default adds an
 * 'incoming request' line before it that repeats the method and URL: twice the log
 * volume and, at info, the largest single cost of a request (see docs/performance.md).
 * Every other line Fastify writes (errors, aborted streams, unknown routes) is kept.
 * The line's fields are the request id, method, route template (or masked URL),
 * status, time and code: nothing to redact, so it skips the redaction pass.
 */
export class AccessLog extends LogController {
  override incomingRequest(): void {}

  override requestCompleted(error: Error | null | undefined, req: FastifyRequest, reply: FastifyReply): void {
    if (this.isLogDisabled(req)) return
    if (error) reply.log.error({ req, res: reply, err: error, responseTime: reply.elapsedTime }, 'request errored')
    else writeAccessLine(req, reply, true)
  }
}

/**
 * A request the router refuses before any route (a bad URL escape, an over-long path
 * parameter): Fastify calls no requestCompleted for it, so its access line is written here,
 * once the answer is sent or the client has gone (without a time: Fastify keeps none on that path).
 */
export function logAccessWhenSent(req: FastifyRequest, reply: FastifyReply): void {
  reply.raw.once('close', () => writeAccessLine(req, reply, false))
}
