import fp from 'fastify-plugin'
import { createJoseSigner, type JoseSigner } from '../../adapters/assertions/jose-signer.ts'
import { createAssertions, type Assertions } from '../../core/assertions.ts'

declare module 'fastify' {
  interface FastifyInstance {
    assertions: Assertions
    /** The public keys assertions are signed with (current first), for /.well-known/jwks.json. */
    assertionKeys: JoseSigner['jwks']
  }
}

/** Signed verification assertions: the jose signer on the configured (or, in development, generated) keys. */
export default fp(
  async (fastify) => {
    const { keys, issuer, ttlSeconds } = fastify.config.assertions
    const signer = await createJoseSigner(keys, issuer)
    if (keys.generated) {
      fastify.log.warn(
        { kid: signer.jwks.keys[0]?.kid },
        'ASSERTION_SIGNING_KEY is not set: assertions are signed with a key generated for this process (development only)',
      )
    }
    fastify.decorate('assertions', createAssertions(signer, { issuer, ttlSeconds }))
    fastify.decorate('assertionKeys', signer.jwks)
  },
  { name: 'assertions' },
)
