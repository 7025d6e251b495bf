import { setTimeout as sleep } from 'node:timers/promises'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { createEumClient } from '../../services/auth/src/adapters/eum/client.ts'
import { createEumSmsSender } from '../../services/auth/src/adapters/eum/sms-sender.ts'
import { createEumVoiceSender } from '../../services/auth/src/adapters/eum/voice-sender.ts'
import { createSnsSender, snsSendDeadlineMs } from '../../services/auth/src/adapters/sms/sns-sender.ts'
import { freePort } from '../support/app/free-port.ts'
import { startEumStandIn, type EumStandIn } from '../support/stand-ins/eum-stand-in.ts'
import { startSnsStandIn, type SnsStandIn } from '../support/stand-ins/sns-stand-in.ts'

// The senders' retry policy on the wire, with the real SDK: retry only what cannot have
// reached the provider (throttling and 5xx answers, connections that never opened), never a request
// that timed out after it was sent, since the provider may have accepted it and would deliver a
// second SMS (or place a second call). SNS first; End User Messaging SMS and voice share it.

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

  it('an accepting 200 whose body cannot be read is an unknown outcome, not a refusal, and is not retried', async () => {
    sns.failNext(3, 'garbled')
    const err = await failure(createSnsSender(options, client(sns.url)).send(message))
    expect(err).toMatchObject({ name: 'SmsOutcomeUnknown', attempts: 1 })
    expect(sns.requestCount()).toBe(1)
    expect(sns.publishes).toHaveLength(1)
  })

  it('credentials that cannot be had: nothing was signed or sent, so it is a refusal (the caps are given back)', async () => {
    const noCredentials = async () => {
      throw Object.assign(new Error('Could not load credentials from any providers'), {
        name: 'CredentialsProviderError',
      })
    }
    const err = await failure(
      createSnsSender(options, { ...client(sns.url), credentials: noCredentials }).send(message),
    )
    expect(err.name).toBe('CredentialsProviderError')
    expect(sns.requestCount()).toBe(0)
  })

  it('credentials slower than the send deadline: a refusal at the deadline, no request (nothing was signed)', async () => {
    const slowCredentials = async () => {
      await sleep(1000)
      return { accessKeyId: 'test', secretAccessKey: 'test' }
    }
    const started = performance.now()
    const err = await failure(
      createSnsSender({ timeoutMs: 100, maxAttempts: 1 }, { ...client(sns.url), credentials: slowCredentials }).send(
        message,
      ),
    )
    // Before: the SDK fetched them outside the deadline (1 s on a 100 ms deadline), then counted
    // the passed deadline as a send that may have gone out.
    expect(err.name).toBe('TimeoutError')
    expect(performance.now() - started).toBeLessThan(600)
    expect(sns.requestCount()).toBe(0)
  })

  it('the whole send has one deadline covering every attempt and the backoff between them', () => {
    // 3 attempts of 300 ms, and the SDK's throttling backoff ceilings of 1 s and 2 s between them.
    expect(snsSendDeadlineMs(options)).toBe(3 * 300 + 1000 + 2000)
    expect(snsSendDeadlineMs({ timeoutMs: 3000, maxAttempts: 1 })).toBe(3000)
  })
})

describe('End User Messaging SMS and voice: the same policy and the same outcomes', () => {
  let eum: EumStandIn
  beforeAll(async () => {
    eum = await startEumStandIn()
  })
  afterAll(() => eum?.close())
  beforeEach(() => eum.reset())

  const deadlineMs = snsSendDeadlineMs(options)
  const senders = {
    SMS: () => createEumSmsSender(createEumClient(options, client(eum.url)), { deadlineMs }).send(message),
    voice: () =>
      createEumVoiceSender(createEumClient(options, client(eum.url)), {
        originationIdentity: '+81345678901',
        voices: { en: 'JOANNA', ja: 'MIZUKI' },
        deadlineMs,
      }).call({ to: message.to, ssml: '<speak>1 2 3 4 5 6</speak>', locale: 'en' }),
  }

  it.each(['SMS', 'voice'] as const)(
    '%s: a request that timed out after it was sent is not retried, and its outcome is unknown',
    async (kind) => {
      eum.failNext(3, 'hang')
      expect(await failure(senders[kind]())).toEqual({ name: 'SmsOutcomeUnknown', cause: 'TimeoutError', attempts: 1 })
      expect(eum.requestCount()).toBe(1)
    },
  )

  it.each(['SMS', 'voice'] as const)(
    '%s: accepted but answered after the timeout: sent once, outcome unknown',
    async (kind) => {
      eum.setLatency(600)
      expect(await failure(senders[kind]())).toMatchObject({ name: 'SmsOutcomeUnknown', attempts: 1 })
      expect(eum.requestCount()).toBe(1)
      expect(eum.texts.length + eum.calls.length).toBe(1)
    },
  )

  it.each(['SMS', 'voice'] as const)(
    '%s: credentials slower than the send deadline: a refusal at the deadline, no request',
    async (kind) => {
      const slow = {
        ...client(eum.url),
        credentials: async () => {
          await sleep(1000)
          return { accessKeyId: 'test', secretAccessKey: 'test' }
        },
      }
      const eumClient = createEumClient({ timeoutMs: 100, maxAttempts: 1 }, slow)
      const send = {
        SMS: () => createEumSmsSender(eumClient, { deadlineMs: 100 }).send(message),
        voice: () =>
          createEumVoiceSender(eumClient, {
            originationIdentity: '+81345678901',
            voices: { en: 'JOANNA', ja: 'MIZUKI' },
            deadlineMs: 100,
          }).call({ to: message.to, ssml: '<speak>1 2 3 4 5 6</speak>', locale: 'en' }),
      }
      const started = performance.now()
      expect((await failure(send[kind]())).name).toBe('TimeoutError')
      expect(performance.now() - started).toBeLessThan(600)
      expect(eum.requestCount()).toBe(0)
    },
  )

  it.each(['SMS', 'voice'] as const)('%s: throttled every time is a refusal (nothing was sent)', async (kind) => {
    eum.failNext(3, 'throttle')
    expect(await failure(senders[kind]())).toEqual({ name: 'ThrottlingException', attempts: 3 })
    expect(eum.requestCount()).toBe(3)
  })
})
