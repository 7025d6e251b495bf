import { DecryptCommand, KMSClient } from '@aws-sdk/client-kms'
import { PinlineError } from '../../core/errors.ts'
import type { PinDecryptor } from '../../core/session-ports.ts'

export interface KmsDecryptorOptions {
  keyId: string
  timeoutMs: number
  maxAttempts: number
}

/**
 * The ciphertext itself is at fault: tampered, truncated, made under another key, or with
 * another EncryptionContext (another challenge). Everything else KMS can answer (throttling,
 * outages, timeouts, and our own key being missing, disabled or not ours to use) is a
 * failure on our side: it must not burn the user's attempt.
 */
const CLIENT_FAULTS = new Set(['InvalidCiphertextException', 'IncorrectKeyException'])

/**
 * Decrypts client-encrypted PINs with KMS Decrypt, pinning KeyId (a ciphertext under any
 * other key is refused) and passing the EncryptionContext {challengeId} the client used.
 * Region, credentials and AWS_ENDPOINT_URL_KMS come from the SDK's default chain.
 */
export function createKmsPinDecryptor(opts: KmsDecryptorOptions, client?: KMSClient): PinDecryptor {
  const kms =
    client ??
    new KMSClient({
      maxAttempts: opts.maxAttempts,
      // Without throwOnRequestTimeout the SDK only warns and waits forever on a hung endpoint.
      requestHandler: {
        requestTimeout: opts.timeoutMs,
        throwOnRequestTimeout: true,
        connectionTimeout: Math.min(opts.timeoutMs, 2000),
      },
    })

  return {
    async decrypt(ciphertext, context) {
      try {
        const out = await kms.send(
          new DecryptCommand({
            CiphertextBlob: ciphertext,
            KeyId: opts.keyId,
            EncryptionContext: { challengeId: context.challengeId },
          }),
        )
        if (!out.Plaintext) return { kind: 'invalid' }
        return { kind: 'plaintext', value: out.Plaintext }
      } catch (err) {
        if (CLIENT_FAULTS.has((err as { name?: string }).name ?? '')) return { kind: 'invalid' }
        throw new PinlineError('DEPENDENCY_UNAVAILABLE', { cause: err })
      }
    },
  }
}
