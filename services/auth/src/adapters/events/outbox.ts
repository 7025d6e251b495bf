import type { VerificationEvent } from '../../core/ports.ts'

// Verification events leave the request path through an outbox per sink: publish() only appends
// to memory and returns, one delivery loop per sink sends in order, in batches, and retries a
// failed batch with capped exponential backoff until the sink takes it. A slow or dead sink
// therefore never slows or fails a verification. The backlog is bounded: past it, new events are
// dropped, counted and logged, never queued without limit. Delivery is at least once (a request
// that timed out may have arrived): consumers de-duplicate on the event id.

export interface EventSink {
  readonly name: string
  /** Events per call (EventBridge PutEvents takes 10). */
  readonly maxBatch: number
  /** Sends a batch; resolves with the events to try again (none: all taken), throws to retry all. */
  deliver(batch: VerificationEvent[]): Promise<VerificationEvent[]>
}

export interface OutboxHooks {
  delivered(count: number): void
  failed(err: unknown): void
  dropped(): void
  backlog(size: number): void
  /** The backlog became full (dropping starts) or has room again (with how many were dropped). */
  overflow(state: { full: true } | { full: false; dropped: number }): void
}

export interface OutboxOptions {
  maxBacklog: number
  /** First retry after about this long, doubling up to retryMaxMs (full jitter). */
  retryBaseMs: number
  retryMaxMs: number
}

export type Outbox = ReturnType<typeof createOutbox>

export function createOutbox(sink: EventSink, opts: OutboxOptions, hooks: OutboxHooks) {
  const queue: VerificationEvent[] = []
  let running: Promise<void> | undefined
  let closing = false
  let droppedSinceFull = 0
  let wake: (() => void) | undefined

  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms)
      timer.unref() // a retry wait never holds the process open
      wake = () => {
        clearTimeout(timer)
        resolve()
      }
    })

  async function drain(): Promise<void> {
    let failures = 0
    while (queue.length > 0) {
      const batch = queue.slice(0, sink.maxBatch)
      let retry: VerificationEvent[]
      try {
        retry = await sink.deliver(batch)
      } catch (err) {
        hooks.failed(err)
        retry = batch
      }
      // Only this loop takes from the head; publish() appends behind the batch meanwhile.
      queue.splice(0, batch.length, ...retry)
      hooks.delivered(batch.length - retry.length)
      hooks.backlog(queue.length)
      if (droppedSinceFull > 0 && queue.length < opts.maxBacklog) {
        hooks.overflow({ full: false, dropped: droppedSinceFull })
        droppedSinceFull = 0
      }
      if (retry.length === 0) {
        failures = 0
        continue
      }
      failures++
      // Closing: retry without backoff until the deadline, but never in a hot loop.
      await pause(closing ? 50 : Math.random() * Math.min(opts.retryMaxMs, opts.retryBaseMs * 2 ** (failures - 1)))
    }
  }

  function run() {
    running ??= drain().finally(() => {
      running = undefined
      if (queue.length > 0 && !closing) run()
    })
  }

  return {
    /** Never blocks, never throws. */
    publish(event: VerificationEvent): void {
      if (queue.length >= opts.maxBacklog) {
        if (droppedSinceFull++ === 0) hooks.overflow({ full: true })
        hooks.dropped()
        return
      }
      queue.push(event)
      hooks.backlog(queue.length)
      run()
    },

    size: () => queue.length,

    /** Shutdown: retries at once (no backoff) until empty or `deadlineMs`; returns how many were left. */
    async close(deadlineMs: number): Promise<number> {
      closing = true
      wake?.()
      const deadline = Date.now() + deadlineMs
      while (queue.length > 0 && Date.now() < deadline) {
        if (!running) running = drain().finally(() => (running = undefined))
        const left = deadline - Date.now()
        await Promise.race([running, new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, left)).unref())])
      }
      return queue.length
    },
  }
}
