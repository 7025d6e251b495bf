import { Type } from 'typebox'

const Name = Type.String({ minLength: 1, maxLength: 80 })

// The menu file format. Strict: a typo in a replacement menu fails at start, not at order time.
export const MenuFile = Type.Object(
  {
    items: Type.Array(
      Type.Object(
        {
          id: Type.String({ pattern: '^[a-z0-9][a-z0-9_-]{0,39}$' }),
          price: Type.Number({ minimum: 0, maximum: 1_000_000 }),
          currency: Type.String({ pattern: '^[A-Z]{3}$', description: 'ISO 4217' }),
          names: Type.Object({ en: Name, ja: Type.Optional(Name) }, { additionalProperties: false }),
          aliases: Type.Optional(Type.Array(Name, { maxItems: 20 })),
        },
        { additionalProperties: false },
      ),
      { minItems: 1, maxItems: 100 },
    ),
  },
  { additionalProperties: false },
)
