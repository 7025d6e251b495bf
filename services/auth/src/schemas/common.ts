import { Type, type Static } from 'typebox'
import { LOCALES } from '../core/messages.ts'
import { OneOf } from './helpers/one-of.ts'

export const ErrorBody = Type.Object(
  {
    code: Type.String({ description: 'Stable machine-readable code, e.g. INVALID_PHONE' }),
    message: Type.String({ description: 'For people; may change' }),
  },
  { title: 'Error' },
)

/** Responses every /v1 route can give, besides its own. */
export const commonErrors = {
  400: ErrorBody,
  401: ErrorBody,
  403: ErrorBody,
  413: ErrorBody,
  415: ErrorBody,
  429: ErrorBody,
  503: ErrorBody,
}

// Loose on purpose: libphonenumber decides validity, so the answer is INVALID_PHONE, not a schema error.
export const PhoneString = Type.String({
  minLength: 1,
  maxLength: 32,
  description: 'E.164, e.g. +819012345678',
  examples: ['+819012345678'],
})

export const Locale = OneOf(LOCALES, { description: 'Language of the SMS' })

export const Caller = Type.Object(
  {
    phone: Type.String({ description: 'E.164' }),
    firstName: Type.String(),
    lastName: Type.String(),
    custLevel: Type.String(),
    language: Type.String(),
    email: Type.Optional(Type.String()),
    enrolledAt: Type.String({ format: 'date-time' }),
    trustedUntil: Type.Union([Type.String({ format: 'date-time' }), Type.Null()], {
      description: 'null: trusted until removed',
    }),
  },
  { title: 'Caller' },
)
export type CallerBody = Static<typeof Caller>

/** The body of a 204. */
export const NoContent = Type.Null()

export const security = [{ apiKey: [] }]
