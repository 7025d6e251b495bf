import type { FastifyInstance } from 'fastify'
import apiKeys from '../../plugins/app/api-keys.ts'
import channelLimits from '../../plugins/app/channel-limits.ts'
import rateLimits from '../../plugins/app/rate-limits.ts'
import assertions from './assertions.ts'
import callers from './callers.ts'
import connect from './channels/connect.ts'
import lexChannel from './channels/lex.ts'
import menu from './menu.ts'
import pins from './pins.ts'
import sessions from './sessions.ts'

/** Everything under /v1 needs a bearer key from API_KEYS (compared in constant time) with the route's scope, and is rate limited. */
export default async function v1(fastify: FastifyInstance) {
  await fastify.register(apiKeys)
  await fastify.register(rateLimits)
  await fastify.register(channelLimits)
  await fastify.register(callers)
  await fastify.register(pins)
  await fastify.register(connect)
  await fastify.register(menu)
  await fastify.register(sessions)
  await fastify.register(lexChannel)
  await fastify.register(assertions)
}
