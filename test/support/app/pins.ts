import type { FastifyInstance } from 'fastify'
import { auth } from './test-app.ts'

/** POST /v1/pins with the test key: the answer, to be checked by the test. */
export const issuePin = (app: FastifyInstance, body: Record<string, unknown>) =>
  app.inject({ method: 'POST', url: '/v1/pins', headers: auth, payload: body })

/** POST /v1/pins/{id}/verify with the test key: the answer, to be checked by the test. */
export const verifyPin = (app: FastifyInstance, challengeId: string, pin: string) =>
  app.inject({ method: 'POST', url: `/v1/pins/${challengeId}/verify`, headers: auth, payload: { pin } })
