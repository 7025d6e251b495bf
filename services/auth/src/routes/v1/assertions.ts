import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { ErrorBody, commonErrors, security } from '../../schemas/common.ts'
import { Purpose, TransactionFields } from '../../schemas/transaction.ts'

const CheckBody = Type.Object(
  {
    assertion: Type.String({ minLength: 1, maxLength: 4096, description: 'The JWS as pinline issued it' }),
    binding: Type.String({
      minLength: 3,
      maxLength: 300,
      description:
        'What the caller must have been verified in: connect:<ContactId>, lex:<Lex sessionId> or rest:<challengeId>',
      examples: ['connect:5ca32fbd-8f92-46af-92a5-6b0f970f0efe'],
    }),
    purpose: Purpose,
    ...TransactionFields,
  },
  { additionalProperties: false },
)

const Claims = Type.Object(
  {
    iss: Type.String(),
    sub: Type.String({ description: 'Keyed hash of the phone number (the same for every verification of one number)' }),
    amr: Type.Array(Type.String(), { description: 'RFC 8176: ["otp", "sms"] or ["otp", "tel"] (voice call)' }),
    via: Type.Union([Type.Literal('rest'), Type.Literal('connect'), Type.Literal('lex')], {
      description: 'Where the caller was verified',
    }),
    binding: Type.String(),
    purpose: Type.String(),
    amount: Type.Optional(Type.String()),
    currency: Type.Optional(Type.String()),
    payee: Type.Optional(Type.String()),
    iat: Type.Integer(),
    exp: Type.Integer(),
    jti: Type.String(),
  },
  { title: 'AssertionClaims' },
)

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
