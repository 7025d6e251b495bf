// The cost ladder's rungs (bench/ladder.ts, bench/ladder-server.ts), in the order they are added:
// the behaviours issue 16 requires of every request, each with what it adds.
export const RUNGS = {
  log: 'one JSON access line per request (pino, redaction, the route template)',
  auth: 'bearer auth (@fastify/bearer-auth, one key)',
  'request-id': 'x-request-id taken or generated, and echoed',
  schema: 'params validated (ajv), the 404 body serialised by its schema',
  metrics: 'latency histogram by method, route and status (prom-client)',
  phone: 'the number parsed and typed (libphonenumber-js, full metadata)',
  hmac: "the Redis key is the number's HMAC-SHA256",
  limits: 'per-key and per-address counters in the same script (INCR, PEXPIRE)',
} as const
export type Rung = keyof typeof RUNGS
export const RUNG_ORDER = Object.keys(RUNGS) as Rung[]
