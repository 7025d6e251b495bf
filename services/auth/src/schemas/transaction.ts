import { Type } from 'typebox'

/** What a PIN is for, as given at issue and checked in an assertion. */
export const Purpose = Type.String({
  pattern: '^[a-z0-9_-]{1,32}$',
  description: 'Free label for metrics, audit and assertions, e.g. login or payout',
})

/** PSD2 dynamic linking: the amount and payee the user approves; all three together at issue. */
export const TransactionFields = {
  amount: Type.Optional(
    Type.String({
      pattern: '^(0|[1-9][0-9]{0,14})(\\.[0-9]{1,4})?$',
      description: 'Decimal string, e.g. 12000 or 99.50',
    }),
  ),
  currency: Type.Optional(Type.String({ pattern: '^[A-Z]{3}$', description: 'ISO 4217, e.g. JPY' })),
  payee: Type.Optional(
    Type.String({ minLength: 1, maxLength: 64, description: 'Who is paid, as the user knows them' }),
  ),
}
