import { Type } from 'typebox'

// GET /.well-known/jwks.json.

const Jwk = Type.Object(
  {
    kty: Type.Literal('EC'),
    crv: Type.Literal('P-256'),
    x: Type.String(),
    y: Type.String(),
    kid: Type.String({ description: 'RFC 7638 thumbprint' }),
    alg: Type.Literal('ES256'),
    use: Type.Literal('sig'),
  },
  { title: 'Jwk' },
)
export const Jwks = Type.Object(
  { keys: Type.Array(Jwk) },
  { title: 'Jwks', description: 'The signing key first, then the previous one while it is still published (rotation)' },
)
