// Scenarios for the channels and order sessions: the Connect and Lex code hooks and adding
// to an order. Each takes its routes.
import { pinDigest } from '../services/auth/src/core/pin.ts'
import { PIN, benchCaller, seedCallers, type BenchContext } from './lib/fixtures.ts'
import { measureMemory, type MemoryFigure } from './lib/memory.ts'
import { connectLookupEvent, lexMenuEvent } from './lib/channel-events.ts'
import type { Scenario } from './lib/scenario.ts'
import { CHALLENGE } from '../services/auth/src/adapters/redis/challenges/fields.ts'

/** Connect `lookup` for an enrolled caller: what every inbound call costs. */
export const connectLookup = (route = '/v1/channels/connect'): Scenario => ({
  name: 'Connect lookup, hit',
  kind: 'channel',
  method: 'POST',
  expect: 200,
  setup: async (ctx) => {
    const phones = await seedCallers(ctx, 1000, 30)
    return (n) => ({ path: route, body: connectLookupEvent(phones[n % phones.length] ?? '') })
  },
  check: (b) => b.lambdaResult === 'Success' && b.recordFound === 'True',
})

/** One Lex turn (the menu): the channel's mapping cost with no SMS in it. */
export const lexTurn = (route = '/v1/channels/lex'): Scenario => ({
  name: 'Lex turn (menu)',
  kind: 'channel',
  method: 'POST',
  expect: 200,
  request: (n) => ({ path: route, body: lexMenuEvent(`caller${n % 1000}@example.com`, `bench-${n % 1000}`) }),
  check: (b) => typeof b.sessionState === 'object' && Array.isArray(b.messages),
})

/** Enrolled callers on `block`; returns their e-mails (sessions find the phone by e-mail). */
async function callerEmails(ctx: BenchContext, count: number, block: number): Promise<string[]> {
  const phones = await seedCallers(ctx, count, block)
  return phones.map((phone, i) => benchCaller(phone, block * 1_000_000 + i).email ?? '')
}

/**
 * Order sessions authenticated through the API: create by e-mail, send the PIN, then
 * put a digest of a known PIN in the challenge (the SMS went to the log) and verify it.
 */
export async function authenticatedSessions(
  ctx: BenchContext,
  emails: string[],
  sessions = '/v1/sessions',
): Promise<string[]> {
  const ids: string[] = []
  const one = async (i: number) => {
    const created = await ctx.api('POST', sessions, { email: emails[i] })
    const sessionId = String(created.body.sessionId)
    const sent = await ctx.api('POST', `${sessions}/${sessionId}/pin`, {})
    const challengeId = String(sent.body.challengeId)
    await ctx.redis.hset(ctx.keys.challenge(challengeId), CHALLENGE.digest, pinDigest(ctx.secret, challengeId, PIN))
    const verified = await ctx.api('POST', `${sessions}/${sessionId}/pin/verify`, { pin: PIN })
    if (verified.body.authenticated !== true)
      throw new Error(`session ${i} did not authenticate: ${JSON.stringify(verified.body)}`)
    ids[i] = sessionId
  }
  for (let start = 0; start < emails.length; start += 32) {
    await Promise.all(Array.from({ length: Math.min(32, emails.length - start) }, (_, j) => one(start + j)))
  }
  return ids
}

const firstMenuItems = async (ctx: BenchContext, menu: string) =>
  ((await ctx.api('GET', menu)).body.items as Array<{ id: string }>).map((i) => i.id)

// A thousand open orders; each add goes to the next, cycling through the menu, so an
// order keeps a handful of lines and quantities stay far below the per-item cap.
const SESSIONS = 1000

/** Adding an item to an authenticated order session. */
export const sessionAddItem = (routes = { sessions: '/v1/sessions', menu: '/v1/menu' }): Scenario => ({
  name: 'session add-item',
  kind: 'channel',
  method: 'POST',
  expect: 201,
  setup: async (ctx) => {
    const items = await firstMenuItems(ctx, routes.menu)
    const emails = await callerEmails(ctx, SESSIONS, 31)
    const ids = await authenticatedSessions(ctx, emails, routes.sessions)
    return (n) => ({
      path: `${routes.sessions}/${ids[n % ids.length]}/items`,
      body: { item: items[Math.floor(n / ids.length) % items.length] },
    })
  },
  check: (b) => Array.isArray(b.items) && b.items.length > 0,
})

/**
 * Redis bytes per authenticated order session holding one item. `keysOf` names the
 * session's keys (from keys.ts once sessions exist there, e.g. (id) => ({ session: keys.session(id) })).
 * The used_memory growth also holds each phone's send counter, left by the PIN that
 * authenticated the session; the callers are seeded before it is taken.
 */
export async function perOrderSession(
  ctx: BenchContext,
  keysOf: (sessionId: string) => Record<string, string>,
  sample = 100,
  routes = { sessions: '/v1/sessions', menu: '/v1/menu' },
): Promise<MemoryFigure> {
  const [item] = await firstMenuItems(ctx, routes.menu)
  const emails = await callerEmails(ctx, sample, 32)
  let first = ''
  return measureMemory(
    ctx,
    sample,
    async () => {
      const ids = await authenticatedSessions(ctx, emails, routes.sessions)
      await Promise.all(ids.map((id) => ctx.api('POST', `${routes.sessions}/${id}/items`, { item })))
      first = ids[0] ?? ''
    },
    () => ({ own: keysOf(first) }),
  )
}
