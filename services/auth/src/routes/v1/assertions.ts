import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { CheckBody, Claims } from '../../schemas/assertions.ts'
import { ErrorBody, commonErrors, security } from '../../schemas/common.ts'

/** For systems that would rather ask than verify the JWS themselves. */
const assertions: FastifyPluginAsyncTypebox = async (fastify) => {
  fastify.post(
    '/v1/assertions/verify',
    {
      schema: {
        tags: ['assertions'],
        security,
        summary: 'Check a verification assertion against the contact and purpose at hand',
        description:
          'Returns the claims when the signature, issuer and expiry hold and the assertion was issued for this binding and purpose ' +
          '(and this amount, currency and payee, for each one given). Anything else is 422 with a stable code: ASSERTION_INVALID, ASSERTION_EXPIRED, ' +
          'ASSERTION_BINDING_MISMATCH, ASSERTION_PURPOSE_MISMATCH, ASSERTION_TRANSACTION_MISMATCH. A refusal is never a 2xx, so a client that only checks the status fails closed.',
        body: CheckBody,
        response: { 200: Claims, 422: ErrorBody, ...commonErrors },
      },
    },
    async (req) => {
      const { assertion, binding, purpose, amount, currency, payee } = req.body
      return fastify.assertions.check(assertion, { binding, purpose, transaction: { amount, currency, payee } })
    },
  )
}

export default assertions
