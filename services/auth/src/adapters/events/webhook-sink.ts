import { createHmac } from 'node:crypto'
import type { EventSink } from './outbox.ts'

export interface WebhookOptions {
  url: string
  secret: string
  timeoutMs: number
}

export const SIGNATURE_HEADER = 'pinline-signature'

/** `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`: the receiver checks both, and the age. */
export function webhookSignature(secret: string, timestamp: number, body: string): string {
  return `t=${timestamp},v1=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`
}

/**
 * POSTs `{"events": [...]}` signed with HMAC-SHA256 over a timestamp and the body (each attempt
 * signed afresh). Any 2xx takes the batch; anything else, a timeout or a connection error is
 * retried by the outbox. Redirects are not followed: the signed body goes only where configured.
 */
export function createWebhookSink(opts: WebhookOptions): EventSink {
  return {
    name: 'webhook',
    maxBatch: 25,
    async deliver(batch) {
      const body = JSON.stringify({ events: batch })
      const res = await fetch(opts.url, {
        method: 'POST',
        redirect: 'manual',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'pinline-events',
          [SIGNATURE_HEADER]: webhookSignature(opts.secret, Math.floor(Date.now() / 1000), body),
        },
        body,
        signal: AbortSignal.timeout(opts.timeoutMs),
      })
      await res.body?.cancel().catch(() => undefined)
      if (res.status < 200 || res.status > 299) throw new Error(`webhook answered ${res.status}`)
      return []
    },
  }
}
