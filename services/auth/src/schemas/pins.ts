import { Type } from 'typebox'
import { Caller, Locale, PhoneString } from './common.ts'
import { Purpose, TransactionFields } from './transaction.ts'

// One-time PINs (/v1/pins).

export const ChallengeParams = Type.Object({ challengeId: Type.String({ minLength: 1, maxLength: 64 }) })

export const IssueBody = Type.Object(
  {
    phone: PhoneString,
    locale: Type.Optional(Locale),
    purpose: Type.Optional(Purpose),
    enrol: Type.Optional(Type.Boolean({ description: 'On approval, enrol the caller (atomically with the verify)' })),
    ...TransactionFields,
    channel: Type.Optional(
      Type.Union([Type.Literal('sms'), Type.Literal('voice'), Type.Literal('auto')], {
        description:
          'sms (default); voice: the PIN read out on a call (VOICE_PROVIDER); auto: a call to fixed lines, else sms',
      }),
    ),
  },
  { additionalProperties: false },
)

// A query parameter: a resend has no body, and clients post it without one.
export const ResendQuery = Type.Object(
  {
    channel: Type.Optional(
      Type.Union([Type.Literal('sms'), Type.Literal('voice')], {
        description: 'Switch how the PIN goes (say, a call after an SMS that did not arrive); default: as before',
      }),
    ),
  },
  { additionalProperties: false },
)

export const VerifyBody = Type.Object(
  {
    pin: Type.String({ pattern: '^[0-9]{4,10}$', description: 'ASCII digits, exactly PIN_LENGTH of them' }),
  },
  { additionalProperties: false },
)

export const VerifyResult = Type.Object(
  {
    status: Type.Union([Type.Literal('approved'), Type.Literal('rejected'), Type.Literal('locked')]),
    attemptsLeft: Type.Integer(),
    retryAfter: Type.Optional(Type.Integer({ description: 'Seconds until a new PIN can be requested (locked)' })),
    caller: Type.Optional(Caller),
    assertion: Type.Optional(
      Type.String({
        description:
          'approved: a signed assertion (JWS, ES256) bound to this challenge (binding rest:<challengeId>); verify it with /.well-known/jwks.json or POST /v1/assertions/verify',
      }),
    ),
  },
  { title: 'VerifyResult' },
)
