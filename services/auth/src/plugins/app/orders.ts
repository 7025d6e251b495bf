import fp from 'fastify-plugin'
import { createMenu, type Menu } from '../../core/menu.ts'

declare module 'fastify' {
  interface FastifyInstance {
    menu: Menu
  }
}

/** The menu, from MENU_FILE or the one shipped with the service. */
export default fp(async (fastify) => {
  fastify.decorate('menu', createMenu(fastify.config.menu))
}, { name: 'orders', dependencies: ['services'] })
