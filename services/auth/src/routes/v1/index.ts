import bearerAuth from '@fastify/bearer-auth'
import type { FastifyInstance } from 'fastify'
import { ErrorCodes } from '../../core/errors.ts'
import rateLimits from '../../plugins/app/rate-limits.ts'
import callers from './callers.ts'
import connect from './channels/connect.ts'
import lexChannel from './channels/lex.ts'
import menu from './menu.ts'
import pins from './pins.ts'
import sessions from './sessions.ts'

/** Everything under /v1 needs a bearer key from API_KEYS (compared in constant time) and is rate limited. */
export default async function v1(fastify: FastifyInstance) {
  await fastify.register(bearerAuth, {
    keys: new Set(fastify.config.apiKeys),
    // The plugin's types insist on {error}; the body every client sees is our {code, message}.
    errorResponse: (() => ({ code: 'UNAUTHORIZED', message: ErrorCodes.UNAUTHORIZED.message })) as unknown as (err: Error) => { error: string },
    verifyErrorLogLevel: 'info',
  })
  await fastify.register(rateLimits)
  await fastify.register(callers)
  await fastify.register(pins)
  await fastify.register(connect)
  await fastify.register(menu)
  await fastify.register(sessions)
  await fastify.register(lexChannel)
}
