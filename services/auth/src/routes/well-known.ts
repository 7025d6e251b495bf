import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'

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
const Jwks = Type.Object(
  { keys: Type.Array(Jwk) },
  { title: 'Jwks', description: 'The signing key first, then the previous one while it is still published (rotation)' },
)

/** The public keys of the verification assertions: no API key needed, so any back-end can verify them. */
const wellKnown: FastifyPluginAsyncTypebox = async (fastify) => {
  fastify.get(
    '/.well-known/jwks.json',
    {
      schema: {
        tags: ['assertions'],
        summary: 'Public keys that verify pinline assertions (JWKS)',
        response: { 200: Jwks },
      },
    },
    async (_req, reply) => {
      // Short enough that a rotation reaches every verifier well within an assertion's lifetime.
      reply.header('cache-control', 'public, max-age=300')
      return fastify.assertionKeys
    },
  )
}

export default wellKnown
