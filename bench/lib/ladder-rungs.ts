import { createKeys } from '../../services/auth/src/adapters/redis/keys.ts'

// The cost ladder's rungs (bench/ladder.ts, bench/ladder-server.ts), in the order they are added:
// the behaviours issue 16 requires of every request, each built the cheapest way pinline knows.
export const RUNGS = {
  log: "one JSON access line per request: pinline's logger (redaction, route template, no per-request child)",
  auth: 'bearer auth: SHA-256 of the key, compared in constant time with each known key, and a scope check',
  'request-id': 'x-request-id taken when safe (else a UUID), echoed and logged',
  schema: 'params validated (ajv), the answer serialised by its schema',
  metrics: 'latency histogram by method, route and status (prom-client, one bound series each), /metrics',
  phone: 'the number parsed and typed (libphonenumber-js, full metadata)',
  hmac: "the caller's Redis key is the number's HMAC-SHA256",
  limits: "per-key and per-address counters on Redis, leased by pinline's own limiter (RATE_LIMIT_LEASE_MS 100)",
} as const
export type Rung = keyof typeof RUNGS
export const RUNG_ORDER = Object.keys(RUNGS) as Rung[]

export const LADDER_SECRET = 'ladder-secret-0123456789-0123456789'
export const LADDER_PREFIX = 'ladder:'
export const LADDER_SCOPE = 'verify'

/** pinline's own key builder, as the rungs with `hmac` and `limits` use it. */
export const ladderKeys = createKeys(LADDER_PREFIX, LADDER_SECRET)

/** The caller's Redis key, as the rung with `hmac` (or without: the number itself) names it. */
export function callerKey(e164: string, hmac: boolean): string {
  return hmac ? ladderKeys.caller(e164) : `${LADDER_PREFIX}{${e164}}:caller`
}
