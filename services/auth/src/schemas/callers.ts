import { Type } from 'typebox'
import { PhoneString } from './common.ts'

// The registry of known callers (/v1/callers).

export const CallerParams = Type.Object({ phone: PhoneString })

export const PutCallerBody = Type.Object(
  {
    firstName: Type.String({ minLength: 1, maxLength: 100 }),
    lastName: Type.String({ minLength: 1, maxLength: 100 }),
    custLevel: Type.String({ minLength: 1, maxLength: 50 }),
    language: Type.String({ pattern: '^[a-z]{2}([-_][A-Za-z]{2})?$', description: 'e.g. en, ja, en-US' }),
    email: Type.Optional(Type.String({ format: 'email', maxLength: 254 })),
    trustedUntil: Type.Optional(Type.String({ format: 'date-time', description: 'Omit to trust until removed' })),
  },
  { additionalProperties: false },
)
