import { connectLookup, lexTurn, sessionAddItem } from './channels.ts'
import { PIN, phoneAt, seedCallers, seedChallenges } from './lib/fixtures.ts'
import type { Scenario } from './lib/scenario.ts'

const WRONG_PIN = '000000'

export const floor: Scenario = {
  name: 'floor (Fastify + 1 EVALSHA)',
  kind: 'floor',
  method: 'GET',
  expect: 200,
  request: (n) => ({ path: `/floor/${n % 1000}` }),
}

/** Run before the first scenario, so it does not pay for JIT warm-up of what all routes share. */
export const serviceWarmUp: Scenario = {
  name: 'service warm-up',
  kind: 'lookup',
  method: 'GET',
  expect: 404,
  request: (n) => ({ path: `/v1/callers/${phoneAt(19, n % 1000)}` }),
}

export const scenarios: Scenario[] = [
  {
    name: 'verify, wrong code',
    kind: 'verify',
    method: 'POST',
    expect: 200,
    // Each challenge takes at most 3 guesses: it stays below PIN_MAX_ATTEMPTS, so every answer is 'rejected'.
    setup: async (ctx) => {
      const ids = await seedChallenges(ctx, Math.ceil(ctx.budget / 3), { block: 11, pin: PIN })
      return (n) => ({ path: `/v1/pins/${ids[n % ids.length]}/verify`, body: { pin: WRONG_PIN } })
    },
    check: (b) => b.status === 'rejected',
  },
  {
    name: 'verify, right code',
    kind: 'verify',
    method: 'POST',
    expect: 200,
    setup: async (ctx) => {
      const ids = await seedChallenges(ctx, ctx.budget, { block: 12, pin: PIN })
      return (n) => ({ path: `/v1/pins/${ids[n]}/verify`, body: { pin: PIN } })
    },
    check: (b) => b.status === 'approved',
  },
  {
    name: 'verify, right code + enrol',
    kind: 'verify',
    method: 'POST',
    expect: 200,
    setup: async (ctx) => {
      const ids = await seedChallenges(ctx, ctx.budget, { block: 13, pin: PIN, enrol: true })
      return (n) => ({ path: `/v1/pins/${ids[n]}/verify`, body: { pin: PIN } })
    },
    check: (b) => b.status === 'approved' && typeof b.caller === 'object',
  },
  {
    name: 'caller lookup, hit',
    kind: 'lookup',
    method: 'GET',
    expect: 200,
    setup: async (ctx) => {
      const phones = await seedCallers(ctx, 1000, 14)
      return (n) => ({ path: `/v1/callers/${phones[n % phones.length]}` })
    },
    check: (b) => b.firstName === 'Hanako',
  },
  {
    name: 'caller lookup, miss',
    kind: 'lookup',
    method: 'GET',
    expect: 404,
    request: (n) => ({ path: `/v1/callers/${phoneAt(15, n % 1000)}` }),
    check: (b) => b.code === 'CALLER_NOT_FOUND',
  },
  {
    // A new number per request, as on a real line; SMS_PROVIDER=log writes one log line per PIN.
    name: 'PIN issue (log SMS)',
    kind: 'issue',
    method: 'POST',
    expect: 201,
    request: (n) => ({ path: '/v1/pins', body: { phone: phoneAt(16, n) } }),
    check: (b) => typeof b.challengeId === 'string',
  },
  connectLookup('/v1/channels/connect'),
  lexTurn('/v1/channels/lex'),
  sessionAddItem({ sessions: '/v1/sessions', menu: '/v1/menu' }),
]
