import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { Challenge, challengeBody } from '../../schemas/challenge.ts'
import { Caller, ErrorBody, Locale, PhoneString, commonErrors, security } from '../../schemas/common.ts'
import { toCallerBody } from './callers.ts'

const ChallengeParams = Type.Object({ challengeId: Type.String({ minLength: 1, maxLength: 64 }) })

const IssueBody = Type.Object({
  phone: PhoneString,
  locale: Type.Optional(Locale),
  purpose: Type.Optional(Type.String({ pattern: '^[a-z0-9_-]{1,32}$', description: 'Free label for metrics and audit, e.g. login' })),
  enrol: Type.Optional(Type.Boolean({ description: 'On approval, enrol the caller (atomically with the verify)' })),
}, { additionalProperties: false })

const VerifyBody = Type.Object({
  pin: Type.String({ pattern: '^[0-9]{4,10}$', description: 'ASCII digits, exactly PIN_LENGTH of them' }),
}, { additionalProperties: false })

const VerifyResult = Type.Object({
  status: Type.Union([Type.Literal('approved'), Type.Literal('rejected'), Type.Literal('locked')]),
  attemptsLeft: Type.Integer(),
  retryAfter: Type.Optional(Type.Integer({ description: 'Seconds until a new PIN can be requested (locked)' })),
  caller: Type.Optional(Caller),
}, { title: 'VerifyResult' })

/** One-time PINs: issue (sends the SMS), resend, verify. */
const pins: FastifyPluginAsyncTypebox = async (fastify) => {
  const tags = ['pins']
  const v = fastify.verification

  fastify.post('/v1/pins', {
    schema: {
      tags, security, summary: 'Send a one-time PIN by SMS', body: IssueBody, response: { 201: Challenge, 422: ErrorBody, ...commonErrors },
      description: 'Refusals: 403 FORBIDDEN_SCOPE (a key without verify); 422 DESTINATION_NOT_ALLOWED (SMS_ALLOWED_COUNTRIES); 429 PHONE_SEND_LIMIT, PHONE_LOCKED, CLIENT_SEND_LIMIT, PREFIX_SEND_LIMIT, RATE_LIMITED; '
        + '503 SMS_BUDGET_EXCEEDED, SMS_SEND_FAILED, DEPENDENCY_UNAVAILABLE. Every 429, and SMS_BUDGET_EXCEEDED, carries Retry-After.',
    },
  }, async (req, reply) => reply.code(201).send(challengeBody(await v.issue({ ...req.body, client: req.apiKey?.name }))))

  fastify.post('/v1/pins/:challengeId/resend', {
    schema: { tags, security, summary: 'Send a new PIN for the same challenge', params: ChallengeParams, response: { 200: Challenge, 404: ErrorBody, 422: ErrorBody, ...commonErrors } },
  }, async (req) => challengeBody(await v.resend(req.params.challengeId, req.apiKey?.name)))

  fastify.post('/v1/pins/:challengeId/verify', {
    schema: { tags, security, summary: 'Check a PIN', params: ChallengeParams, body: VerifyBody, response: { 200: VerifyResult, 404: ErrorBody, ...commonErrors } },
  }, async (req, reply) => {
    const r = await v.verify(req.params.challengeId, req.body.pin)
    if (r.status === 'locked') {
      reply.header('retry-after', String(r.retryAfterSeconds))
      return { status: r.status, attemptsLeft: 0, retryAfter: r.retryAfterSeconds }
    }
    return { status: r.status, attemptsLeft: r.attemptsLeft, ...(r.status === 'approved' && r.caller ? { caller: toCallerBody(r.caller) } : {}) }
  })
}

export default pins
