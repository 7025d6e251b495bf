import { createPublicKey, type KeyObject } from 'node:crypto'
import {
  SignJWT,
  calculateJwkThumbprint,
  createLocalJWKSet,
  errors,
  exportJWK,
  jwtVerify,
  type JWK,
  type JWTPayload,
} from 'jose'
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

async function publicJwk(key: KeyObject): Promise<PublicJwk> {
  const jwk = await exportJWK(key.type === 'public' ? key : createPublicKey(key))
  // kid = RFC 7638 thumbprint: stable for a key, wherever it is configured.
  return {
    ...jwk,
    kty: 'EC',
    crv: 'P-256',
    x: jwk.x!,
    y: jwk.y!,
    kid: await calculateJwkThumbprint(jwk),
    alg: ALG,
    use: 'sig',
  }
}

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

/** ES256 assertions with jose: signs with the current key, accepts the current and previous ones. */
export async function createJoseSigner(keys: AssertionKeys, issuer: string): Promise<JoseSigner> {
  const current = await publicJwk(keys.signing)
  const all = [current, ...(await Promise.all(keys.previous.map(publicJwk)))]
  const jwks = { keys: all.filter((k, i) => all.findIndex((o) => o.kid === k.kid) === i) }
  const keySet = createLocalJWKSet(jwks)

  return {
    jwks,

    async sign(claims) {
      return new SignJWT(claims as unknown as JWTPayload)
        .setProtectedHeader({ alg: ALG, typ: ASSERTION_TYP, kid: current.kid })
        .sign(keys.signing)
    },

    async check(token): Promise<AssertionCheck> {
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
