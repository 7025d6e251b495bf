import { randomBytes, randomUUID } from 'node:crypto'
import type { ServerResponse } from 'node:http'
import { readBody, startHttpStandIn } from './http-stand-in.ts'

/**
 * Wire-level stand-in for Amazon Cognito identity pools, the calls a guest makes: awsJson1_1
 * POSTs with `X-Amz-Target: AWSCognitoIdentityService.<Op>`, unsigned, as in AWS. GetId and
 * GetCredentialsForIdentity (the enhanced flow, fromCognitoIdentityPool), GetOpenIdToken (the
 * basic flow: the token then goes to STS). Only the pool it was started with exists. It answers
 * CORS, for the SDK in a browser page.
 */
export type CognitoIdentityStandIn = {
  url: string
  identityPoolId: string
  /** The access key ids it has handed out (a signed request with one of them came from a guest). */
  issuedKeys: string[]
  /** The identity an OpenID token from GetOpenIdToken was issued to (what STS checks). */
  tokenIdentity(token: string): string | undefined
  close(): Promise<void>
}

export async function startCognitoIdentityStandIn(opts: { region?: string } = {}): Promise<CognitoIdentityStandIn> {
  const region = opts.region ?? 'ap-northeast-1'
  const identityPoolId = `${region}:${randomUUID()}`
  const identities = new Set<string>()
  const issuedKeys: string[] = []
  const tokens = new Map<string, string>()

  const operations: Record<string, (b: Record<string, unknown>) => unknown> = {
    GetId(b) {
      if (b.IdentityPoolId !== identityPoolId)
        throw new CognitoError('ResourceNotFoundException', `IdentityPool '${String(b.IdentityPoolId)}' not found.`)
      const id = `${region}:${randomUUID()}`
      identities.add(id)
      return { IdentityId: id }
    },
    GetOpenIdToken(b) {
      const id = String(b.IdentityId)
      if (!identities.has(id)) throw new CognitoError('ResourceNotFoundException', 'Identity not found.')
      const token = randomBytes(32).toString('base64url')
      tokens.set(token, id)
      return { IdentityId: id, Token: token }
    },
    GetCredentialsForIdentity(b) {
      const id = String(b.IdentityId)
      if (!identities.has(id)) throw new CognitoError('ResourceNotFoundException', 'Identity not found.')
      const accessKeyId = `ASIA${randomBytes(8).toString('hex').toUpperCase()}`
      issuedKeys.push(accessKeyId)
      return {
        IdentityId: id,
        // Expiration is epoch seconds in the awsJson1_1 wire format.
        Credentials: {
          AccessKeyId: accessKeyId,
          SecretKey: randomBytes(20).toString('base64'),
          SessionToken: randomBytes(32).toString('base64'),
          Expiration: Math.floor(Date.now() / 1000) + 3600,
        },
      }
    },
  }

  const http = await startHttpStandIn(
    async (req, res) => {
      const target = String(req.headers['x-amz-target'] ?? '')
      const op = operations[target.replace(/^AWSCognitoIdentityService\./, '')]
      const body = JSON.parse((await readBody(req)) || '{}') as Record<string, unknown>
      if (!op) return send(res, 400, { __type: 'UnknownOperationException', message: `Unsupported target ${target}` })
      try {
        send(res, 200, op(body))
      } catch (err) {
        if (!(err instanceof CognitoError)) throw err
        send(res, 400, { __type: err.type, message: err.message })
      }
    },
    { cors: true },
  )

  return { url: http.url, identityPoolId, issuedKeys, tokenIdentity: (token) => tokens.get(token), close: http.close }
}

class CognitoError extends Error {
  readonly type: string
  constructor(type: string, message: string) {
    super(message)
    this.type = type
  }
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': randomUUID() })
  res.end(JSON.stringify(body))
}
