import fp from 'fastify-plugin'
import { Counter, Gauge } from 'prom-client'
import { createOutbox, type EventSink, type Outbox } from '../../adapters/events/outbox.ts'
import { createWebhookSink } from '../../adapters/events/webhook-sink.ts'
import type { VerificationEvents } from '../../core/ports.ts'

declare module 'fastify' {
  interface FastifyInstance {
    /** The `changed` hook of the core's events port: every state change, to every configured sink. */
    verificationEvents: Pick<VerificationEvents, 'changed'>
  }
}

// How long a graceful close keeps trying to hand the backlog over before giving up on it.
const CLOSE_DEADLINE_MS = 5_000

/** Verification events to EventBridge and/or a signed webhook, each through its own bounded outbox. */
export default fp(
  async (fastify) => {
    const c = fastify.config.events
    const sinks: EventSink[] = []
    // The EventBridge client (the AWS SDK) is loaded only when a bus is configured.
    if (c.eventBridgeBus) {
      const { createEventBridgeSink } = await import('../../adapters/events/eventbridge-sink.ts')
      sinks.push(createEventBridgeSink({ bus: c.eventBridgeBus, source: c.source, timeoutMs: c.timeoutMs }))
    }
    if (c.webhookUrl && c.webhookSecret)
      sinks.push(createWebhookSink({ url: c.webhookUrl, secret: c.webhookSecret, timeoutMs: c.timeoutMs }))
    if (sinks.length === 0) {
      fastify.decorate('verificationEvents', {})
      return
    }

    // Every series is per sink, on the app's registry.
    const perSink = (name: string, help: string) => ({
      name,
      help,
      labelNames: ['sink'] as const,
      registers: [fastify.metrics.registry],
    })
    const delivered = new Counter(perSink('pinline_events_delivered_total', 'Verification events a sink accepted'))
    const failures = new Counter(
      perSink('pinline_events_delivery_failures_total', 'Failed delivery attempts (retried)'),
    )
    const dropped = new Counter(
      perSink('pinline_events_dropped_total', 'Verification events dropped because the backlog was full'),
    )
    const backlog = new Gauge(perSink('pinline_events_backlog', 'Verification events waiting for a sink'))

    const outboxes: Array<{ sink: string; outbox: Outbox }> = sinks.map((sink) => {
      const labels = { sink: sink.name }
      // Every series exists from the start, so a rate() or an alert sees the first failure.
      backlog.set(labels, 0)
      for (const counter of [delivered, failures, dropped]) counter.inc(labels, 0)
      return {
        sink: sink.name,
        outbox: createOutbox(
          sink,
          { maxBacklog: c.backlogMax, retryBaseMs: 200, retryMaxMs: c.retryMaxMs },
          {
            delivered: (n) => delivered.inc(labels, n),
            failed: (err) => {
              failures.inc(labels)
              fastify.log.warn({ sink: sink.name, err }, 'verification events: delivery failed, will retry')
            },
            dropped: () => dropped.inc(labels),
            backlog: (n) => backlog.set(labels, n),
            overflow: (s) =>
              s.full
                ? fastify.log.error(
                    { sink: sink.name, backlogMax: c.backlogMax },
                    'verification events: backlog full, new events are dropped until the sink catches up',
                  )
                : fastify.log.warn(
                    { sink: sink.name, dropped: s.dropped },
                    'verification events: backlog has room again',
                  ),
          },
        ),
      }
    })

    fastify.decorate('verificationEvents', {
      changed: (event) => {
        for (const { outbox } of outboxes) outbox.publish(event)
      },
    })
    fastify.addHook('onClose', async () => {
      const left = await Promise.all(
        outboxes.map(async ({ sink, outbox }) => ({ sink, lost: await outbox.close(CLOSE_DEADLINE_MS) })),
      )
      for (const { sink, lost } of left)
        if (lost > 0) fastify.log.error({ sink, lost }, 'verification events: not delivered before shutdown')
    })
    fastify.log.info({ sinks: sinks.map((s) => s.name) }, 'verification events enabled')
  },
  { name: 'events', dependencies: ['metrics'] },
)
