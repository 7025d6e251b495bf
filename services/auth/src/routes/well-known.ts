import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Jwks } from '../schemas/well-known.ts'

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
