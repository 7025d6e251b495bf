import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Challenge } from '../../schemas/challenge.ts'
import { ErrorBody, commonErrors, security } from '../../schemas/common.ts'
import { ChallengeParams, IssueBody, ResendQuery, VerifyBody, VerifyResult } from '../../schemas/pins.ts'
import { toCallerBody } from './callers.ts'
import { challengeBody } from './challenge-body.ts'
import { transactionOf } from './transaction-of.ts'

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
