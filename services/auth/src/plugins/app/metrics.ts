import type { onResponseHookHandler } from 'fastify'
import fp from 'fastify-plugin'
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client'
import type { VerificationEvents } from '../../core/ports.ts'

declare module 'fastify' {
  interface FastifyInstance {
    metrics: { registry: Registry; events: VerificationEvents }
  }
}

// The purposes pinline itself uses; clients' own go in METRICS_PURPOSES.
const BUILT_IN_PURPOSES = ['verify', 'connect', 'order']

/**
 * Prometheus metrics on a per-app registry: PIN outcomes, SMS failures, HTTP latency. Every
 * label has a bounded set of values: `purpose` is client-chosen, so values outside the known
 * list count as `other` (each value would otherwise be a series for good).
 */
/**
 * An onResponse hook observing each request's latency by method, route and status. One bound
 * child per series: observe() with a label object hashes and validates the labels on every
 * request. The set is bounded (routes x methods x statuses).
 */
export function latencyObserver(latency: Histogram<'method' | 'route' | 'status_code'>): onResponseHookHandler {
  const series = new Map<string, ReturnType<typeof latency.labels>>()
  return (req, reply, done) => {
    const route = req.routeOptions.url ?? 'unmatched'
    const id = `${req.method} ${reply.statusCode} ${route}`
    let child = series.get(id)
    if (child === undefined) {
      child = latency.labels({ method: req.method, route, status_code: reply.statusCode })
      series.set(id, child)
    }
    child.observe(reply.elapsedTime / 1000)
    done()
  }
}

export default fp<{ purposes?: readonly string[] }>(
  async (fastify, opts) => {
    const purposes = new Set([...BUILT_IN_PURPOSES, ...(opts.purposes ?? [])])
    const registry = new Registry()
    collectDefaultMetrics({ register: registry, prefix: 'pinline_' })
    const registers = [registry]
    const counter = <L extends string>(name: string, help: string, labelNames: L[] = []) =>
      new Counter({ name, help, labelNames, registers })
    const issued = counter('pinline_pins_issued_total', 'PINs issued (SMS accepted by the provider)', ['purpose'])
    const resent = counter('pinline_pins_resent_total', 'PINs re-sent on an existing challenge')
    const verified = counter('pinline_pin_verifications_total', 'PIN checks by result', ['result'])
    const smsFailures = counter('pinline_sms_failures_total', 'SMS the provider did not accept')
    const smsRefused = counter('pinline_sms_refused_total', 'SMS refused by a spend guard (SMS pumping signal)', [
      'reason',
    ])
    const latency = new Histogram({
      name: 'pinline_http_request_duration_seconds',
      help: 'HTTP request latency',
      labelNames: ['method', 'route', 'status_code'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    })

    fastify.decorate('metrics', {
      registry,
      events: {
        issued: (purpose) => issued.inc({ purpose: purposes.has(purpose) ? purpose : 'other' }),
        resent: () => resent.inc(),
        verified: (result) => verified.inc({ result }),
        smsFailed: () => smsFailures.inc(),
        smsRefused: (reason) => smsRefused.inc({ reason }),
      },
    })

    fastify.addHook('onResponse', latencyObserver(latency))

    fastify.get('/metrics', { schema: { hide: true } }, async (_req, reply) => {
      reply.type(registry.contentType)
      return registry.metrics()
    })
  },
  { name: 'metrics' },
)
