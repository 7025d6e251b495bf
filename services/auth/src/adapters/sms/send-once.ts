import { StandardRetryStrategy } from '@smithy/core/retry'
import { SmsOutcomeUnknown } from '../../core/ports.ts'

// What every AWS sender (SNS SMS, End User Messaging SMS and voice) shares: none of these APIs
// takes an idempotency key, so a request that may have reached the provider is never sent again,
// and a send that failed is reported as refused only when nothing can have been sent.

type RetryToken = Parameters<StandardRetryStrategy['recordSuccess']>[0]
type RetryErrorInfo = Parameters<StandardRetryStrategy['refreshRetryTokenForRetry']>[1]

// Connection failures where the request never left this host: no connection was made, so the
// provider cannot have seen the message. (ECONNRESET and EPIPE may come after the request was written.)
const NOT_CONNECTED = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH'])
// @smithy/node-http-handler's connectionTimeout: the socket never connected. If a release words it
// differently, the error is simply not retried, which is the safe side.
const CONNECT_TIMEOUT = /did not establish a connection/

// Credentials that could not be had (the task role's endpoint down, say): the request was never signed, so never sent.
const NOT_SIGNED = new Set(['CredentialsProviderError'])

/**
 * Whether a failed attempt certainly did not reach the provider, or reached it and was refused:
 * only then is sending again harmless. An HTTP error answer (429, 5xx, 4xx) means the provider
 * handled the request and did not accept it. A 2xx it came with (the SDK could not read the body
 * of an answer that accepted the message: cut, stalled or malformed), a timeout once the request
 * was written (requestTimeout, socket timeout), a reset or an abort leave the outcome unknown:
 * the provider may have accepted it.
 */
export function nothingWasSent(error: unknown): boolean {
  const e = error as
    | { name?: unknown; $metadata?: { httpStatusCode?: number }; code?: unknown; message?: unknown }
    | undefined
  if (!e) return false
  const status = e.$metadata?.httpStatusCode
  if (typeof status === 'number') return status >= 300
  if (typeof e.name === 'string' && NOT_SIGNED.has(e.name)) return true
  if (typeof e.code === 'string' && NOT_CONNECTED.has(e.code)) return true
  return typeof e.message === 'string' && CONNECT_TIMEOUT.test(e.message)
}

/** What sendOnce needs of an SDK client: its credentials provider (the SDK memoises what it gives). */
export interface CredentialedClient {
  config: { credentials: () => Promise<unknown> }
}

/**
 * One send through a provider, as the core needs its outcome: resolves once accepted, rethrows a
 * definite refusal (the core takes the send back from every counter), and throws
 * SmsOutcomeUnknown for anything else (a timeout once sent, a reset, the send deadline), so the
 * send stays counted: otherwise a provider slower than SMS_TIMEOUT_MS would lift every cap.
 * The whole send, credentials included, ends within `deadlineMs`.
 */
export async function sendOnce(
  what: string,
  client: CredentialedClient,
  deadlineMs: number,
  send: (abortSignal: AbortSignal) => Promise<unknown>,
): Promise<void> {
  const deadline = AbortSignal.timeout(deadlineMs)
  // Credentials first, within the deadline. The SDK fetches them before it looks at the deadline,
  // so a slow credentials endpoint (the task role's) outlasted it, and a deadline that passed
  // while they were on their way read as a send that may have gone out. Until a request is
  // signed, none was sent: a failure here is a refusal, the send is taken back.
  await untilAborted(client.config.credentials(), deadline)
  try {
    await send(deadline)
  } catch (err) {
    if (nothingWasSent(err)) throw err
    throw new SmsOutcomeUnknown(`${what}: the provider may have accepted it (no answer in time)`, { cause: err })
  }
}

/** `work`, or the signal's reason once it aborts, whichever comes first. */
function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason)
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason)
    signal.addEventListener('abort', onAbort, { once: true })
    work.then(
      (value) => {
        signal.removeEventListener('abort', onAbort)
        resolve(value)
      },
      (err: unknown) => {
        signal.removeEventListener('abort', onAbort)
        reject(err)
      },
    )
  })
}

/**
 * The SDK's standard retry strategy (backoff, retry quota, which errors are transient), except
 * that it never retries an attempt that may have reached the provider: such a retry can deliver
 * the same code twice.
 */
export class NoDuplicateRetryStrategy {
  readonly mode = 'standard'
  readonly #inner: StandardRetryStrategy

  constructor(maxAttempts: number) {
    this.#inner = new StandardRetryStrategy(maxAttempts)
  }

  acquireInitialRetryToken(scope: string): Promise<RetryToken> {
    return this.#inner.acquireInitialRetryToken(scope)
  }

  async refreshRetryTokenForRetry(token: RetryToken, info: RetryErrorInfo): Promise<RetryToken> {
    // Refusing the token ends the call; the SDK then throws the attempt's own error.
    if (!nothingWasSent(info.error)) throw new Error('not retried: the request may have reached the provider')
    return this.#inner.refreshRetryTokenForRetry(token, info)
  }

  recordSuccess(token: RetryToken): void {
    this.#inner.recordSuccess(token)
  }
}

/**
 * SDK client settings for an API that may deliver a message twice if a request is retried:
 * bounded attempts, no retry after a request that may have arrived, and a request timeout that
 * throws (without throwOnRequestTimeout the SDK only warns and waits forever on a hung endpoint).
 */
export function sendOnceClientConfig(opts: { timeoutMs: number; maxAttempts: number }) {
  return {
    maxAttempts: opts.maxAttempts,
    retryStrategy: new NoDuplicateRetryStrategy(opts.maxAttempts),
    requestHandler: {
      requestTimeout: opts.timeoutMs,
      throwOnRequestTimeout: true,
      connectionTimeout: Math.min(opts.timeoutMs, 2000),
    },
  }
}
