import { createPublicKey, generateKeyPairSync, sign, verify } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { loadConfig } from '../../services/auth/src/config.ts'

// ASSERTION_SIGNING_KEY and ASSERTION_PREVIOUS_KEY as operators hold them: PEM or JWK.

const pair = () => generateKeyPairSync('ec', { namedCurve: 'P-256' })
const prod = { NODE_ENV: 'production', API_KEYS: 'k'.repeat(20), PIN_HMAC_SECRET: 's'.repeat(32) }

describe('assertion keys from the environment', () => {
  it('takes the signing key as PKCS#8 PEM, SEC 1 PEM, a one-line PEM with literal \\n, or a private JWK', () => {
    const { privateKey } = pair()
    const forms = [
      privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
      privateKey.export({ format: 'pem', type: 'sec1' }).toString(),
      privateKey.export({ format: 'pem', type: 'pkcs8' }).toString().replace(/\n/g, '\\n'),
      JSON.stringify(privateKey.export({ format: 'jwk' })),
    ]
    const expected = createPublicKey(privateKey).export({ format: 'jwk' })
    for (const value of forms) {
      const keys = loadConfig({ ...prod, ASSERTION_SIGNING_KEY: value }).assertions.keys
      expect(keys.generated).toBe(false)
      expect(createPublicKey(keys.signing).export({ format: 'jwk' })).toEqual(expected)
    }
  })

  it('takes the previous key public or private, PEM or JWK, and keeps only its public half', () => {
    const signing = pair().privateKey.export({ format: 'pem', type: 'pkcs8' }).toString()
    const old = pair()
    for (const value of [
      old.publicKey.export({ format: 'pem', type: 'spki' }).toString(),
      old.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
      JSON.stringify(old.publicKey.export({ format: 'jwk' })),
      JSON.stringify(old.privateKey.export({ format: 'jwk' })),
    ]) {
      const [previous] = loadConfig({ ...prod, ASSERTION_SIGNING_KEY: signing, ASSERTION_PREVIOUS_KEY: value })
        .assertions.keys.previous
      expect(previous!.type).toBe('public')
      expect(previous!.export({ format: 'jwk' })).toEqual(old.publicKey.export({ format: 'jwk' }))
    }
  })

  it('a public key where the signing key belongs, or another curve, is refused naming the variable', () => {
    const p384 = generateKeyPairSync('ec', { namedCurve: 'P-384' })
      .privateKey.export({ format: 'pem', type: 'pkcs8' })
      .toString()
    expect(() => loadConfig({ ...prod, ASSERTION_SIGNING_KEY: p384 })).toThrow(
      /ASSERTION_SIGNING_KEY must be an EC P-256 key/,
    )
    const pub = pair().publicKey.export({ format: 'pem', type: 'spki' }).toString()
    expect(() => loadConfig({ ...prod, ASSERTION_SIGNING_KEY: pub })).toThrow(
      /ASSERTION_SIGNING_KEY is not a private key/,
    )
    expect(() =>
      loadConfig({ ...prod, ASSERTION_SIGNING_KEY: pub, ASSERTION_PREVIOUS_KEY: '{"kty":"oct","k":"AAAA"}' }),
    ).toThrow(/ASSERTION_/)
  })

  it('outside production a key is generated for the process (and said to be)', () => {
    const keys = loadConfig({}).assertions.keys
    expect(keys.generated).toBe(true)
    expect(keys.signing.asymmetricKeyDetails?.namedCurve).toBe('prime256v1')
  })

  it('ASSERTION_SIGNING_SEED: the same seed gives the same working P-256 key on every instance; another seed another key; not with a key too', () => {
    const seed = 'Qx7v'.repeat(16)
    const one = loadConfig({ ...prod, ASSERTION_SIGNING_SEED: seed }).assertions.keys
    const two = loadConfig({ ...prod, ASSERTION_SIGNING_SEED: seed }).assertions.keys
    const other = loadConfig({ ...prod, ASSERTION_SIGNING_SEED: `${seed}x` }).assertions.keys
    const pub = (k: typeof one) => createPublicKey(k.signing).export({ format: 'jwk' })
    expect(one.generated).toBe(false)
    expect(pub(one)).toEqual(pub(two))
    expect(pub(one)).not.toEqual(pub(other))
    const signature = sign('sha256', Buffer.from('claims'), { key: one.signing, dsaEncoding: 'ieee-p1363' })
    expect(
      verify(
        'sha256',
        Buffer.from('claims'),
        { key: createPublicKey(two.signing), dsaEncoding: 'ieee-p1363' },
        signature,
      ),
    ).toBe(true)
    expect(() => loadConfig({ ...prod, ASSERTION_SIGNING_SEED: 'short' })).toThrow(/ASSERTION_SIGNING_SEED/)
    const key = pair().privateKey.export({ format: 'pem', type: 'pkcs8' }).toString()
    expect(() => loadConfig({ ...prod, ASSERTION_SIGNING_SEED: seed, ASSERTION_SIGNING_KEY: key })).toThrow(/not both/)
  })
})
