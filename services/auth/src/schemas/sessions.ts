import { Type } from 'typebox'
import { Challenge } from './challenge.ts'
import { Locale, PhoneString } from './common.ts'

// Order sessions (/v1/sessions).

export const SessionParams = Type.Object({ sessionId: Type.String({ minLength: 1, maxLength: 64 }) })

export const CreateBody = Type.Object(
  {
    email: Type.Optional(
      Type.String({
        format: 'email',
        maxLength: 254,
        description: 'The phone is looked up in the caller registry when a PIN is asked for',
      }),
    ),
    phone: Type.Optional(PhoneString),
    locale: Type.Optional(Locale),
  },
  { additionalProperties: false, description: 'Exactly one of email or phone' },
)

export const Line = Type.Object({
  id: Type.String(),
  name: Type.String(),
  quantity: Type.Integer(),
  price: Type.Optional(Type.Number({ description: 'Unit price; absent if the item has left the menu' })),
  currency: Type.Optional(Type.String()),
})

export const Session = Type.Object(
  {
    sessionId: Type.String(),
    authenticated: Type.Boolean({ description: 'true once a PIN was approved; stays true until the session expires' }),
    locale: Locale,
    items: Type.Array(Line),
    expiresAt: Type.String({ format: 'date-time', description: 'Slides forward with every use' }),
    challengeId: Type.Optional(
      Type.String({ description: 'The pending challenge: the EncryptionContext for encryptedPin' }),
    ),
  },
  { title: 'Session' },
)

export const PinSent = Type.Object(
  {
    ...Challenge.properties,
    sentTo: Type.String({ description: 'The number the PIN went to, all but the last four digits hidden' }),
  },
  { title: 'SessionPin' },
)

export const VerifyBody = Type.Object(
  {
    pin: Type.Optional(
      Type.String({ pattern: '^[0-9]{4,10}$', description: 'ASCII digits, exactly PIN_LENGTH of them' }),
    ),
    encryptedPin: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 8192,
        description:
          'base64 CiphertextBlob of KMS Encrypt with KMS_KEY_ID and EncryptionContext {"challengeId": "<challengeId>"}',
      }),
    ),
  },
  { additionalProperties: false, description: 'Exactly one of pin or encryptedPin' },
)

export const VerifyResult = Type.Object(
  {
    status: Type.Union([Type.Literal('approved'), Type.Literal('rejected'), Type.Literal('locked')]),
    attemptsLeft: Type.Integer(),
    authenticated: Type.Boolean(),
    retryAfter: Type.Optional(Type.Integer({ description: 'Seconds until a new PIN can be requested (locked)' })),
  },
  { title: 'SessionVerifyResult' },
)

export const ItemBody = Type.Object(
  {
    item: Type.String({ minLength: 1, maxLength: 80, description: 'A menu id, or a dish name in any language' }),
    quantity: Type.Optional(Type.Integer({ minimum: 1, maximum: 99, default: 1 })),
  },
  { additionalProperties: false },
)
