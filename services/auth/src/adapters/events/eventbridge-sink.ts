import { EventBridgeClient, PutEventsCommand, type EventBridgeClientConfig } from '@aws-sdk/client-eventbridge'
import type { EventSink } from './outbox.ts'

export interface EventBridgeOptions {
  /** Event bus name or ARN */
  bus: string
  source: string
  timeoutMs: number
}

/** One detail-type for every change; rules match on detail.type (pending, approved, ...). */
export const DETAIL_TYPE = 'Verification State Change'

/**
 * Amazon EventBridge PutEvents, 10 entries a call. The outbox retries, so the SDK makes one
 * attempt; entries EventBridge refused (FailedEntryCount, throttling per entry) are retried alone.
 * Region, credentials and AWS_ENDPOINT_URL_EVENTBRIDGE come from the SDK's default chain.
 */
export function createEventBridgeSink(opts: EventBridgeOptions, clientConfig: EventBridgeClientConfig = {}): EventSink {
  const client = new EventBridgeClient({
    maxAttempts: 1,
    requestHandler: {
      requestTimeout: opts.timeoutMs,
      throwOnRequestTimeout: true,
      connectionTimeout: Math.min(opts.timeoutMs, 2000),
    },
    ...clientConfig,
  })
  return {
    name: 'eventbridge',
    maxBatch: 10,
    async deliver(batch) {
      const out = await client.send(
        new PutEventsCommand({
          Entries: batch.map((e) => ({
            EventBusName: opts.bus,
            Source: opts.source,
            DetailType: DETAIL_TYPE,
            Time: new Date(e.at),
            Detail: JSON.stringify(e),
          })),
        }),
        { abortSignal: AbortSignal.timeout(opts.timeoutMs * 2) },
      )
      if (!out.FailedEntryCount) return []
      // Entries answer in request order; one with an ErrorCode was not put.
      return batch.filter((_, i) => out.Entries?.[i]?.ErrorCode !== undefined || out.Entries?.[i] === undefined)
    },
  }
}
