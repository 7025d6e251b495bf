import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyError } from 'fastify'
import { Type } from 'typebox'
import { createConnectChannel } from '../../channels/connect/channel.ts'
import { errorMap } from '../../channels/connect/string-map.ts'
import { maskDigits } from '../../logging.ts'
import { toPinlineError } from '../../plugins/app/error-handler.ts'
import { ErrorBody, security } from '../../schemas/common.ts'

// Connect events carry every contact attribute (up to 32 KB of them) plus contact data,
// so they may exceed the service-wide body limit; Lambda itself allows 6 MB.
const EVENT_BODY_LIMIT = 256 * 1024

const Nullable = <T extends ReturnType<typeof Type.String>>(t: T) => Type.Union([t, Type.Null()])
const Str = (maxLength: number) => Type.String({ maxLength })

// Only the fields the channel reads are described; Connect's many others pass unchecked.
const ContactFlowEvent = Type.Object({
  Name: Type.Optional(Type.String({ examples: ['ContactFlowEvent'] })),
  Details: Type.Object({
    ContactData: Type.Object({
      ContactId: Type.String({ minLength: 1, maxLength: 256 }),
      Channel: Type.Optional(Nullable(Str(32))),
      CustomerEndpoint: Type.Optional(Type.Union([Type.Null(), Type.Object({ Address: Type.Optional(Nullable(Str(256))), Type: Type.Optional(Nullable(Str(64))) })])),
      Attributes: Type.Optional(Type.Union([Type.Null(), Type.Record(Type.String(), Type.Unknown())])),
      LanguageCode: Type.Optional(Nullable(Str(35))),
    }),
    Parameters: Type.Optional(Type.Union([Type.Null(), Type.Object({
      action: Type.Optional(Type.Union([Type.Literal('lookup'), Type.Literal('sendPin'), Type.Literal('verifyPin')], { description: 'Absent: lookup' })),
      CallerID: Type.Optional(Type.String({ maxLength: 32, description: 'Caller number; default $.CustomerEndpoint.Address' })),
      language: Type.Optional(Type.String({ maxLength: 35, description: 'SMS language, e.g. ja or ja_JP' })),
      pin: Type.Optional(Type.String({ maxLength: 32, description: 'As stored by Store customer input: may end with # or be Timeout' })),
      challengeId: Type.Optional(Type.String({ maxLength: 64, description: "Default: this contact's challenge" })),
      resend: Type.Optional(Type.Union(['true', 'True', 'false', 'False'].map((v) => Type.Literal(v)), { description: 'sendPin: send a new PIN on the existing challenge' })),
      purpose: Type.Optional(Type.String({ pattern: '^[a-z0-9_-]{1,32}$', description: 'sendPin: what the PIN is for (default connect); named in the assertion' })),
      channel: Type.Optional(Type.Union([Type.Literal('sms'), Type.Literal('voice'), Type.Literal('auto')], { description: 'sendPin: sms (default), voice (the PIN read out on a call), auto (a call to fixed lines); with resend, switches the channel' })),
    })])),
  }),
}, { title: 'ContactFlowEvent' })

const Attr = (description: string) => Type.Optional(Type.String({ description }))

const ConnectResult = Type.Object({
  lambdaResult: Type.Union([Type.Literal('Success'), Type.Literal('Error')]),
  errorCode: Attr('On Error: the same codes as the REST API'),
  retryAfterSeconds: Attr('When waiting helps: seconds until a retry can succeed'),
  recordFound: Attr('lookup: True when the number is enrolled'),
  authRequired: Attr('lookup: True when the caller must still pass a PIN (unknown, or CALLER_ID_AUTH=verify)'),
  firstName: Attr('lookup (trust) and verifyPin (approved)'),
  lastName: Attr('lookup (trust) and verifyPin (approved)'),
  custLevel: Attr('lookup (trust) and verifyPin (approved)'),
  language: Attr('lookup and verifyPin (approved)'),
  challengeId: Attr('sendPin'),
  channel: Attr('sendPin: sms or voice, how the PIN went'),
  expiresInSeconds: Attr('sendPin'),
  pinVerified: Attr('verifyPin: True or False'),
  status: Attr('verifyPin: approved, rejected or locked'),
  attemptsLeft: Attr('verifyPin'),
  pinlineAssertion: Attr('verifyPin (approved): a signed assertion (JWS, ES256, under 1 KB) bound to this contact (binding connect:<ContactId>); store it as a contact attribute for the agent desktop and back-ends'),
}, { title: 'ConnectResult', description: "Connect's STRING_MAP: flat, every value a string" })

/** Amazon Connect's contact-flow Lambda contract, behind the connect shim. */
const connect: FastifyPluginAsyncTypebox = async (fastify) => {
  const channel = createConnectChannel({ verification: fastify.verification, callers: fastify.callers, callerIdAuth: fastify.config.callerIdAuth })

  fastify.post('/v1/channels/connect', {
    bodyLimit: EVENT_BODY_LIMIT,
    // Only the Lambda shim calls this, from a few addresses with one key: per-IP and per-key
    // HTTP limits would throttle a busy contact centre. The PIN send and attempt caps still apply.
    config: { rateLimit: false },
    schema: {
      tags: ['channels'], security, summary: 'Amazon Connect: lookup, sendPin, verifyPin',
      description: 'Takes a ContactFlowEvent; Details.Parameters.action picks the operation. Every outcome, failures included, is 200 with a flat string map, so the flow branches on $.External.lambdaResult and errorCode.',
      body: ContactFlowEvent,
      response: { 200: ConnectResult, 401: ErrorBody },
    },
    // A flow can only branch on a map it received: even a malformed event gets one.
    errorHandler(raw: FastifyError, req, reply) {
      const err = toPinlineError(raw)
      const contactId = (req.body as { Details?: { ContactData?: { ContactId?: unknown } } } | undefined)?.Details?.ContactData?.ContactId
      const context = { code: err.code, contactId: typeof contactId === 'string' ? contactId : undefined }
      // Provider and driver messages can quote the number: digits are masked before logging.
      if (err.statusCode >= 500) req.log.error({ ...context, cause: maskDigits(describe(raw)) }, 'connect request failed')
      else req.log.info(context, 'connect request refused')
      return reply.code(200).send(errorMap(err))
    },
  }, async (req) => channel.handle(req.body))
}

function describe(err: unknown): string {
  const parts: string[] = []
  for (let e = err, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) parts.push(`${e.name}: ${e.message}`)
  return parts.join(' <- ')
}

export default connect
