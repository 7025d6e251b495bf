import { EncryptCommand, KMSClient } from '@aws-sdk/client-kms'
import { afterAll, beforeAll } from 'vitest'
import { type KmsStandIn, startKmsStandIn } from './kms-stand-in.ts'

/** The key the service decrypts PINs with, and one it must refuse. */
export const PIN_KEY = 'pinline-pins'
export const OTHER_KEY = 'someone-elses-key'

/**
 * The KMS stand-in for a test file, holding both keys. The service's KMS client takes its
 * endpoint, region and credentials from the SDK's chain: the environment points there until
 * the file's tests end. Register it before the hooks that build the app.
 */
export function useKmsStandIn(use: (kms: KmsStandIn) => void): void {
  const savedEnv = { ...process.env }
  let kms: KmsStandIn | undefined
  beforeAll(async () => {
    kms = await startKmsStandIn({ keyIds: [PIN_KEY, OTHER_KEY] })
    const sdk = { AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test' }
    Object.assign(process.env, { AWS_ENDPOINT_URL_KMS: kms.url, ...sdk })
    use(kms)
  })
  afterAll(async () => {
    await kms?.close()
    process.env = savedEnv
  })
}

/** What the browser does with its encrypt-only Cognito credentials: the base64 CiphertextBlob. */
export async function encryptPin(kms: KmsStandIn, plaintext: string, challengeId: string, keyId = PIN_KEY) {
  const credentials = { accessKeyId: 'test', secretAccessKey: 'test' }
  const client = new KMSClient({ region: 'us-east-1', endpoint: kms.url, credentials })
  const context = { challengeId }
  const out = await client.send(
    new EncryptCommand({ KeyId: keyId, Plaintext: Buffer.from(plaintext), EncryptionContext: context }),
  )
  return Buffer.from(out.CiphertextBlob!).toString('base64')
}

/** The ciphertext with its last bit flipped (AES-GCM's tag no longer matches). */
export function tamper(b64: string): string {
  const blob = Buffer.from(b64, 'base64')
  blob[blob.length - 1]! ^= 0x01
  return blob.toString('base64')
}
