import { generateKeyPairSync, randomUUID, sign, verify } from 'node:crypto'
import { calculateJwkThumbprint, compactVerify, decodeProtectedHeader, exportJWK, jwtVerify } from 'jose'
import { describe, expect, it } from 'vitest'
import { ASSERTION_TYP, createJoseSigner, derToJose } from '../../services/auth/src/adapters/assertions/jose-signer.ts'
import type { AssertionClaims } from '../../services/auth/src/core/ports.ts'

// The signer writes ES256 JWS itself (node:crypto's DER signature turned into JWS's r || s):
// every token must be what jose expects, including the signatures whose r or s is shorter than
// 32 bytes (DER drops their leading zeros) or has its top bit set (DER adds a 0x00).

const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })

describe('ES256 signatures in JWS form', () => {
  it('turns DER into r || s: a 0x00 sign byte dropped, short integers left-padded', () => {
    const r = Buffer.alloc(32, 0x81) // top bit set: DER writes 0x00 first
    const s = Buffer.alloc(31, 0x11) // a leading zero byte: DER writes 31 bytes
    const der = Buffer.concat([Buffer.from([0x30, 2 + 33 + 2 + 31, 0x02, 33, 0x00]), r, Buffer.from([0x02, 31]), s])
    expect(derToJose(der).toString('hex')).toBe(`${r.toString('hex')}00${s.toString('hex')}`)
    expect(() => derToJose(der.subarray(0, der.length - 1))).toThrow()
    expect(() => derToJose(Buffer.from([0x31, 0x00]))).toThrow()
  })

  it('gives signatures node:crypto checks as IEEE P1363, short r or s included', () => {
    const data = Buffer.from('header.payload')
    let short = 0
    // About one signature in 128 has an r or s under 32 bytes: 5,000 find some with near certainty.
    for (let i = 0; i < 5000 && short < 3; i++) {
      const der = sign('sha256', data, privateKey)
      if (der.length < 70) short++
      const raw = derToJose(der)
      expect(raw).toHaveLength(64)
      expect(verify('sha256', data, { key: privateKey, dsaEncoding: 'ieee-p1363' }, raw)).toBe(true)
    }
    expect(short).toBeGreaterThan(0)
  })

  it('signs tokens jose verifies against the published key, with the header and claims given', async () => {
    const issuer = 'https://pinline.test'
    const signer = await createJoseSigner({ signing: privateKey, previous: [], generated: false }, issuer)
    const [jwk] = signer.jwks.keys
    const now = Math.floor(Date.now() / 1000)
    const claims: AssertionClaims = {
      iss: issuer,
      sub: 'AbCdEfGh01234567',
      amr: ['otp', 'sms'],
      via: 'rest',
      binding: 'rest:x',
      purpose: 'verify',
      iat: now,
      exp: now + 300,
      jti: randomUUID(),
    }
    for (let i = 0; i < 50; i++) {
      const token = await signer.sign(claims)
      expect(decodeProtectedHeader(token)).toEqual({ alg: 'ES256', typ: ASSERTION_TYP, kid: jwk!.kid })
      const { payload } = await jwtVerify(token, publicKey, { issuer, typ: ASSERTION_TYP, algorithms: ['ES256'] })
      expect(payload).toEqual(claims)
      await compactVerify(token, publicKey)
      expect(await signer.check(token)).toEqual({ kind: 'valid', claims })
    }
  })

  it('publishes each key as jose exports it, its kid the RFC 7638 thumbprint jose computes', async () => {
    const previous = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey
    const signer = await createJoseSigner({ signing: privateKey, previous: [previous], generated: false }, 'pinline')
    const expected = await Promise.all(
      [publicKey, previous].map(async (key) => {
        const jwk = await exportJWK(key)
        return { ...jwk, kid: await calculateJwkThumbprint(jwk), alg: 'ES256', use: 'sig' }
      }),
    )
    expect(signer.jwks.keys).toEqual(expected)
    expect(signer.jwks.keys.every((k) => !('d' in k))).toBe(true)
  })
})
