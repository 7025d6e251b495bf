import { randomUUID } from 'node:crypto'
import type { ServerResponse } from 'node:http'
import { setTimeout as sleep } from 'node:timers/promises'
import { failureQueue, readBody, startHttpStandIn } from './http-stand-in.ts'

/**
 * Wire-level stand-in for AWS End User Messaging SMS and Voice v2 as
 * @aws-sdk/client-pinpoint-sms-voice-v2 calls it: awsJson1_0, a POST with
 * `X-Amz-Target: PinpointSMSVoiceV2.<Op>` and a JSON body; errors are `{"__type", "message"}`,
 * which the SDK turns into exceptions of that name (ThrottlingException is retryable).
 * SendTextMessage and SendVoiceMessage, with the checks the real API makes on what we send.
 * Signatures are not checked.
 */

export type EumFailure = 'throttle' | 'internal' | 'validation' | 'hang'

export interface EumText {
  to: string
  body: string
  type?: string
  originationIdentity?: string
  configurationSet?: string
  protectConfigurationId?: string
  maxPrice?: string
}

export interface EumCall {
  to: string
  ssml: string
  voiceId: string
  originationIdentity: string
  configurationSet?: string
  maxPricePerMinute?: string
}

export type EumStandIn = {
  url: string
  texts: EumText[]
  calls: EumCall[]
  failNext(count: number, kind: EumFailure): void
  /** Delay before every answer. A text or call is recorded before the delay, like a provider that
   * accepted it but answered slowly (so a client timeout leaves an ambiguous outcome). */
  setLatency(ms: number): void
  /** Every HTTP request, failed or not. */
  requestCount(): number
  reset(): void
  close(): Promise<void>
}

const E164 = /^\+[1-9]\d{1,14}$/

type Body = Record<string, unknown>
const str = (v: unknown) => (typeof v === 'string' ? v : undefined)

export async function startEumStandIn(): Promise<EumStandIn> {
  const texts: EumText[] = []
  const calls: EumCall[] = []
  const failures = failureQueue<EumFailure>()
  let latencyMs = 0
  let requests = 0

  const send = async (res: ServerResponse, status: number, body: unknown) => {
    if (latencyMs > 0) await sleep(latencyMs)
    if (res.destroyed) return // the client gave up (timeout) while we were "slow"
    res.writeHead(status, { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-requestid': randomUUID() })
    res.end(JSON.stringify(body))
  }
  const error = (res: ServerResponse, status: number, type: string, message: string) =>
    send(res, status, { __type: type, message })

  const http = await startHttpStandIn(async (req, res) => {
    requests++
    const target = String(req.headers['x-amz-target'] ?? '')
    const contentType = String(req.headers['content-type'] ?? '')
    const raw = await readBody(req)
    const injected = failures.take()
    if (injected === 'hang') return
    if (injected === 'throttle') return error(res, 400, 'ThrottlingException', 'Rate exceeded')
    if (injected === 'internal') return error(res, 500, 'InternalServerException', 'Internal error')
    if (contentType !== 'application/x-amz-json-1.0')
      return error(res, 400, 'SerializationException', `Unexpected content type ${contentType}`)
    let b: Body
    try {
      b = JSON.parse(raw || '{}') as Body
    } catch {
      return error(res, 400, 'SerializationException', 'Request body is not JSON')
    }
    const to = str(b.DestinationPhoneNumber)
    // Like the real API, a refusal quotes the number it refused.
    if (injected === 'validation') return error(res, 400, 'ValidationException', `Destination ${to} is not allowed`)
    if (!to || !E164.test(to)) return error(res, 400, 'ValidationException', 'DestinationPhoneNumber must be E.164')
    switch (target) {
      case 'PinpointSMSVoiceV2.SendTextMessage': {
        const body = str(b.MessageBody)
        if (!body || body.length > 1600)
          return error(res, 400, 'ValidationException', 'MessageBody must be 1 to 1600 characters')
        texts.push({
          to,
          body,
          type: str(b.MessageType),
          originationIdentity: str(b.OriginationIdentity),
          configurationSet: str(b.ConfigurationSetName),
          protectConfigurationId: str(b.ProtectConfigurationId),
          maxPrice: str(b.MaxPrice),
        })
        return send(res, 200, { MessageId: randomUUID() })
      }
      case 'PinpointSMSVoiceV2.SendVoiceMessage': {
        const origin = str(b.OriginationIdentity)
        const ssml = str(b.MessageBody)
        if (!origin) return error(res, 400, 'ValidationException', 'OriginationIdentity is required')
        if (
          b.MessageBodyTextType !== 'SSML' ||
          !ssml?.startsWith('<speak>') ||
          !ssml.endsWith('</speak>') ||
          ssml.length > 6000
        ) {
          return error(res, 400, 'ValidationException', 'MessageBody must be SSML of at most 6000 characters')
        }
        calls.push({
          to,
          ssml,
          voiceId: str(b.VoiceId) ?? 'MATTHEW',
          originationIdentity: origin,
          configurationSet: str(b.ConfigurationSetName),
          maxPricePerMinute: str(b.MaxPricePerMinute),
        })
        return send(res, 200, { MessageId: randomUUID() })
      }
      default:
        return error(res, 400, 'UnknownOperationException', `Unsupported target ${target}`)
    }
  })

  return {
    url: http.url,
    texts,
    calls,
    failNext: (count, kind) => failures.add(count, kind),
    setLatency: (ms) => void (latencyMs = ms),
    requestCount: () => requests,
    reset: () => {
      texts.length = 0
      calls.length = 0
      failures.clear()
      latencyMs = 0
      requests = 0
    },
    close: () => http.close(),
  }
}
