import { Type } from 'typebox'
import { Locale } from './common.ts'

// GET /v1/menu.

export const MenuEntry = Type.Object(
  {
    id: Type.String({ description: 'Stable id; also accepted by POST /v1/sessions/{id}/items' }),
    name: Type.String({ description: 'In the requested language' }),
    price: Type.Number({ description: "In the currency's major unit, e.g. 1200 (JPY) or 9.5 (USD)" }),
    currency: Type.String({ description: 'ISO 4217' }),
  },
  { title: 'MenuItem' },
)

export const MenuQuery = Type.Object({ locale: Type.Optional(Locale) }, { additionalProperties: false })

export const MenuList = Type.Object({ locale: Locale, items: Type.Array(MenuEntry) })
