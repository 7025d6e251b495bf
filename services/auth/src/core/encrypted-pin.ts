import { ErrorCodes, PinlineError } from './errors.ts'
import type { PinDecryptor } from './session-ports.ts'
import type { Verification } from './verification.ts'

// KMS ciphertext blobs are at most 6144 bytes: 8192 base64 characters.
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/

/**
 * The PIN inside a client-encrypted `encryptedPin` (the Lex bot's text modality), decrypted for
 * `challengeId` only: the client encrypted it with EncryptionContext {challengeId}.
 * - not configured: 400 ENCRYPTION_NOT_CONFIGURED; not base64: 400 INVALID_CIPHERTEXT (not counted);
 * - tampered, or for another challenge or key: 400 INVALID_CIPHERTEXT, counted as a wrong PIN;
 * - KMS unavailable: the decryptor's 503, nothing counted;
 * - a genuine ciphertext of something that is not UTF-8: INVALID_PIN_FORMAT, like a typo.
 * The plaintext buffer is wiped once read; the caller checks the PIN's format.
 */
export async function decryptPin(
  deps: { decryptor: PinDecryptor | undefined; verification: Verification },
  challengeId: string,
  encryptedPin: string,
): Promise<string> {
  const { decryptor, verification } = deps
  if (!decryptor) throw new PinlineError('ENCRYPTION_NOT_CONFIGURED')
  if (encryptedPin.length === 0 || encryptedPin.length > 8192 || !BASE64.test(encryptedPin)) {
    throw new PinlineError('INVALID_CIPHERTEXT', {
      message: 'encryptedPin must be the base64 CiphertextBlob from KMS Encrypt',
    })
  }
  const out = await decryptor.decrypt(Buffer.from(encryptedPin, 'base64'), { challengeId })
  if (out.kind === 'invalid') {
    // As good as a wrong PIN, and counted as one (through the same atomic verify).
    const r = await verification.failAttempt(challengeId)
    const left = r.status === 'locked' ? 'the challenge is now locked' : `${r.attemptsLeft} attempts left`
    throw new PinlineError('INVALID_CIPHERTEXT', {
      message: `${ErrorCodes.INVALID_CIPHERTEXT.message}; it counted as a wrong PIN (${left})`,
    })
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(out.value)
  } catch {
    throw new PinlineError('INVALID_PIN_FORMAT')
  } finally {
    out.value.fill(0)
  }
}
