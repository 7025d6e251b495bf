import fp from 'fastify-plugin'
import { failClosed } from '../../adapters/redis/fail-closed.ts'
import { createSessionStore } from '../../adapters/redis/sessions/store.ts'
import { createMenu, type Menu } from '../../core/menu.ts'
import { createOrderSessions, type OrderSessions } from '../../core/sessions.ts'

declare module 'fastify' {
  interface FastifyInstance {
    menu: Menu
    sessions: OrderSessions
  }
}

/** The menu and order sessions, on the Redis connection and verification core that redis.ts and verification.ts set up. */
export default fp(
  async (fastify) => {
    const { config } = fastify
    const menu = createMenu(config.menu)
    const kms = config.kms
    fastify.decorate('menu', menu)
    fastify.decorate(
      'sessions',
      createOrderSessions({
        store: failClosed(createSessionStore(fastify.redis, fastify.keys)),
        verification: fastify.verification,
        callers: fastify.callers,
        menu,
        // The KMS client (the AWS SDK, about 10-20 MB of RSS) is loaded only when a key is set.
        decryptor: kms.keyId
          ? (await import('../../adapters/kms/pin-decryptor.ts')).createKmsPinDecryptor({
              keyId: kms.keyId,
              timeoutMs: kms.timeoutMs,
              maxAttempts: kms.maxAttempts,
            })
          : undefined,
        policy: config.sessions,
      }),
    )
  },
  { name: 'orders', dependencies: ['verification'] },
)
