import { randomUUID } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import { failureQueue, readBody, startHttpStandIn } from './http-stand-in.ts'

/**
 * Wire-level stand-in for Amazon SNS Publish. @aws-sdk/client-sns speaks the awsQuery protocol:
 * a form-encoded POST (Action=Publish&Version=2010-03-31&...) answered with XML. Errors use the
 * awsQuery <ErrorResponse> shape; the SDK maps <Code> to its exception class through the
 * awsQueryError trait (Throttled -> ThrottledException, InternalError -> InternalErrorException,
 * InvalidParameter -> InvalidParameterException). Signatures are not checked.
 */

// 'garbled': the message is accepted (recorded), but the 200 answer's body is cut off mid-way.
export type SnsFailure = 'throttle' | 'server-error' | 'invalid-parameter' | 'hang' | 'garbled'
export type SnsPublish = { phoneNumber: string; message: string; attributes: Record<string, string>; at: number }

export type SnsStandIn = {
  url: string
  /** Successful publishes only, in arrival order. */
  publishes: SnsPublish[]
  /** The 6-digit PIN in the newest publish to `phoneNumber`; throws when none was sent there. */
  lastPin(phoneNumber: string): string
  failNext(count: number, kind: SnsFailure): void
  /** Delay before every answer. A publish is recorded before the delay, like a real service that
   * accepted the message but answered slowly (so a client timeout leaves an ambiguous outcome). */
  setLatency(ms: number): void
  /** Every HTTP request, failed or not. */
  requestCount(): number
  reset(): void
  close(): Promise<void>
}

const XMLNS = 'http://sns.amazonaws.com/doc/2010-03-31/'
const E164 = /^\+[1-9]\d{1,14}$/

const FAILURES = {
  throttle: { status: 429, type: 'Sender', code: 'Throttled', message: 'Rate exceeded' },
  'server-error': { status: 500, type: 'Receiver', code: 'InternalError', message: 'Internal error' },
  'invalid-parameter': { status: 400, type: 'Sender', code: 'InvalidParameter', message: 'Invalid parameter' },
} as const

export async function startSnsStandIn(): Promise<SnsStandIn> {
  const publishes: SnsPublish[] = []
  const failures = failureQueue<SnsFailure>()
  let latencyMs = 0
  let requests = 0

  const http = await startHttpStandIn(async (req, res) => {
    requests++
    const form = new URLSearchParams(await readBody(req))
    const failure = failures.take()
    if (failure === 'hang') return // never answer: the client's requestTimeout has to fire
    const requestId = randomUUID()
    const reply = async (status: number, xml: string) => {
      if (latencyMs > 0) await sleep(latencyMs)
      if (res.destroyed) return // the client gave up (timeout) while we were "slow"
      // The SDK takes $metadata.requestId from this header, not from the XML body.
      res.writeHead(status, { 'content-type': 'text/xml', 'x-amzn-requestid': requestId })
      res.end(xml)
    }
    const replyError = (e: { status: number; type: string; code: string; message: string }) =>
      reply(e.status, errorXml(e, requestId))
    // Like SNS, an invalid-parameter refusal names the number it refused.
    if (failure === 'invalid-parameter') {
      return replyError({
        ...FAILURES[failure],
        message: `Invalid parameter: PhoneNumber Reason: ${form.get('PhoneNumber') ?? ''} is not valid to publish to`,
      })
    }
    if (failure && failure !== 'garbled') return replyError(FAILURES[failure])

    const action = form.get('Action')
    if (action !== 'Publish') {
      return replyError({ status: 400, type: 'Sender', code: 'InvalidAction', message: `Unsupported action ${action}` })
    }
    const phoneNumber = form.get('PhoneNumber') ?? ''
    const message = form.get('Message')
    const invalid = (reason: string) =>
      replyError({ ...FAILURES['invalid-parameter'], message: `Invalid parameter: ${reason}` })
    if (!E164.test(phoneNumber))
      return invalid(`PhoneNumber Reason: ${phoneNumber || 'missing'} is not valid to publish to`)
    if (!message) return invalid('Message Reason: Empty message')

    publishes.push({ phoneNumber, message, attributes: messageAttributes(form), at: Date.now() })
    const accepted =
      `<PublishResponse xmlns="${XMLNS}"><PublishResult><MessageId>${randomUUID()}</MessageId></PublishResult>` +
      `<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></PublishResponse>`
    return reply(200, failure === 'garbled' ? accepted.slice(0, 60) : accepted)
  })

  return {
    url: http.url,
    publishes,
    lastPin: (phoneNumber) => {
      const pin = publishes.findLast((p) => p.phoneNumber === phoneNumber)?.message.match(/\b(\d{6})\b/)?.[1]
      if (!pin) throw new Error(`no PIN was published to ${phoneNumber}`)
      return pin
    },
    failNext: (count, kind) => failures.add(count, kind),
    setLatency: (ms) => void (latencyMs = ms),
    requestCount: () => requests,
    reset: () => {
      publishes.length = 0
      failures.clear()
      latencyMs = 0
      requests = 0
    },
    close: http.close,
  }
}

/** awsQuery encodes a map as MessageAttributes.entry.N.Name / .Value.DataType / .Value.StringValue. */
function messageAttributes(form: URLSearchParams): Record<string, string> {
  const attributes: Record<string, string> = {}
  for (let n = 1; form.has(`MessageAttributes.entry.${n}.Name`); n++) {
    const prefix = `MessageAttributes.entry.${n}`
    const value = form.get(`${prefix}.Value.StringValue`) ?? form.get(`${prefix}.Value.BinaryValue`) ?? ''
    attributes[form.get(`${prefix}.Name`) ?? ''] = value
  }
  return attributes
}

function errorXml(e: { type: string; code: string; message: string }, requestId: string): string {
  return (
    `<ErrorResponse xmlns="${XMLNS}"><Error><Type>${e.type}</Type><Code>${e.code}</Code>` +
    `<Message>${escapeXml(e.message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`
  )
}

function escapeXml(text: string): string {
  return text.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`)
}
