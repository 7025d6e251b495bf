import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyError } from 'fastify'
import { createConnectChannel } from '../../../channels/connect/channel.ts'
import { errorMap } from '../../../channels/connect/string-map.ts'
import { maskDigits } from '../../../logging.ts'
import { toPinlineError } from '../../../plugins/app/error-handler.ts'
import { ErrorBody, security } from '../../../schemas/common.ts'
import { ConnectResult, ContactFlowEvent } from '../../../schemas/connect.ts'

// Connect events carry every contact attribute (up to 32 KB of them) plus contact data,
// so they may exceed the service-wide body limit; Lambda itself allows 6 MB.
const EVENT_BODY_LIMIT = 256 * 1024

/** Amazon Connect's contact-flow Lambda contract, behind the connect shim. */
const connect: FastifyPluginAsyncTypebox = async (fastify) => {
  const channel = createConnectChannel({
    verification: fastify.verification,
    callers: fastify.callers,
    callerIdAuth: fastify.config.callerIdAuth,
  })

  fastify.post(
    '/v1/channels/connect',
    {
      bodyLimit: EVENT_BODY_LIMIT,
      // Only the Lambda shim calls this, from a few addresses with one key: per-IP HTTP limits would
      // throttle a busy contact centre. It has limits of its own (channel-limits.ts) instead.
      config: { rateLimit: false },
      preHandler: fastify.channelLimits.connect,
      schema: {
        tags: ['channels'],
        security,
        summary: 'Amazon Connect: lookup, sendPin, verifyPin',
        description:
          'Takes a ContactFlowEvent; Details.Parameters.action picks the operation. Every outcome, failures included, is 200 with a flat string map, so the flow branches on $.External.lambdaResult and errorCode.',
        body: ContactFlowEvent,
        response: { 200: ConnectResult, 401: ErrorBody, 403: ErrorBody },
      },
      // A flow can only branch on a map it received: even a malformed event gets one.
      errorHandler(raw: FastifyError, req, reply) {
        const err = toPinlineError(raw)
        const contactId = (req.body as { Details?: { ContactData?: { ContactId?: unknown } } } | undefined)?.Details
          ?.ContactData?.ContactId
        const context = { code: err.code, contactId: typeof contactId === 'string' ? contactId : undefined }
        // Provider and driver messages can quote the number: digits are masked before logging.
        if (err.statusCode >= 500)
          req.log.error({ ...context, cause: maskDigits(describe(raw)) }, 'connect request failed')
        else req.log.info(context, 'connect request refused')
        return reply.code(200).send(errorMap(err))
      },
    },
    async (req) => {
      const limited = fastify.channelLimits.pending(req)
      if (limited === undefined) return channel.handle(req.body, req.apiKey?.name)
      // A lookup runs alongside its limits (see channel-limits.ts), with the number they normalised;
      // their refusal comes first.
      const answer = channel.handle(req.body, req.apiKey?.name, { callerE164: limited.callerE164 })
      answer.catch(() => undefined)
      await limited.verdict
      return answer
    },
  )
}

function describe(err: unknown): string {
  const parts: string[] = []
  for (let e = err, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++)
    parts.push(`${e.name}: ${e.message}`)
  return parts.join(' <- ')
}

export default connect
