import type { ServerResponse } from 'node:http'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { connectEvent } from '../support/events/connect-events.ts'
import { readBody, startHttpStandIn, type HttpStandIn } from '../support/stand-ins/http-stand-in.ts'
import { lexEvent } from '../support/events/lex-events.ts'
import { bundleShim, type ShimBundle } from '../support/app/shim-bundle.ts'

// The shims as the deploy app runs them: no key in the environment, only the ARN of its
// Secrets Manager secret, read through the AWS Parameters and Secrets Lambda Extension
// (an HTTP server on localhost that Lambda starts beside the function). The stand-in below
// speaks that extension's documented protocol: GET /secretsmanager/get?secretId=…, with the
// function's session token in X-Aws-Parameters-Secrets-Token, answering GetSecretValue's JSON.

const SECRET_ARN = 'arn:aws:secretsmanager:ap-northeast-1:111122223333:secret:pinline/api-key/connect-shim-AbCdEf'
const KEY = 'key-from-the-secret-0123456789abcdef'
const TOKEN = 'session-token-of-the-function'

let connect: ShimBundle
let lex: ShimBundle
let service: HttpStandIn
let extension: HttpStandIn
let extensionReply: (res: ServerResponse) => void
const extensionCalls: Array<{ url: string; token: unknown }> = []
const authorizations: unknown[] = []
/** The key the service stand-in accepts; anything else is 401, as the service answers. */
let acceptedKey = KEY

const answerSecret = (secretString: string) => (res: ServerResponse) => {
  res.writeHead(200, { 'content-type': 'application/json' })
  res.end(
    JSON.stringify({
      ARN: SECRET_ARN,
      Name: 'pinline/api-key/connect-shim',
      SecretString: secretString,
      VersionStages: ['AWSCURRENT'],
    }),
  )
}
const goodSecret = answerSecret(JSON.stringify({ key: KEY, scopes: 'channels' }))

beforeAll(async () => {
  // Lambda sets it in the function's environment; read when the secret is fetched.
  process.env.AWS_SESSION_TOKEN = TOKEN
  ;[connect, lex] = await Promise.all([bundleShim('connect'), bundleShim('lex')])
  service = await startHttpStandIn(async (req, res) => {
    authorizations.push(req.headers.authorization)
    const body = await readBody(req)
    if (req.headers.authorization !== `Bearer ${acceptedKey}`) {
      res.writeHead(401, { 'content-type': 'application/json' })
      return void res.end(JSON.stringify({ code: 'UNAUTHORIZED', message: 'bad key' }))
    }
    res.writeHead(200, { 'content-type': 'application/json' })
    if (req.url === '/v1/channels/connect')
      res.end(JSON.stringify({ lambdaResult: 'Success', recordFound: 'False', authRequired: 'True' }))
    else
      res.end(
        JSON.stringify({
          sessionState: { ...JSON.parse(body).sessionState, dialogAction: { type: 'Close' } },
          messages: [],
        }),
      )
  })
  extension = await startHttpStandIn(async (req, res) => {
    extensionCalls.push({ url: req.url ?? '', token: req.headers['x-aws-parameters-secrets-token'] })
    extensionReply(res)
  })
})
afterAll(async () => {
  delete process.env.AWS_SESSION_TOKEN
  await Promise.all([service?.close(), extension?.close()])
  connect?.remove()
  lex?.remove()
})
afterEach(() => {
  extensionCalls.length = 0
  authorizations.length = 0
  vi.restoreAllMocks()
})

const env = () => ({
  AUTH_SERVICE_URL: service.url,
  AUTH_SERVICE_API_KEY: undefined,
  AUTH_SERVICE_API_KEY_SECRET_ID: SECRET_ARN,
  PARAMETERS_SECRETS_EXTENSION_HTTP_PORT: new URL(extension.url).port,
  AUTH_SERVICE_TIMEOUT_MS: '1000',
})

describe('the API key from Secrets Manager', () => {
  it('connect: fetched once per container with the session token, then sent as the bearer key on every call', async () => {
    extensionReply = goodSecret
    const { handler } = await connect.load(env())
    expect(extensionCalls).toHaveLength(0) // not at load: the extension does not serve during init
    for (let i = 0; i < 3; i++) expect((await handler(connectEvent())).lambdaResult).toBe('Success')
    expect(extensionCalls).toEqual([
      { url: `/secretsmanager/get?secretId=${encodeURIComponent(SECRET_ARN)}`, token: TOKEN },
    ])
    expect(authorizations).toEqual(Array(3).fill(`Bearer ${KEY}`))
  })

  it('lex: the same, one turn through', async () => {
    extensionReply = goodSecret
    const { handler } = await lex.load(env())
    const answer = (await (handler as (e: unknown) => Promise<any>)(lexEvent({ intent: 'GetFoodMenu' }))) as {
      sessionState: { dialogAction: unknown }
    }
    expect(answer.sessionState.dialogAction).toEqual({ type: 'Close' })
    expect(authorizations).toEqual([`Bearer ${KEY}`])
  })

  it('the extension failing or the secret malformed: the fallback, nothing sent to the service, and the next call tries again', async () => {
    vi.spyOn(console, 'error').mockImplementation(() => {})
    const { handler } = await connect.load(env())
    for (const reply of [
      (res: ServerResponse) => res.writeHead(400).end('not ready to serve traffic, please wait'),
      answerSecret('not json'),
      answerSecret(JSON.stringify({ scopes: 'channels' })),
    ]) {
      extensionReply = reply
      expect(await handler(connectEvent())).toEqual({ lambdaResult: 'Error', errorCode: 'SERVICE_UNAVAILABLE' })
    }
    expect(authorizations).toEqual([])
    extensionReply = goodSecret
    expect((await handler(connectEvent())).lambdaResult).toBe('Success')
    expect(authorizations).toEqual([`Bearer ${KEY}`])
    expect(extensionCalls).toHaveLength(4)
  })

  it('after a rotation: a key the service refuses (401) is forgotten, and the next call reads the secret again', async () => {
    extensionReply = goodSecret
    vi.spyOn(console, 'error').mockImplementation(() => {})
    const { handler } = await connect.load(env())
    expect((await handler(connectEvent())).lambdaResult).toBe('Success')
    const rotated = 'rotated-key-0123456789abcdefghijklmn'
    acceptedKey = rotated
    extensionReply = answerSecret(JSON.stringify({ key: rotated, scopes: 'channels' }))
    try {
      expect(await handler(connectEvent())).toEqual({ lambdaResult: 'Error', errorCode: 'SERVICE_UNAVAILABLE' })
      expect((await handler(connectEvent())).lambdaResult).toBe('Success')
      expect(authorizations).toEqual([`Bearer ${KEY}`, `Bearer ${KEY}`, `Bearer ${rotated}`])
      expect(extensionCalls).toHaveLength(2)
    } finally {
      acceptedKey = KEY
    }
  })
})
