import { randomBytes, randomUUID } from 'node:crypto'
import type { ServerResponse } from 'node:http'
import { readBody, startHttpStandIn } from './http-stand-in.ts'

/**
 * Wire-level stand-in for AWS STS AssumeRoleWithWebIdentity, as @aws-sdk/credential-providers
 * fromWebToken calls it in Cognito's basic flow: awsQuery (a form-encoded POST, unsigned), an XML
 * answer, errors as an XML ErrorResponse. Only `roleArn` may be assumed, and only with a token
 * `issuedBy` recognises. It answers CORS, for the SDK in a browser page.
 */
export type StsStandIn = {
  url: string
  /** The access key ids it has handed out. */
  issuedKeys: string[]
  close(): Promise<void>
}

const NS = 'https://sts.amazonaws.com/doc/2011-06-15/'

export async function startStsStandIn(opts: {
  roleArn: string
  issuedBy(token: string): string | undefined
}): Promise<StsStandIn> {
  const issuedKeys: string[] = []
  const http = await startHttpStandIn(
    async (req, res) => {
      const form = new URLSearchParams(await readBody(req))
      if (form.get('Action') !== 'AssumeRoleWithWebIdentity')
        return fail(res, 'InvalidAction', `Unsupported action ${form.get('Action')}`)
      if (form.get('RoleArn') !== opts.roleArn)
        return fail(res, 'AccessDenied', 'Not authorized to perform sts:AssumeRoleWithWebIdentity', 403)
      const subject = opts.issuedBy(form.get('WebIdentityToken') ?? '')
      if (!subject)
        return fail(res, 'InvalidIdentityToken', "Couldn't retrieve verification key from your identity provider")
      const accessKeyId = `ASIA${randomBytes(8).toString('hex').toUpperCase()}`
      issuedKeys.push(accessKeyId)
      const session = form.get('RoleSessionName') ?? 'session'
      res.writeHead(200, { 'content-type': 'text/xml', 'x-amzn-requestid': randomUUID() })
      res.end(
        `<AssumeRoleWithWebIdentityResponse xmlns="${NS}"><AssumeRoleWithWebIdentityResult>` +
          `<Credentials><AccessKeyId>${accessKeyId}</AccessKeyId><SecretAccessKey>${randomBytes(20).toString('base64')}</SecretAccessKey>` +
          `<SessionToken>${randomBytes(32).toString('base64')}</SessionToken><Expiration>${new Date(Date.now() + 3600_000).toISOString()}</Expiration></Credentials>` +
          `<SubjectFromWebIdentityToken>${subject}</SubjectFromWebIdentityToken><Audience>cognito-identity.amazonaws.com</Audience>` +
          `<AssumedRoleUser><Arn>${opts.roleArn.replace(':role/', ':assumed-role/')}/${session}</Arn><AssumedRoleId>AROA${randomBytes(8).toString('hex').toUpperCase()}:${session}</AssumedRoleId></AssumedRoleUser>` +
          `</AssumeRoleWithWebIdentityResult><ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata></AssumeRoleWithWebIdentityResponse>`,
      )
    },
    { cors: true },
  )
  return { url: http.url, issuedKeys, close: http.close }
}

function fail(res: ServerResponse, code: string, message: string, status = 400): void {
  res.writeHead(status, { 'content-type': 'text/xml', 'x-amzn-requestid': randomUUID() })
  res.end(
    `<ErrorResponse xmlns="${NS}"><Error><Type>Sender</Type><Code>${code}</Code><Message>${message}</Message></Error><RequestId>${randomUUID()}</RequestId></ErrorResponse>`,
  )
}
