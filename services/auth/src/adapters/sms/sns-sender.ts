import { PublishCommand, SNSClient, type MessageAttributeValue, type SNSClientConfig } from '@aws-sdk/client-sns'
import { StandardRetryStrategy } from '@smithy/core/retry'
import { SmsOutcomeUnknown, type SmsSender } from '../../core/ports.ts'
import { snsSendDeadlineMs } from './send-deadline.ts'

export { snsSendDeadlineMs }

export interface SnsSenderOptions {
  senderId?: string | undefined
  originationNumber?: string | undefined
  timeoutMs: number
  maxAttempts: number
}

type RetryToken = Parameters<StandardRetryStrategy['recordSuccess']>[0]
type RetryErrorInfo = Parameters<StandardRetryStrategy['refreshRetryTokenForRetry']>[1]

// Connection failures where the request never left this host: no connection was made, so SNS
// cannot have seen the message. (ECONNRESET and EPIPE may come after the request was written.)
const NOT_CONNECTED = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH'])
// @smithy/node-http-handler's connectionTimeout: the socket never connected. If a release words it
// differently, the error is simply not retried, which is the safe side.
const CONNECT_TIMEOUT = /did not establish a connection/

/**
 * Whether a failed attempt certainly did not reach SNS, or reached it and was refused: only then
 * is sending again harmless. An HTTP answer (429, 5xx) means SNS handled the request and did not
 * accept it. A timeout once the request was written (requestTimeout, socket timeout), a reset or
 * an abort leave the outcome unknown: SNS may have accepted the message.
 */
export function nothingWasSent(error: unknown): boolean {
  const e = error as { $metadata?: { httpStatusCode?: number }; code?: unknown; message?: unknown } | undefined
  if (!e) return false
  if (typeof e.$metadata?.httpStatusCode === 'number') return true
  if (typeof e.code === 'string' && NOT_CONNECTED.has(e.code)) return true
  return typeof e.message === 'string' && CONNECT_TIMEOUT.test(e.message)
}

/**
 * The SDK's standard retry strategy (backoff, retry quota, which errors are transient), except
 * that it never retries an attempt that may have reached SNS: SNS has no idempotency key for
 * SMS, so such a retry can deliver the same code twice.
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
    if (!nothingWasSent(info.error)) throw new Error('not retried: the request may have reached SNS')
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

/**
 * SMS through Amazon SNS Publish. The client takes region, credentials and
 * AWS_ENDPOINT_URL_SNS from the SDK's default chain (`clientConfig` overrides them, for tests).
 * Throttling, 5xx and connections that never opened are retried with the SDK's backoff
 * (maxAttempts in all); a request that timed out is not, so SNS never gets the same message twice
 * from us. A slow SNS then costs the user a retry rather than a duplicate SMS.
 */
export function createSnsSender(opts: SnsSenderOptions, clientConfig: SNSClientConfig = {}): SmsSender {
  const sns = new SNSClient({ ...sendOnceClientConfig(opts), ...clientConfig })
  const deadlineMs = snsSendDeadlineMs(opts)
  const attributes: Record<string, MessageAttributeValue> = {
    'AWS.SNS.SMS.SMSType': { DataType: 'String', StringValue: 'Transactional' },
  }
  if (opts.senderId) attributes['AWS.SNS.SMS.SenderID'] = { DataType: 'String', StringValue: opts.senderId }
  if (opts.originationNumber)
    attributes['AWS.MM.SMS.OriginationNumber'] = { DataType: 'String', StringValue: opts.originationNumber }

  return {
    async send({ to, body }) {
      try {
        await sns.send(new PublishCommand({ PhoneNumber: to, Message: body, MessageAttributes: attributes }), {
          abortSignal: AbortSignal.timeout(deadlineMs),
        })
      } catch (err) {
        // Only an answer from SNS or a connection that never opened says "not sent"; anything
        // else (a timeout once sent, a reset, the deadline) may have delivered the SMS.
        if (nothingWasSent(err)) throw err
        throw new SmsOutcomeUnknown('SNS may have accepted the SMS (no answer in time)', { cause: err })
      }
    },
  }
}
