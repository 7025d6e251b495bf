import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { TSchema } from 'typebox'
import { PinlineError } from '../../core/errors.ts'
import type { Menu } from '../../core/menu.ts'
import { maskPhone } from '../../core/phone.ts'
import type { OrderSession } from '../../core/session-ports.ts'
import { ErrorBody, commonErrors, security } from '../../schemas/common.ts'
import {
  CreateBody,
  ItemBody,
  PinSent,
  Session,
  SessionParams,
  VerifyBody,
  VerifyResult,
} from '../../schemas/sessions.ts'
import { challengeBody } from './challenge-body.ts'

export function sessionBody(menu: Menu, s: OrderSession) {
  return {
    sessionId: s.id,
    authenticated: s.authenticated,
    locale: s.locale,
    items: s.items.map(({ item, quantity }) => {
      const entry = menu.get(item)
      return {
        id: item,
        name: menu.nameOf(item, s.locale),
        quantity,
        ...(entry ? { price: entry.price, currency: entry.currency } : {}),
      }
    }),
    expiresAt: new Date(s.expiresAt).toISOString(),
    ...(s.challengeId ? { challengeId: s.challengeId } : {}),
  }
}

/** Order sessions over plain HTTP: create, read, PIN by SMS, verify (plain or KMS-encrypted), add items. */
const sessions: FastifyPluginAsyncTypebox = async (fastify) => {
  const tags = ['orders']
  const { sessions: core, menu } = fastify
  /**
   * The options of a route on one session: documented under orders, an API key, the session id in
   * the path, and 404 once the session has expired besides the route's own responses.
   */
  const onSession = <R extends Record<number, TSchema>, B extends TSchema>(summary: string, response: R, body?: B) => ({
    schema: {
      tags,
      security,
      summary,
      params: SessionParams,
      // Named only where there is one: fastify warns of a body schema that is undefined.
      ...((body ? { body } : {}) as { body: B }),
      response: { ...response, 404: ErrorBody, ...commonErrors },
    },
  })

  fastify.post(
    '/v1/sessions',
    {
      schema: {
        tags,
        security,
        summary: 'Start an order session',
        body: CreateBody,
        response: { 201: Session, ...commonErrors },
      },
    },
    async (req, reply) => reply.code(201).send(sessionBody(menu, await core.create(req.body))),
  )

  fastify.get(
    '/v1/sessions/:sessionId',
    onSession('Read a session (and keep it alive)', { 200: Session }),
    async (req) => sessionBody(menu, await core.get(req.params.sessionId)),
  )

  fastify.post(
    '/v1/sessions/:sessionId/pin',
    {
      schema: {
        ...onSession("Send a PIN to the session's phone", { 201: PinSent, 409: ErrorBody }).schema,
        description:
          'Idempotent per session: 409 SMS_SEND_IN_PROGRESS (with Retry-After) while an earlier request is still sending the PIN; ' +
          'asked again after Retry-After, it answers 201 once that SMS was delivered, or sends a fresh PIN if it never was. ' +
          '409 SESSION_ALREADY_AUTHENTICATED; 429 RESEND_COOLDOWN, MAX_SENDS_REACHED, PHONE_SEND_LIMIT, PHONE_LOCKED with Retry-After.',
      },
    },
    async (req, reply) => {
      const r = await core.requestPin(req.params.sessionId, req.apiKey?.name)
      if (r.kind === 'pending') throw new PinlineError(r.reason, { retryAfter: r.retryAfterSeconds })
      return reply.code(201).send({ ...challengeBody(r.challenge), sentTo: maskPhone(r.session.sentTo ?? '') })
    },
  )

  fastify.post(
    '/v1/sessions/:sessionId/pin/verify',
    onSession('Check the PIN; approval authenticates the session', { 200: VerifyResult, 409: ErrorBody }, VerifyBody),
    async (req, reply) => {
      const { pin, encryptedPin } = req.body
      if ((pin === undefined) === (encryptedPin === undefined)) {
        throw new PinlineError('VALIDATION_FAILED', { message: 'body must have exactly one of pin or encryptedPin' })
      }
      const r = await core.verifyPin(
        req.params.sessionId,
        pin !== undefined ? { pin } : { encryptedPin: encryptedPin! },
      )
      if (r.status === 'locked') {
        reply.header('retry-after', String(r.retryAfterSeconds))
        return { status: r.status, attemptsLeft: 0, authenticated: false, retryAfter: r.retryAfterSeconds }
      }
      return { status: r.status, attemptsLeft: r.attemptsLeft, authenticated: r.authenticated }
    },
  )

  fastify.post(
    '/v1/sessions/:sessionId/items',
    onSession('Add an item to the order (needs a verified session)', { 201: Session, 422: ErrorBody }, ItemBody),
    async (req, reply) => {
      const { session } = await core.addItem(req.params.sessionId, req.body.item, req.body.quantity)
      return reply.code(201).send(sessionBody(menu, session))
    },
  )
}

export default sessions
