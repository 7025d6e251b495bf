import { Type } from 'typebox'
import { Purpose, TransactionFields } from './transaction.ts'

// POST /v1/assertions/verify.

export const CheckBody = Type.Object(
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

export const Claims = Type.Object(
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
