import { connectLookup, lexTurn, sessionAddItem } from './channels.ts'
import { PIN, phoneAt, seedCallers, seedChallenges, type BenchContext } from './lib/fixtures.ts'

export interface BenchRequest {
  path: string
  body?: unknown
}

/** Builds the n-th request of a run (n counts across all connections, warm-up included). */
export type NextRequest = (n: number) => BenchRequest

/**
 * One line of the table. `kind` picks the target: verify and lookup must reach 0.8
 * of the floor, channels 0.6; issue is reported without one (it includes the SMS).
 */
export interface Scenario {
  name: string
  kind: 'floor' | 'verify' | 'lookup' | 'issue' | 'channel'
  method: 'GET' | 'POST' | 'PUT'
  /** The status every response should have; any other is counted as unexpected. */
  expect: number
  /** Requests that need nothing seeded. */
  request?: NextRequest
  /** Seeds what the requests need (at most ctx.budget of them), then builds them. */
  setup?: (ctx: BenchContext) => Promise<NextRequest>
  /** Checked on the body of one request before the load starts: the run measures the right path. */
  check?: (body: Record<string, unknown>) => boolean
}

const WRONG_PIN = '000000'

export const floor: Scenario = {
  name: 'floor (Fastify + 1 EVALSHA)', kind: 'floor', method: 'GET', expect: 200,
  request: (n) => ({ path: `/floor/${n % 1000}` }),
}

/** Run before the first scenario, so it does not pay for JIT warm-up of what all routes share. */
export const serviceWarmUp: Scenario = {
  name: 'service warm-up', kind: 'lookup', method: 'GET', expect: 404,
  request: (n) => ({ path: `/v1/callers/${phoneAt(19, n % 1000)}` }),
}

export const scenarios: Scenario[] = [
  {
    name: 'verify, wrong code', kind: 'verify', method: 'POST', expect: 200,
    // Each challenge takes at most 3 guesses: it stays below PIN_MAX_ATTEMPTS, so every answer is 'rejected'.
    setup: async (ctx) => {
      const ids = await seedChallenges(ctx, Math.ceil(ctx.budget / 3), { block: 11, pin: PIN })
      return (n) => ({ path: `/v1/pins/${ids[n % ids.length]}/verify`, body: { pin: WRONG_PIN } })
    },
    check: (b) => b.status === 'rejected',
  },
  {
    name: 'verify, right code', kind: 'verify', method: 'POST', expect: 200,
    setup: async (ctx) => {
      const ids = await seedChallenges(ctx, ctx.budget, { block: 12, pin: PIN })
      return (n) => ({ path: `/v1/pins/${ids[n]}/verify`, body: { pin: PIN } })
    },
    check: (b) => b.status === 'approved',
  },
  {
    name: 'verify, right code + enrol', kind: 'verify', method: 'POST', expect: 200,
    setup: async (ctx) => {
      const ids = await seedChallenges(ctx, ctx.budget, { block: 13, pin: PIN, enrol: true })
      return (n) => ({ path: `/v1/pins/${ids[n]}/verify`, body: { pin: PIN } })
    },
    check: (b) => b.status === 'approved' && typeof b.caller === 'object',
  },
  {
    name: 'caller lookup, hit', kind: 'lookup', method: 'GET', expect: 200,
    setup: async (ctx) => {
      const phones = await seedCallers(ctx, 1000, 14)
      return (n) => ({ path: `/v1/callers/${phones[n % phones.length]}` })
    },
    check: (b) => b.firstName === 'Hanako',
  },
  {
    name: 'caller lookup, miss', kind: 'lookup', method: 'GET', expect: 404,
    request: (n) => ({ path: `/v1/callers/${phoneAt(15, n % 1000)}` }),
    check: (b) => b.code === 'CALLER_NOT_FOUND',
  },
  {
    // A new number per request, as on a real line; SMS_PROVIDER=log writes one log line per PIN.
    name: 'PIN issue (log SMS)', kind: 'issue', method: 'POST', expect: 201,
    request: (n) => ({ path: '/v1/pins', body: { phone: phoneAt(16, n) } }),
    check: (b) => typeof b.challengeId === 'string',
  },
  connectLookup('/v1/channels/connect'),
  lexTurn('/v1/channels/lex'),
  sessionAddItem({ sessions: '/v1/sessions', menu: '/v1/menu' }),
]
