import {
  createECDH,
  createHmac,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
} from 'node:crypto'

// Assertion keys as the environment gives them: a PEM (PKCS#8 or SEC 1 "EC PRIVATE KEY" for the
// signing key; SPKI or a private key for a previous one) or a JWK as JSON. Env files often hold
// a PEM on one line with literal "\n": those are read as line breaks. Only P-256 (ES256).

export interface AssertionKeys {
  /** Signs every new assertion. */
  signing: KeyObject
  /** Still published and accepted (rotation): public keys only. */
  previous: KeyObject[]
  /** true when no key was configured and one was made for this process (development only). */
  generated: boolean
}

const isP256 = (k: KeyObject) => k.asymmetricKeyType === 'ec' && k.asymmetricKeyDetails?.namedCurve === 'prime256v1'

function read(value: string, kind: 'private' | 'public'): KeyObject {
  const text = value.trim().replace(/\\n/g, '\n')
  if (text.startsWith('{')) {
    const jwk = JSON.parse(text) as Record<string, unknown> & { d?: unknown }
    if (kind === 'public' && jwk.d === undefined) return createPublicKey({ key: jwk as never, format: 'jwk' })
    const key = createPrivateKey({ key: jwk as never, format: 'jwk' })
    return kind === 'private' ? key : createPublicKey(key)
  }
  if (kind === 'private') return createPrivateKey(text)
  return createPublicKey(text) // also takes a private key PEM and derives the public half
}

/** Parses one key; throws an Error whose message names `variable` and never quotes the value. */
export function parseKey(value: string, variable: string, kind: 'private' | 'public'): KeyObject {
  let key: KeyObject
  try {
    key = read(value, kind)
  } catch {
    throw new Error(
      `${variable} is not a ${kind === 'private' ? 'private' : 'public or private'} key in PEM or JWK form`,
    )
  }
  if (!isP256(key)) throw new Error(`${variable} must be an EC P-256 key (ES256)`)
  return key
}

// The order of P-256's base point: a private key is a scalar in [1, n - 1].
const P256_ORDER = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n

/**
 * The signing key derived from a random secret (ASSERTION_SIGNING_SEED), for secret stores that
 * can generate a random string but not an EC key (Secrets Manager): the scalar is
 * HMAC-SHA256(seed, label) reduced into [1, n - 1], the public point computed from it.
 */
export function deriveSigningKey(seed: string): KeyObject {
  const digest = BigInt(`0x${createHmac('sha256', seed).update('pinline assertion signing key v1').digest('hex')}`)
  const scalar = Buffer.from(((digest % (P256_ORDER - 1n)) + 1n).toString(16).padStart(64, '0'), 'hex')
  const ecdh = createECDH('prime256v1')
  ecdh.setPrivateKey(scalar)
  const point = ecdh.getPublicKey() // 0x04 | x | y
  const b64 = (b: Buffer) => b.toString('base64url')
  return createPrivateKey({
    key: { kty: 'EC', crv: 'P-256', d: b64(scalar), x: b64(point.subarray(1, 33)), y: b64(point.subarray(33)) },
    format: 'jwk',
  })
}

/** A fresh P-256 key pair for this process: its assertions stop verifying once it exits. */
export function generateSigningKey(): KeyObject {
  return generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey
}
