import { randomUUID } from 'node:crypto'
import type { ServerResponse } from 'node:http'
import { setTimeout as sleep } from 'node:timers/promises'
import { type BreakableStandIn, failureQueue, readBody, startHttpStandIn } from './http-stand-in.ts'

/**
 * Wire-level stand-in for Amazon EventBridge PutEvents as @aws-sdk/client-eventbridge calls it:
 * awsJson1_1, a POST with `X-Amz-Target: AWSEvents.PutEvents` and a JSON body; errors are
 * `{"__type", "message"}`, which the SDK turns into exceptions of that name. Entries EventBridge
 * refuses one by one come back with an ErrorCode and count in FailedEntryCount. Signatures are
 * not checked.
 */

/** partial: the second entry of the next request is refused (ThrottlingException), the others put. */
export type EventBridgeFailure = 'internal' | 'throttle' | 'hang' | 'partial'

export interface PutEntry {
  EventBusName?: string
  Source?: string
  DetailType?: string
  Detail?: string
  Time?: number
}

/** Down: every request answers 500 InternalException. */
export type EventBridgeStandIn = BreakableStandIn<EventBridgeFailure> & {
  /** Entries that were put, in arrival order. */
  entries: PutEntry[]
  /** Delay before every answer (entries are recorded first, as a service that accepted them but answered late). */
  setLatency(ms: number): void
  requestCount(): number
}

const send = (res: ServerResponse, status: number, body: unknown) => {
  if (res.destroyed) return
  res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': randomUUID() })
  res.end(JSON.stringify(body))
}
const error = (res: ServerResponse, status: number, type: string, message: string) =>
  send(res, status, { __type: type, message })

export async function startEventBridgeStandIn(): Promise<EventBridgeStandIn> {
  const entries: PutEntry[] = []
  const failures = failureQueue<EventBridgeFailure>()
  let down = false
  let latencyMs = 0
  let requests = 0

  const http = await startHttpStandIn(async (req, res) => {
    requests++
    const target = String(req.headers['x-amz-target'] ?? '')
    const raw = await readBody(req)
    const injected = failures.take()
    if (injected === 'hang') return // never answer: the client's requestTimeout has to fire
    if (down || injected === 'internal') return error(res, 500, 'InternalException', 'EventBridge is down')
    if (injected === 'throttle') return error(res, 400, 'ThrottlingException', 'Rate exceeded')
    if (target !== 'AWSEvents.PutEvents')
      return error(res, 400, 'UnknownOperationException', `Unsupported target ${target}`)
    let body: { Entries?: PutEntry[] }
    try {
      body = JSON.parse(raw || '{}') as { Entries?: PutEntry[] }
    } catch {
      return error(res, 400, 'SerializationException', 'Request body is not JSON')
    }
    const batch = body.Entries ?? []
    if (batch.length < 1 || batch.length > 10)
      return error(res, 400, 'ValidationException', 'Entries must hold 1 to 10 entries')
    const answers = batch.map((entry, i) => {
      if (injected === 'partial' && i === 1) return { ErrorCode: 'ThrottlingException', ErrorMessage: 'Rate exceeded' }
      if (!entry.Source || !entry.DetailType || !entry.Detail)
        return { ErrorCode: 'InvalidArgument', ErrorMessage: 'Source, DetailType and Detail are required' }
      entries.push(entry)
      return { EventId: randomUUID() }
    })
    if (latencyMs > 0) await sleep(latencyMs)
    send(res, 200, { FailedEntryCount: answers.filter((a) => 'ErrorCode' in a).length, Entries: answers })
  })

  return {
    url: http.url,
    entries,
    setDown: (value) => void (down = value),
    setLatency: (ms) => void (latencyMs = ms),
    failNext: (count, kind) => failures.add(count, kind),
    requestCount: () => requests,
    close: () => http.close(),
  }
}
