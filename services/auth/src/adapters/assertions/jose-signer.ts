import { createHash, createPublicKey, sign as signDigest, type KeyObject } from 'node:crypto'
import type { JWK, JWTPayload } from 'jose'
import type { AssertionCheck, AssertionClaims, AssertionSigner, Via } from '../../core/ports.ts'
import type { AssertionKeys } from './key-material.ts'

/** The JWS `typ` (RFC 8725 explicit typing): an assertion cannot pass for another kind of JWT. */
export const ASSERTION_TYP = 'pinline-assertion+jwt'
const ALG = 'ES256'
const VIAS: readonly Via[] = ['rest', 'connect', 'lex']

export interface PublicJwk extends JWK {
  kty: 'EC'
  crv: 'P-256'
  x: string
  y: string
  kid: string
  alg: typeof ALG
  use: 'sig'
}

export interface JoseSigner extends AssertionSigner {
  /** The public keys, current first: what GET /.well-known/jwks.json serves. */
  jwks: { keys: PublicJwk[] }
}

function publicJwk(key: KeyObject): PublicJwk {
  const { x, y } = (key.type === 'public' ? key : createPublicKey(key)).export({ format: 'jwk' })
  if (typeof x !== 'string' || typeof y !== 'string') throw new Error('not an EC public key')
  // kid = RFC 7638 thumbprint: stable for a key, wherever it is configured. The SHA-256 of the
  // required members in lexicographic order, no whitespace (the same as jose's calculateJwkThumbprint).
  const kid = createHash('sha256')
    .update(JSON.stringify({ crv: 'P-256', kty: 'EC', x, y }))
    .digest('base64url')
  return { kty: 'EC', x, y, crv: 'P-256', kid, alg: ALG, use: 'sig' }
}

type Jose = typeof import('jose')
let jose: Promise<Jose> | undefined
/** jose (about 1.7 MB of heap) is loaded on the first check, not at every start: signing and the JWKS use node:crypto. */
// A failed load is not kept: the next check tries again (the failed one answered 500, granting nothing).
const loadJose = () =>
  (jose ??= import('jose').catch((err: unknown) => {
    jose = undefined
    throw err
  }))

const str = (v: unknown) => typeof v === 'string' && v.length > 0
const optStr = (v: unknown) => v === undefined || typeof v === 'string'

/** Our claims, well typed; anything else (a JWT of ours could only be this) is not an assertion. */
function asClaims(p: JWTPayload): AssertionClaims | undefined {
  const ok =
    str(p.sub) &&
    str(p.jti) &&
    typeof p.iat === 'number' &&
    typeof p.exp === 'number' &&
    str(p.iss) &&
    Array.isArray(p.amr) &&
    p.amr.every(str) &&
    VIAS.includes(p.via as Via) &&
    str(p.binding) &&
    str(p.purpose) &&
    optStr(p.amount) &&
    optStr(p.currency) &&
    optStr(p.payee)
  return ok ? (p as unknown as AssertionClaims) : undefined
}

const P256_SIZE = 32

/**
 * An ECDSA signature in DER (SEQUENCE of INTEGER r, INTEGER s) as JWS wants it: r and s as 32
 * bytes each (RFC 7518 3.4). Node signs DER in half the time it takes to give IEEE P1363 itself.
 */
export function derToJose(der: Buffer): Buffer {
  const out = Buffer.alloc(P256_SIZE * 2)
  // A P-256 signature is at most 72 bytes: the SEQUENCE length fits in one byte.
  if (der[0] !== 0x30 || der[1] !== der.length - 2) throw new Error('not a DER ECDSA signature')
  let at = 2
  for (const offset of [0, P256_SIZE]) {
    const len = der[at + 1] ?? 0
    if (der[at] !== 0x02 || len < 1 || len > P256_SIZE + 1) throw new Error('not a DER ECDSA signature')
    let value = der.subarray(at + 2, at + 2 + len)
    if (value.length > P256_SIZE) value = value.subarray(value.length - P256_SIZE) // the sign byte 0x00
    value.copy(out, offset + P256_SIZE - value.length) // a short integer: left-padded with zeros
    at += 2 + len
  }
  if (at !== der.length) throw new Error('not a DER ECDSA signature')
  return out
}

/**
 * ES256 assertions: checks with jose; the JWKS and the signatures made with node:crypto directly (the same compact
 * JWS jose's SignJWT makes: the header segment is encoded once, the signature is ES256's r || s),
 * at about a third of jose's CPU per token. Accepts the current and previous keys.
 */
export async function createJoseSigner(keys: AssertionKeys, issuer: string): Promise<JoseSigner> {
  const current = publicJwk(keys.signing)
  const all = [current, ...keys.previous.map(publicJwk)]
  const jwks = { keys: all.filter((k, i) => all.findIndex((o) => o.kid === k.kid) === i) }
  let keySet: ReturnType<Jose['createLocalJWKSet']> | undefined
  const header = Buffer.from(JSON.stringify({ alg: ALG, typ: ASSERTION_TYP, kid: current.kid })).toString('base64url')

  return {
    jwks,

    async sign(claims) {
      const input = `${header}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`
      const der = signDigest('sha256', Buffer.from(input), keys.signing)
      return `${input}.${derToJose(der).toString('base64url')}`
    },

    async check(token): Promise<AssertionCheck> {
      const { createLocalJWKSet, errors, jwtVerify } = await loadJose()
      keySet ??= createLocalJWKSet(jwks)
      try {
        // Signature first (jose checks claims only on a valid signature), then iss, typ and exp.
        const { payload } = await jwtVerify(token, keySet, {
          issuer,
          typ: ASSERTION_TYP,
          algorithms: [ALG],
          requiredClaims: ['sub', 'jti', 'iat', 'exp'],
        })
        const claims = asClaims(payload)
        return claims ? { kind: 'valid', claims } : { kind: 'invalid' }
      } catch (err) {
        if (err instanceof errors.JWTExpired) return { kind: 'expired' }
        if (err instanceof errors.JOSEError) return { kind: 'invalid' }
        throw err
      }
    },
  }
}
