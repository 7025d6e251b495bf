import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { Challenge, challengeBody } from '../../schemas/challenge.ts'
import { Caller, ErrorBody, Locale, PhoneString, commonErrors, security } from '../../schemas/common.ts'
import { Purpose, TransactionFields, transactionOf } from '../../schemas/transaction.ts'
import { toCallerBody } from './callers.ts'

const ChallengeParams = Type.Object({ challengeId: Type.String({ minLength: 1, maxLength: 64 }) })

const IssueBody = Type.Object(
  {
    phone: PhoneString,
    locale: Type.Optional(Locale),
    purpose: Type.Optional(Purpose),
    enrol: Type.Optional(Type.Boolean({ description: 'On approval, enrol the caller (atomically with the verify)' })),
    ...TransactionFields,
    channel: Type.Optional(
      Type.Union([Type.Literal('sms'), Type.Literal('voice'), Type.Literal('auto')], {
        description:
          'sms (default); voice: the PIN read out on a call (VOICE_PROVIDER); auto: a call to fixed lines, else sms',
      }),
    ),
  },
  { additionalProperties: false },
)

// A query parameter: a resend has no body, and clients post it without one.
const ResendQuery = Type.Object(
  {
    channel: Type.Optional(
      Type.Union([Type.Literal('sms'), Type.Literal('voice')], {
        description: 'Switch how the PIN goes (say, a call after an SMS that did not arrive); default: as before',
      }),
    ),
  },
  { additionalProperties: false },
)

const VerifyBody = Type.Object(
  {
    pin: Type.String({ pattern: '^[0-9]{4,10}$', description: 'ASCII digits, exactly PIN_LENGTH of them' }),
  },
  { additionalProperties: false },
)

const VerifyResult = Type.Object(
  {
    status: Type.Union([Type.Literal('approved'), Type.Literal('rejected'), Type.Literal('locked')]),
    attemptsLeft: Type.Integer(),
    retryAfter: Type.Optional(Type.Integer({ description: 'Seconds until a new PIN can be requested (locked)' })),
    caller: Type.Optional(Caller),
    assertion: Type.Optional(
      Type.String({
        description:
          'approved: a signed assertion (JWS, ES256) bound to this challenge (binding rest:<challengeId>); verify it with /.well-known/jwks.json or POST /v1/assertions/verify',
      }),
    ),
  },
  { title: 'VerifyResult' },
)

/** One-time PINs: issue (sends the SMS), resend, verify. */
const pins: FastifyPluginAsyncTypebox = async (fastify) => {
  const tags = ['pins']
  const v = fastify.verification

  fastify.post(
    '/v1/pins',
    {
      schema: {
        tags,
        security,
        summary: 'Send a one-time PIN by SMS',
        body: IssueBody,
        response: { 201: Challenge, 422: ErrorBody, ...commonErrors },
        description:
          'Refusals: 403 FORBIDDEN_SCOPE (a key without verify); 422 DESTINATION_NOT_ALLOWED (SMS_ALLOWED_COUNTRIES); 429 PHONE_SEND_LIMIT, PHONE_LOCKED, CLIENT_SEND_LIMIT, PREFIX_SEND_LIMIT, RATE_LIMITED; ' +
          '503 SMS_BUDGET_EXCEEDED, SMS_SEND_FAILED, DEPENDENCY_UNAVAILABLE. Every 429, and SMS_BUDGET_EXCEEDED, carries Retry-After.',
      },
    },
    async (req, reply) => {
      const { amount, currency, payee, ...rest } = req.body
      const transaction = transactionOf({ amount, currency, payee })
      return reply
        .code(201)
        .send(challengeBody(await v.issue({ ...rest, via: 'rest', transaction, client: req.apiKey?.name })))
    },
  )

  fastify.post(
    '/v1/pins/:challengeId/resend',
    {
      schema: {
        tags,
        security,
        summary: 'Send a new PIN for the same challenge',
        params: ChallengeParams,
        querystring: ResendQuery,
        response: { 200: Challenge, 404: ErrorBody, 422: ErrorBody, ...commonErrors },
      },
    },
    async (req) =>
      challengeBody(await v.resend(req.params.challengeId, req.apiKey?.name, { channel: req.query.channel })),
  )

  fastify.post(
    '/v1/pins/:challengeId/verify',
    {
      schema: {
        tags,
        security,
        summary: 'Check a PIN',
        params: ChallengeParams,
        body: VerifyBody,
        response: { 200: VerifyResult, 404: ErrorBody, ...commonErrors },
      },
    },
    async (req, reply) => {
      const r = await v.verify(req.params.challengeId, req.body.pin, { via: 'rest', ref: req.params.challengeId })
      if (r.status === 'locked') {
        reply.header('retry-after', String(r.retryAfterSeconds))
        return { status: r.status, attemptsLeft: 0, retryAfter: r.retryAfterSeconds }
      }
      if (r.status === 'rejected') return { status: r.status, attemptsLeft: r.attemptsLeft }
      return {
        status: r.status,
        attemptsLeft: r.attemptsLeft,
        ...(r.caller ? { caller: toCallerBody(r.caller) } : {}),
        ...(r.assertion ? { assertion: r.assertion } : {}),
      }
    },
  )
}

export default pins
