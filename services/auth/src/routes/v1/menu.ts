import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { Locale, commonErrors, security } from '../../schemas/common.ts'

export const MenuEntry = Type.Object(
  {
    id: Type.String({ description: 'Stable id; also accepted by POST /v1/sessions/{id}/items' }),
    name: Type.String({ description: 'In the requested language' }),
    price: Type.Number({ description: "In the currency's major unit, e.g. 1200 (JPY) or 9.5 (USD)" }),
    currency: Type.String({ description: 'ISO 4217' }),
  },
  { title: 'MenuItem' },
)

const Query = Type.Object({ locale: Type.Optional(Locale) }, { additionalProperties: false })

/** The menu: free to browse, no session needed. */
const menu: FastifyPluginAsyncTypebox = async (fastify) => {
  fastify.get(
    '/v1/menu',
    {
      schema: {
        tags: ['orders'],
        security,
        summary: 'The menu, with names in the requested language',
        querystring: Query,
        response: { 200: Type.Object({ locale: Locale, items: Type.Array(MenuEntry) }), ...commonErrors },
      },
    },
    async (req) => {
      const locale = req.query.locale ?? fastify.config.verification.defaultLocale
      return { locale, items: fastify.menu.list(locale) }
    },
  )
}

export default menu
