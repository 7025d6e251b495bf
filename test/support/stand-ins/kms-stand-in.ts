import { createCipheriv, createDecipheriv, randomBytes, randomUUID } from 'node:crypto'
import type { ServerResponse } from 'node:http'
import { type BreakableStandIn, failureQueue, readBody, startHttpStandIn } from './http-stand-in.ts'

/**
 * Wire-level stand-in for AWS KMS as @aws-sdk/client-kms calls it: awsJson1_1, a POST with
 * `X-Amz-Target: TrentService.<Op>` and a JSON body; errors are `{"__type", "message"}` which the
 * SDK turns into exceptions of that name. Real AES-256-GCM per key, so tampering and a wrong
 * EncryptionContext really fail. Signatures are not checked.
 *
 * CiphertextBlob layout (ours, opaque to callers like the real one):
 *   0x01 | keyIdLength (1 byte) | keyId (utf8) | iv (12) | tag (16) | ciphertext
 * AAD = keyId + canonical EncryptionContext, so neither can be swapped without detection.
 */

export type KmsFailure = 'internal' | 'throttle' | 'hang'

/** Down: every request answers 500 KMSInternalException. */
export type KmsStandIn = BreakableStandIn<KmsFailure> & {
  keyIds: string[]
  keyArn(keyId: string): string
  /** Decrypt requests received, including failed ones. */
  decryptCount(): number
  /** Every request: its operation, JSON body and Authorization header (who signed it). */
  requests: Array<{ target: string; body: Body; authorization: string | undefined }>
}

export type Body = {
  KeyId?: string
  Plaintext?: string
  CiphertextBlob?: string
  EncryptionContext?: Record<string, string>
  NumberOfBytes?: number
  KeySpec?: string
}
type Answer = { status: number; body: unknown }

class KmsError extends Error {
  readonly type: string
  readonly status: number
  constructor(type: string, message: string, status = 400) {
    super(message)
    this.type = type
    this.status = status
  }
}

const ARN_PREFIX = 'arn:aws:kms:us-east-1:111122223333:key/'
const VERSION = 0x01

export async function startKmsStandIn(opts: { keyIds?: string[]; cors?: boolean } = {}): Promise<KmsStandIn> {
  const keyIds = opts.keyIds ?? [randomUUID()]
  const keys = new Map(keyIds.map((id) => [id, randomBytes(32)]))
  const failures = failureQueue<KmsFailure>()
  let down = false
  let decrypts = 0
  const requests: KmsStandIn['requests'] = []

  const keyArn = (keyId: string) => `${ARN_PREFIX}${keyId}`

  /** Accepts a key id or a key ARN, as KMS does. */
  const resolveKey = (ref: string | undefined): { id: string; key: Buffer } => {
    const id = ref?.startsWith(ARN_PREFIX) ? ref.slice(ARN_PREFIX.length) : ref
    const key = id === undefined ? undefined : keys.get(id)
    if (id === undefined || !key) throw new KmsError('NotFoundException', `Key '${ref ?? ''}' does not exist`)
    return { id, key }
  }

  const encrypt = (b: Body, plaintext: Buffer) => {
    const { id, key } = resolveKey(b.KeyId)
    const iv = randomBytes(12)
    const cipher = createCipheriv('aes-256-gcm', key, iv)
    cipher.setAAD(aad(id, b.EncryptionContext))
    const sealed = Buffer.concat([cipher.update(plaintext), cipher.final()])
    const idBytes = Buffer.from(id, 'utf8')
    const blob = Buffer.concat([Buffer.from([VERSION, idBytes.length]), idBytes, iv, cipher.getAuthTag(), sealed])
    return { CiphertextBlob: blob.toString('base64'), KeyId: keyArn(id), EncryptionAlgorithm: 'SYMMETRIC_DEFAULT' }
  }

  const decrypt = (b: Body) => {
    const blob = Buffer.from(b.CiphertextBlob ?? '', 'base64')
    const invalid = new KmsError(
      'InvalidCiphertextException',
      'The ciphertext is invalid or was not encrypted under this context',
    )
    const idLength = blob[1] ?? 0
    if (blob[0] !== VERSION || blob.length < 2 + idLength + 28) throw invalid
    const blobKeyId = blob.subarray(2, 2 + idLength).toString('utf8')
    const { id, key } = resolveKey(blobKeyId)
    if (b.KeyId !== undefined && resolveKey(b.KeyId).id !== id) {
      throw new KmsError(
        'IncorrectKeyException',
        'The key ID in the request does not identify the key that encrypted the ciphertext',
      )
    }
    const rest = blob.subarray(2 + idLength)
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, rest.subarray(0, 12))
      decipher.setAuthTag(rest.subarray(12, 28))
      decipher.setAAD(aad(id, b.EncryptionContext))
      const plaintext = Buffer.concat([decipher.update(rest.subarray(28)), decipher.final()])
      return { KeyId: keyArn(id), Plaintext: plaintext.toString('base64'), EncryptionAlgorithm: 'SYMMETRIC_DEFAULT' }
    } catch {
      throw invalid
    }
  }

  const operations: Record<string, (b: Body) => unknown> = {
    Encrypt: (b) => encrypt(b, Buffer.from(b.Plaintext ?? '', 'base64')),
    Decrypt: decrypt,
    // Envelope encryption helpers call this; cheap to offer alongside Encrypt.
    GenerateDataKey: (b) => {
      const plaintext = randomBytes(b.NumberOfBytes ?? (b.KeySpec === 'AES_128' ? 16 : 32))
      const { CiphertextBlob, KeyId } = encrypt(b, plaintext)
      return { CiphertextBlob, KeyId, Plaintext: plaintext.toString('base64') }
    },
  }

  const answer = (target: string, body: Body): Answer => {
    const op = operations[target.replace(/^TrentService\./, '')]
    if (!op) return failure(new KmsError('UnknownOperationException', `Unsupported target ${target}`))
    try {
      return { status: 200, body: op(body) }
    } catch (err) {
      if (err instanceof KmsError) return failure(err)
      throw err
    }
  }

  const http = await startHttpStandIn(
    async (req, res) => {
      const target = String(req.headers['x-amz-target'] ?? '')
      const raw = await readBody(req)
      if (target === 'TrentService.Decrypt') decrypts++
      const injected = failures.take()
      if (injected === 'hang') return // never answer: the client's requestTimeout has to fire
      if (down || injected === 'internal')
        return send(res, failure(new KmsError('KMSInternalException', 'KMS is down', 500)))
      if (injected === 'throttle') return send(res, failure(new KmsError('ThrottlingException', 'Rate exceeded')))
      let body: Body
      try {
        body = JSON.parse(raw || '{}') as Body
      } catch {
        return send(res, failure(new KmsError('SerializationException', 'Request body is not JSON')))
      }
      requests.push({ target, body, authorization: req.headers.authorization })
      send(res, answer(target, body))
    },
    { cors: opts.cors ?? false },
  )

  return {
    url: http.url,
    keyIds,
    keyArn,
    setDown: (value) => void (down = value),
    failNext: (count, kind) => failures.add(count, kind),
    decryptCount: () => decrypts,
    requests,
    close: http.close,
  }
}

/** Canonical EncryptionContext: key order must not matter, as in KMS. */
function aad(keyId: string, context: Record<string, string> = {}): Buffer {
  const sorted = Object.entries(context).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
  return Buffer.from(JSON.stringify([keyId, sorted]), 'utf8')
}

function failure(err: KmsError): Answer {
  return { status: err.status, body: { __type: err.type, message: err.message } }
}

function send(res: ServerResponse, { status, body }: Answer): void {
  if (res.destroyed) return
  res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': randomUUID() })
  res.end(JSON.stringify(body))
}
