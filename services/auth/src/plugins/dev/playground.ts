import { existsSync } from 'node:fs'
import { isIP } from 'node:net'
import { fileURLToPath } from 'node:url'
import fastifyStatic from '@fastify/static'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { logSmsChannel, type LoggedSms } from '../../adapters/sms/log-sender.ts'
import { PinlineError } from '../../core/errors.ts'
import { scopeOf } from '../app/api-keys.ts'

// Development only: app.ts registers this plugin only when NODE_ENV is not production, so in
// production /playground and every route below do not exist (404).
//
// The page (web/, built by `npm run build` into dist/web) talks to the service through routes
// that need no API key, because a browser page must not hold one:
//   POST /playground/api/channels/{connect,lex}  an event, forwarded to /v1/channels/{connect,lex}
//   GET  /playground/api/menu?locale=            forwarded to /v1/menu (the chat's quick replies)
//   GET  /playground/api/sms                     Server-Sent Events: the SMS the log provider wrote
//   POST /playground/api/callers                 {phone, email}: gives the chat an e-mail to find a
//                                                phone by (adds it to the caller, enrolling a new one)
// and /playground/config.json says "local" (the page hosted on S3 gets one naming the AWS bot).
// The forwarding is in-process (inject) with one of the service's own API keys that has the
// target route's scope (no such key: the route answers 401, as /v1 would): the plugin plays
// the Lambda shim, so the event takes exactly the route, schema, error handling and channel code
// a deployed shim's does. What keeps these keyless routes safe:
//   - they exist only with SMS_PROVIDER=log: no real SMS can be sent through them, and the PINs
//     they lead to are the ones the service already writes to its own log;
//   - they answer only requests from the page itself: Host must be localhost or an IP address
//     (a DNS-rebinding page reaches the service under its own name) and a browser's
//     Sec-Fetch-Site and Origin must say same-origin (another site cannot drive them, or read the
//     outbox). Anything else is 403 PLAYGROUND_FORBIDDEN. An IP address lets a phone on the same
//     network open the page; a development service there already answers the documented dev key.

/** localhost or an IP literal: names a rebinding attacker cannot use. */
const directHost = (hostname: string) => hostname === 'localhost' || isIP(hostname.replace(/^\[|\]$/g, '')) !== 0
const SSE_HEARTBEAT_MS = 15_000

/** dist/web (the build's output): from the sources it is ../dist/web, from dist/ it is ./web. */
function builtPage(): string | undefined {
  const root = new URL('../../../../../', import.meta.url)
  const dir = [new URL('dist/web/', root), new URL('web/', root)].find((d) => existsSync(new URL('app.js', d)))
  return dir && fileURLToPath(dir)
}

function sameOriginOnly(req: FastifyRequest) {
  const site = req.headers['sec-fetch-site']
  const origin = req.headers.origin
  const ok =
    directHost(req.hostname) &&
    (site === undefined || site === 'same-origin' || site === 'none') &&
    (origin === undefined || origin === `${req.protocol}://${req.host}`)
  if (!ok) throw new PinlineError('PLAYGROUND_FORBIDDEN')
}

export default async function playground(fastify: FastifyInstance) {
  fastify.addHook('onRequest', async (req) => sameOriginOnly(req))

  const root = builtPage()
  if (root) {
    await fastify.register(fastifyStatic, { root, prefix: '/playground/', index: 'index.html', schemaHide: true })
    // The page's relative URLs (app.js, api/...) need the trailing slash.
    fastify.get('/playground', { schema: { hide: true } }, (_req, reply) => reply.redirect('/playground/'))
  } else {
    fastify.log.warn('the playground page is not built (run npm run build): /playground answers 404')
  }

  fastify.get('/playground/config.json', { schema: { hide: true } }, async () => ({ mode: 'local' }))

  // Keyless routes may only reach senders that write to the log: a real SMS or call, placed by
  // anyone who can reach the port (any client sets Host and Origin as it likes), would cost money.
  const voice = fastify.config.voice.provider
  if (fastify.config.sms.provider !== 'log' || (voice !== undefined && voice !== 'log')) {
    fastify.log.info('the playground routes need SMS_PROVIDER=log and no VOICE_PROVIDER other than log; they are off')
    return
  }
  /** The headers of a request to a /v1 route, with a key that has its scope. */
  const asShim = (req: FastifyRequest, method: string, url: string) => {
    const key = fastify.config.apiKeys.find((k) => k.scopes.has(scopeOf(method, url)))
    return { ...(key ? { authorization: `Bearer ${key.key}` } : {}), 'x-request-id': req.id }
  }
  const forward = async (req: FastifyRequest, reply: FastifyReply, method: 'GET' | 'POST', url: string) => {
    const res = await fastify.inject({
      method,
      url,
      ...(method === 'POST' ? { payload: req.body as object } : {}),
      headers: { ...asShim(req, method, url), 'content-type': 'application/json' },
    })
    return reply
      .code(res.statusCode)
      .type(String(res.headers['content-type'] ?? 'application/json'))
      .send(res.body)
  }

  fastify.post<{ Params: { channel: 'connect' | 'lex' } }>(
    '/playground/api/channels/:channel',
    {
      schema: {
        hide: true,
        params: { type: 'object', properties: { channel: { enum: ['connect', 'lex'] } }, required: ['channel'] },
      },
    },
    (req, reply) => forward(req, reply, 'POST', `/v1/channels/${req.params.channel}`),
  )

  fastify.get<{ Querystring: { locale?: string } }>(
    '/playground/api/menu',
    {
      schema: {
        hide: true,
        querystring: { type: 'object', properties: { locale: { enum: ['en', 'ja'] } }, additionalProperties: false },
      },
    },
    (req, reply) => forward(req, reply, 'GET', `/v1/menu${req.query.locale ? `?locale=${req.query.locale}` : ''}`),
  )

  fastify.post<{ Body: { phone: string; email: string; language?: 'en' | 'ja' } }>(
    '/playground/api/callers',
    {
      schema: {
        hide: true,
        body: {
          type: 'object',
          properties: {
            phone: { type: 'string', maxLength: 32 },
            email: { type: 'string', maxLength: 254 },
            language: { enum: ['en', 'ja'] },
          },
          required: ['phone', 'email'],
          additionalProperties: false,
        },
      },
    },
    async (req, reply) => {
      const url = `/v1/callers/${encodeURIComponent(req.body.phone)}`
      const found = await fastify.inject({ method: 'GET', url, headers: asShim(req, 'GET', url) })
      if (found.statusCode !== 200 && found.statusCode !== 404)
        return reply.code(found.statusCode).type('application/json').send(found.body)
      // Like an admin import (PUT /v1/callers): a known caller keeps its name, level and trust.
      const {
        firstName = 'New',
        lastName = 'Customer',
        custLevel = 'Welcome',
        language = req.body.language ?? 'en',
        trustedUntil = null,
      } = found.statusCode === 200 ? found.json() : {}
      const payload = {
        firstName,
        lastName,
        custLevel,
        language,
        email: req.body.email,
        ...(trustedUntil ? { trustedUntil } : {}),
      }
      const res = await fastify.inject({ method: 'PUT', url, headers: asShim(req, 'PUT', url), payload })
      return reply.code(res.statusCode).type('application/json').send(res.body)
    },
  )

  const streams = new Set<() => void>()
  fastify.get('/playground/api/sms', { schema: { hide: true } }, (req, reply) => {
    reply.hijack()
    const res = reply.raw
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      'x-request-id': req.id,
    })
    res.write(': pinline SMS outbox\n\n')
    const onSms = (message: unknown) => void res.write(`event: sms\ndata: ${JSON.stringify(message as LoggedSms)}\n\n`)
    const heartbeat = setInterval(() => res.write(': ping\n\n'), SSE_HEARTBEAT_MS)
    const end = () => {
      clearInterval(heartbeat)
      logSmsChannel.unsubscribe(onSms)
      streams.delete(end)
      res.end()
    }
    logSmsChannel.subscribe(onSms)
    streams.add(end)
    req.raw.on('close', end)
  })
  // An open stream would hold a graceful close until its hard stop.
  fastify.addHook('preClose', async () => {
    for (const end of [...streams]) end()
  })
}
