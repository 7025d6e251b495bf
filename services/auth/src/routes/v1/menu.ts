import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { commonErrors, security } from '../../schemas/common.ts'
import { MenuList, MenuQuery } from '../../schemas/menu.ts'

/** The menu: free to browse, no session needed. */
const menu: FastifyPluginAsyncTypebox = async (fastify) => {
  fastify.get(
    '/v1/menu',
    {
      schema: {
        tags: ['orders'],
        security,
        summary: 'The menu, with names in the requested language',
        querystring: MenuQuery,
        response: { 200: MenuList, ...commonErrors },
      },
    },
    async (req) => {
      const locale = req.query.locale ?? fastify.config.verification.defaultLocale
      return { locale, items: fastify.menu.list(locale) }
    },
  )
}

export default menu
