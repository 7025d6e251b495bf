import { DecryptCommand, EncryptCommand, KMSClient } from '@aws-sdk/client-kms'
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { startKmsStandIn, type KmsStandIn } from '../support/stand-ins/kms-stand-in.ts'
import { startSnsStandIn, type SnsStandIn } from '../support/stand-ins/sns-stand-in.ts'

const credentials = { accessKeyId: 'test', secretAccessKey: 'test' }
// Gotcha: in this SDK (@smithy/node-http-handler 4.x) requestTimeout alone only logs a warning;
// throwOnRequestTimeout makes it an actual TimeoutError (retryable, like a network timeout).
const timeoutAfter = (ms: number) => ({ requestTimeout: ms, throwOnRequestTimeout: true })
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/

describe('SNS stand-in with the real @aws-sdk/client-sns', () => {
  let sns: SnsStandIn
  const client = (extra: Partial<ConstructorParameters<typeof SNSClient>[0]> = {}) =>
    new SNSClient({ region: 'us-east-1', endpoint: sns.url, credentials, ...extra })
  const sms = (message = 'Your PIN is 123456') =>
    new PublishCommand({
      PhoneNumber: '+447700900123',
      Message: message,
      MessageAttributes: { 'AWS.SNS.SMS.SMSType': { DataType: 'String', StringValue: 'Transactional' } },
    })

  beforeAll(async () => void (sns = await startSnsStandIn()))
  beforeEach(() => sns.reset())
  afterAll(() => sns.close())

  it('records a publish with phone, message and attributes, and returns a MessageId', async () => {
    const out = await client().send(sms('PIN <1234> & more'))
    expect(out.MessageId).toMatch(UUID)
    expect(out.$metadata.requestId).toMatch(UUID)
    expect(sns.publishes).toEqual([
      {
        phoneNumber: '+447700900123',
        message: 'PIN <1234> & more',
        attributes: { 'AWS.SNS.SMS.SMSType': 'Transactional' },
        at: expect.any(Number),
      },
    ])
    expect(sns.requestCount()).toBe(1)
  })

  it('one throttle is retried by the SDK: exactly one publish, no error', async () => {
    sns.failNext(1, 'throttle')
    const out = await client().send(sms())
    expect(out.$metadata.attempts).toBe(2)
    expect(sns.publishes).toHaveLength(1)
    expect(sns.requestCount()).toBe(2)
  })

  it('persistent 500s: the SDK gives up after its retries with InternalErrorException', async () => {
    sns.failNext(10, 'server-error')
    await expect(client().send(sms())).rejects.toMatchObject({ name: 'InternalErrorException', $fault: 'server' })
    expect(sns.requestCount()).toBe(3) // default maxAttempts
    expect(sns.publishes).toHaveLength(0)
  })

  it('persistent throttling surfaces as ThrottledException', async () => {
    sns.failNext(3, 'throttle')
    await expect(client().send(sms())).rejects.toMatchObject({ name: 'ThrottledException' })
    expect(sns.publishes).toHaveLength(0)
  })

  it('invalid-parameter is a client fault and is not retried', async () => {
    sns.failNext(1, 'invalid-parameter')
    await expect(client().send(sms())).rejects.toMatchObject({ name: 'InvalidParameterException', $fault: 'client' })
    expect(sns.requestCount()).toBe(1)
  })

  it('rejects a phone number that is not E.164, like SNS', async () => {
    const bad = new PublishCommand({ PhoneNumber: '07700900123', Message: 'x' })
    await expect(client().send(bad)).rejects.toMatchObject({ name: 'InvalidParameterException' })
    expect(sns.publishes).toHaveLength(0)
  })

  it('hang: the client requestTimeout fires', async () => {
    sns.failNext(1, 'hang')
    const c = client({ maxAttempts: 1, requestHandler: timeoutAfter(200) })
    await expect(c.send(sms())).rejects.toMatchObject({ name: 'TimeoutError' })
    expect(sns.publishes).toHaveLength(0)
  })

  it('hang with requestTimeout but without throwOnRequestTimeout: only a warning, the call keeps waiting', async () => {
    sns.failNext(1, 'hang')
    const warnings: string[] = []
    const logger = { debug() {}, info() {}, error() {}, warn: (m: string) => void warnings.push(m) }
    const c = client({ maxAttempts: 1, requestHandler: { requestTimeout: 100, logger } })
    // Only our own abort ends the call; without it this would wait forever.
    await expect(c.send(sms(), { abortSignal: AbortSignal.timeout(600) })).rejects.toMatchObject({ name: 'AbortError' })
    expect(warnings.join('\n')).toContain('requestTimeout')
  })

  it('a single hang is retried by the SDK as a transient error', async () => {
    sns.failNext(1, 'hang')
    await client({ requestHandler: timeoutAfter(200) }).send(sms())
    expect(sns.publishes).toHaveLength(1)
    expect(sns.requestCount()).toBe(2)
  })

  it('latency past the client timeout: the publish is recorded but the client sees a timeout', async () => {
    sns.setLatency(400)
    const c = client({ maxAttempts: 1, requestHandler: timeoutAfter(100) })
    await expect(c.send(sms())).rejects.toMatchObject({ name: 'TimeoutError' })
    expect(sns.publishes).toHaveLength(1)
  })
})

describe('KMS stand-in with the real @aws-sdk/client-kms', () => {
  let kms: KmsStandIn
  const [keyA, keyB] = ['pinline-pins', 'other-key']
  const client = (extra: Partial<ConstructorParameters<typeof KMSClient>[0]> = {}) =>
    new KMSClient({ region: 'us-east-1', endpoint: kms.url, credentials, ...extra })
  const context = { purpose: 'pin', tenant: 't-1' }
  const encrypt = (keyId = keyA) =>
    client().send(
      new EncryptCommand({ KeyId: keyId, Plaintext: Buffer.from('secret pepper'), EncryptionContext: context }),
    )

  beforeAll(async () => void (kms = await startKmsStandIn({ keyIds: [keyA, keyB] })))
  afterAll(() => kms.close())

  it('Encrypt/Decrypt round trip with EncryptionContext (key order irrelevant)', async () => {
    const { CiphertextBlob, KeyId } = await encrypt()
    expect(KeyId).toBe(kms.keyArn(keyA))
    const before = kms.decryptCount()
    const out = await client().send(
      new DecryptCommand({
        CiphertextBlob,
        EncryptionContext: { tenant: 't-1', purpose: 'pin' },
        KeyId: kms.keyArn(keyA),
      }),
    )
    expect(Buffer.from(out.Plaintext!).toString()).toBe('secret pepper')
    expect(out).toMatchObject({ KeyId: kms.keyArn(keyA), EncryptionAlgorithm: 'SYMMETRIC_DEFAULT' })
    expect(kms.decryptCount()).toBe(before + 1)
  })

  it('wrong or missing EncryptionContext -> InvalidCiphertextException', async () => {
    const { CiphertextBlob } = await encrypt()
    const wrong = new DecryptCommand({ CiphertextBlob, EncryptionContext: { ...context, tenant: 't-2' } })
    await expect(client().send(wrong)).rejects.toMatchObject({ name: 'InvalidCiphertextException', $fault: 'client' })
    await expect(client().send(new DecryptCommand({ CiphertextBlob }))).rejects.toMatchObject({
      name: 'InvalidCiphertextException',
    })
  })

  it('a flipped byte -> InvalidCiphertextException', async () => {
    const blob = Buffer.from((await encrypt()).CiphertextBlob!)
    blob[blob.length - 1]! ^= 0x01
    const cmd = new DecryptCommand({ CiphertextBlob: blob, EncryptionContext: context })
    await expect(client().send(cmd)).rejects.toMatchObject({ name: 'InvalidCiphertextException' })
  })

  it('Decrypt naming another key -> IncorrectKeyException; unknown key -> NotFoundException', async () => {
    const { CiphertextBlob } = await encrypt()
    const other = new DecryptCommand({ CiphertextBlob, EncryptionContext: context, KeyId: keyB })
    await expect(client().send(other)).rejects.toMatchObject({ name: 'IncorrectKeyException' })
    await expect(encrypt('no-such-key')).rejects.toMatchObject({ name: 'NotFoundException' })
  })

  it('down -> KMSInternalException; back up -> works', async () => {
    kms.setDown(true)
    await expect(encrypt()).rejects.toMatchObject({ name: 'KMSInternalException', $fault: 'server' })
    kms.setDown(false)
    await expect(encrypt()).resolves.toMatchObject({ KeyId: kms.keyArn(keyA) })
  })

  it('failNext: a throttle is retried, a hang trips the request timeout', async () => {
    kms.failNext(1, 'throttle')
    await expect(encrypt()).resolves.toMatchObject({ $metadata: { attempts: 2 } })
    kms.failNext(1, 'hang')
    const c = client({ maxAttempts: 1, requestHandler: timeoutAfter(200) })
    const cmd = new EncryptCommand({ KeyId: keyA, Plaintext: Buffer.from('x') })
    await expect(c.send(cmd)).rejects.toMatchObject({ name: 'TimeoutError' })
  })
})
