import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { createSnsSender, snsSendDeadlineMs } from '../../services/auth/src/adapters/sms/sns-sender.ts'
import { freePort } from '../support/app/free-port.ts'
import { startSnsStandIn, type SnsStandIn } from '../support/stand-ins/sns-stand-in.ts'

// The SNS sender's retry policy on the wire, with the real SDK: retry only what cannot have
// reached SNS (throttling and 5xx answers, connections that never opened), never a request that
// timed out after it was sent, since SNS may have accepted it and would deliver a second SMS.

let sns: SnsStandIn
beforeAll(async () => {
  sns = await startSnsStandIn()
})
afterAll(() => sns?.close())
beforeEach(() => sns.reset())

const options = { timeoutMs: 300, maxAttempts: 3 }
const client = (endpoint: string) => ({
  region: 'us-east-1',
  endpoint,
  credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
})
const message = { to: '+819012345678', body: 'pinline: your code is 123456' }

type SdkError = { name: string; $metadata?: { attempts?: number }; cause?: SdkError }
async function failure(send: Promise<void>): Promise<{ name: string; attempts: number | undefined; cause?: string }> {
  const err = await send.then(
    () => undefined,
    (e: unknown) => e as SdkError,
  )
  if (!err) throw new Error('the send succeeded')
  // An outcome that is unknown is reported as such, with the SDK's error as its cause.
  const sdk = err.name === 'SmsOutcomeUnknown' ? err.cause! : err
  return { name: err.name, attempts: sdk.$metadata?.attempts, ...(err.cause ? { cause: err.cause.name } : {}) }
}

describe('SNS retry policy', () => {
  it('a request that timed out after it was sent is not retried: one request, one attempt', async () => {
    sns.failNext(3, 'hang')
    const err = await failure(createSnsSender(options, client(sns.url)).send(message))
    expect(err).toEqual({ name: 'SmsOutcomeUnknown', cause: 'TimeoutError', attempts: 1 })
    expect(sns.requestCount()).toBe(1)
  })

  it('a connection that was refused (nothing was sent) is retried, SMS_MAX_ATTEMPTS attempts in all', async () => {
    const closed = `http://127.0.0.1:${await freePort()}`
    const err = await failure(createSnsSender(options, client(closed)).send(message))
    expect(err.attempts).toBe(3)
  })

  it('throttling and 5xx are still retried, and the message then goes once', async () => {
    sns.failNext(1, 'throttle')
    sns.failNext(1, 'server-error')
    await createSnsSender(options, client(sns.url)).send(message)
    expect(sns.requestCount()).toBe(3)
    expect(sns.publishes).toHaveLength(1)
  })

  it('the whole send has one deadline covering every attempt and the backoff between them', () => {
    // 3 attempts of 300 ms, and the SDK's throttling backoff ceilings of 1 s and 2 s between them.
    expect(snsSendDeadlineMs(options)).toBe(3 * 300 + 1000 + 2000)
    expect(snsSendDeadlineMs({ timeoutMs: 3000, maxAttempts: 1 })).toBe(3000)
  })
})
