import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type, type TSchema } from 'typebox'
import { PinlineError } from '../../core/errors.ts'
import type { Menu } from '../../core/menu.ts'
import { maskPhone } from '../../core/phone.ts'
import type { OrderSession } from '../../core/session-ports.ts'
import { Challenge, challengeBody } from '../../schemas/challenge.ts'
import { ErrorBody, Locale, PhoneString, commonErrors, security } from '../../schemas/common.ts'

const Params = Type.Object({ sessionId: Type.String({ minLength: 1, maxLength: 64 }) })

const CreateBody = Type.Object(
  {
    email: Type.Optional(
      Type.String({
        format: 'email',
        maxLength: 254,
        description: 'The phone is looked up in the caller registry when a PIN is asked for',
      }),
    ),
    phone: Type.Optional(PhoneString),
    locale: Type.Optional(Locale),
  },
  { additionalProperties: false, description: 'Exactly one of email or phone' },
)

const Line = Type.Object({
  id: Type.String(),
  name: Type.String(),
  quantity: Type.Integer(),
  price: Type.Optional(Type.Number({ description: 'Unit price; absent if the item has left the menu' })),
  currency: Type.Optional(Type.String()),
})

const Session = Type.Object(
  {
    sessionId: Type.String(),
    authenticated: Type.Boolean({ description: 'true once a PIN was approved; stays true until the session expires' }),
    locale: Locale,
    items: Type.Array(Line),
    expiresAt: Type.String({ format: 'date-time', description: 'Slides forward with every use' }),
    challengeId: Type.Optional(
      Type.String({ description: 'The pending challenge: the EncryptionContext for encryptedPin' }),
    ),
  },
  { title: 'Session' },
)

const PinSent = Type.Object(
  {
    ...Challenge.properties,
    sentTo: Type.String({ description: 'The number the PIN went to, all but the last four digits hidden' }),
  },
  { title: 'SessionPin' },
)

const VerifyBody = Type.Object(
  {
    pin: Type.Optional(
      Type.String({ pattern: '^[0-9]{4,10}$', description: 'ASCII digits, exactly PIN_LENGTH of them' }),
    ),
    encryptedPin: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 8192,
        description:
          'base64 CiphertextBlob of KMS Encrypt with KMS_KEY_ID and EncryptionContext {"challengeId": "<challengeId>"}',
      }),
    ),
  },
  { additionalProperties: false, description: 'Exactly one of pin or encryptedPin' },
)

const VerifyResult = Type.Object(
  {
    status: Type.Union([Type.Literal('approved'), Type.Literal('rejected'), Type.Literal('locked')]),
    attemptsLeft: Type.Integer(),
    authenticated: Type.Boolean(),
    retryAfter: Type.Optional(Type.Integer({ description: 'Seconds until a new PIN can be requested (locked)' })),
  },
  { title: 'SessionVerifyResult' },
)

const ItemBody = Type.Object(
  {
    item: Type.String({ minLength: 1, maxLength: 80, description: 'A menu id, or a dish name in any language' }),
    quantity: Type.Optional(Type.Integer({ minimum: 1, maximum: 99, default: 1 })),
  },
  { additionalProperties: false },
)

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
      params: Params,
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
