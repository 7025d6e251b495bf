import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { PinlineError } from '../../core/errors.ts'
import { maskPhone } from '../../core/phone.ts'
import type { Caller as CallerRecord } from '../../core/ports.ts'
import { CallerParams, PutCallerBody } from '../../schemas/callers.ts'
import { Caller, ErrorBody, NoContent, commonErrors, security, type CallerBody } from '../../schemas/common.ts'

export function toCallerBody(c: CallerRecord): CallerBody {
  return {
    phone: c.phone,
    firstName: c.firstName,
    lastName: c.lastName,
    custLevel: c.custLevel,
    language: c.language,
    ...(c.email ? { email: c.email } : {}),
    enrolledAt: new Date(c.enrolledAt).toISOString(),
    trustedUntil: c.trustedUntil ? new Date(c.trustedUntil).toISOString() : null,
  }
}

/** The registry of known callers: lookup, admin import/update, removal. */
const callers: FastifyPluginAsyncTypebox = async (fastify) => {
  const tags = ['callers']

  fastify.get(
    '/v1/callers/:phone',
    {
      schema: {
        tags,
        security,
        summary: 'Look up a known caller',
        params: CallerParams,
        response: { 200: Caller, 404: ErrorBody, ...commonErrors },
      },
    },
    async (req) => {
      const caller = await fastify.callers.get(fastify.verification.phone(req.params.phone))
      if (!caller) throw new PinlineError('CALLER_NOT_FOUND')
      return toCallerBody(caller)
    },
  )

  fastify.put(
    '/v1/callers/:phone',
    {
      schema: {
        tags,
        security,
        summary: 'Import or replace a caller',
        params: CallerParams,
        body: PutCallerBody,
        response: { 200: Caller, 201: Caller, 409: ErrorBody, ...commonErrors },
      },
    },
    async (req, reply) => {
      const phone = fastify.verification.phone(req.params.phone)
      const trustedUntil = req.body.trustedUntil ? Date.parse(req.body.trustedUntil) : undefined
      if (trustedUntil !== undefined && trustedUntil <= Date.now()) {
        throw new PinlineError('VALIDATION_FAILED', { message: 'body/trustedUntil must be in the future' })
      }
      const { created, caller } = await fastify.callers.put({
        ...req.body,
        phone,
        enrolledAt: Date.now(),
        trustedUntil,
      })
      // An audit trail: binding a number or an e-mail to a person is an admin act. The key's name, never the key.
      req.log.warn(
        { apiKey: req.apiKey?.name, phone: maskPhone(phone), created, email: req.body.email ? 'set' : 'none' },
        'caller imported or replaced by an admin',
      )
      return reply.code(created ? 201 : 200).send(toCallerBody(caller))
    },
  )

  fastify.delete(
    '/v1/callers/:phone',
    {
      schema: {
        tags,
        security,
        summary: 'Forget a caller',
        params: CallerParams,
        response: { 204: NoContent, 404: ErrorBody, ...commonErrors },
      },
    },
    async (req, reply) => {
      const phone = fastify.verification.phone(req.params.phone)
      if (!(await fastify.callers.delete(phone))) throw new PinlineError('CALLER_NOT_FOUND')
      req.log.warn({ apiKey: req.apiKey?.name, phone: maskPhone(phone) }, 'caller removed by an admin')
      return reply.code(204).send(null)
    },
  )

  fastify.delete(
    '/v1/callers/:phone/lock',
    {
      schema: {
        tags,
        security,
        summary: "Lift a number's failure lock",
        params: CallerParams,
        response: { 204: NoContent, ...commonErrors },
        description:
          "Clears the number's failed-PIN counters: the window (PHONE_MAX_FAILURES) and the consecutive streak (PHONE_MAX_CONSECUTIVE_FAILURES), " +
          'so PHONE_LOCKED ends now. 204 whether or not the number was locked, enrolled or not. For support staff who have verified the caller another way.',
      },
    },
    async (req, reply) => {
      const phone = fastify.verification.phone(req.params.phone)
      await fastify.verification.unlockPhone(phone)
      // An audit trail: this undoes a brute-force defence.
      req.log.warn(
        { apiKey: req.apiKey?.name, phone: maskPhone(phone) },
        'failure lock of a number cleared by an admin',
      )
      return reply.code(204).send(null)
    },
  )
}

export default callers
