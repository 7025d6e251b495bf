// Scenarios for the channels and order sessions (issues 3 and 4): the Connect and Lex
// code hooks and adding to an order. Each takes its routes; the shim probes below
// time whichever bundles dist/shims holds.
import { pinDigest } from '../services/auth/src/core/pin.ts'
import { PIN, benchCaller, seedCallers, type BenchContext } from './lib/fixtures.ts'
import { measureMemory, type MemoryFigure } from './lib/memory.ts'
import type { Scenario } from './scenarios.ts'

/** A Connect ContactFlowEvent asking `lookup` for a caller (envelope as Connect sends it). */
export function connectLookupEvent(phone: string, contactId = '4a573372-1f28-4e26-b97b-000000000000') {
  return {
    Name: 'ContactFlowEvent',
    Details: {
      ContactData: {
        Attributes: {}, Channel: 'VOICE', ContactId: contactId, InitialContactId: contactId, InitiationMethod: 'INBOUND',
        CustomerEndpoint: { Address: phone, Type: 'TELEPHONE_NUMBER' },
        SystemEndpoint: { Address: '+815012345678', Type: 'TELEPHONE_NUMBER' },
        InstanceARN: 'arn:aws:connect:ap-northeast-1:123456789012:instance/00000000-0000-0000-0000-000000000000',
        Queue: null, PreviousContactId: contactId,
      },
      Parameters: { action: 'lookup' },
    },
  }
}

/** A Lex V2 DialogCodeHook turn for GetFoodMenu, text, with the front end's `email` attribute. */
export function lexMenuEvent(email: string, sessionId = 'bench-session') {
  const intent = { name: 'GetFoodMenu', slots: {}, state: 'InProgress', confirmationState: 'None' }
  return {
    messageVersion: '1.0', invocationSource: 'DialogCodeHook', inputMode: 'Text',
    responseContentType: 'text/plain; charset=utf-8', sessionId, inputTranscript: 'What is on the menu?',
    bot: { id: 'BENCHBOT01', name: 'pinline', aliasId: 'TSTALIASID', aliasName: 'TestBotAlias', localeId: 'en_US', version: 'DRAFT' },
    interpretations: [{ intent, nluConfidence: 1 }],
    sessionState: { intent, sessionAttributes: { email } },
    transcriptions: [{ transcription: 'What is on the menu?', transcriptionConfidence: 1, resolvedContext: { intent: 'GetFoodMenu' }, resolvedSlots: {} }],
  }
}

/** Connect `lookup` for an enrolled caller: what every inbound call costs. */
export const connectLookup = (route = '/v1/channels/connect'): Scenario => ({
  name: 'Connect lookup, hit', kind: 'channel', method: 'POST', expect: 200,
  setup: async (ctx) => {
    const phones = await seedCallers(ctx, 1000, 30)
    return (n) => ({ path: route, body: connectLookupEvent(phones[n % phones.length] ?? '') })
  },
  check: (b) => b.lambdaResult === 'Success' && b.recordFound === 'True',
})

/** One Lex turn (the menu): the channel's mapping cost with no SMS in it. */
export const lexTurn = (route = '/v1/channels/lex'): Scenario => ({
  name: 'Lex turn (menu)', kind: 'channel', method: 'POST', expect: 200,
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
export async function authenticatedSessions(ctx: BenchContext, emails: string[], sessions = '/v1/sessions'): Promise<string[]> {
  const ids: string[] = []
  const one = async (i: number) => {
    const created = await ctx.api('POST', sessions, { email: emails[i] })
    const sessionId = String(created.body.sessionId)
    const sent = await ctx.api('POST', `${sessions}/${sessionId}/pin`, {})
    const challengeId = String(sent.body.challengeId)
    await ctx.redis.hset(ctx.keys.challenge(challengeId), 'h', pinDigest(ctx.secret, challengeId, PIN))
    const verified = await ctx.api('POST', `${sessions}/${sessionId}/pin/verify`, { pin: PIN })
    if (verified.body.authenticated !== true) throw new Error(`session ${i} did not authenticate: ${JSON.stringify(verified.body)}`)
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
  name: 'session add-item', kind: 'channel', method: 'POST', expect: 201,
  setup: async (ctx) => {
    const items = await firstMenuItems(ctx, routes.menu)
    const emails = await callerEmails(ctx, SESSIONS, 31)
    const ids = await authenticatedSessions(ctx, emails, routes.sessions)
    return (n) => ({ path: `${routes.sessions}/${ids[n % ids.length]}/items`, body: { item: items[Math.floor(n / ids.length) % items.length] } })
  },
  check: (b) => Array.isArray(b.items) && b.items.length > 0,
})

/**
 * Redis bytes per authenticated order session holding one item. `keysOf` names the
 * session's keys (from keys.ts once sessions exist there, e.g. (id) => ({ session: keys.session(id) })).
 * The used_memory growth also holds each phone's send counter, left by the PIN that
 * authenticated the session; the callers are seeded before it is taken.
 */
export async function perOrderSession(ctx: BenchContext, keysOf: (sessionId: string) => Record<string, string>, sample = 100, routes = { sessions: '/v1/sessions', menu: '/v1/menu' }): Promise<MemoryFigure> {
  const [item] = await firstMenuItems(ctx, routes.menu)
  const emails = await callerEmails(ctx, sample, 32)
  let first = ''
  return measureMemory(ctx, sample, async () => {
    const ids = await authenticatedSessions(ctx, emails, routes.sessions)
    await Promise.all(ids.map((id) => ctx.api('POST', `${routes.sessions}/${id}/items`, { item })))
    first = ids[0] ?? ''
  }, () => ({ own: keysOf(first) }))
}

/** How each shim's added latency is measured: the route it forwards to and an event it can send. */
export interface ShimProbe {
  path: string
  event: (ctx: { phone: string; email: string }) => unknown
}

/** Keyed by bundle name (dist/shims/<name>.mjs). Side-effect-free events, so they can repeat. */
export const shimProbes: Record<string, ShimProbe> = {
  connect: { path: '/v1/channels/connect', event: ({ phone }) => connectLookupEvent(phone) },
  lex: { path: '/v1/channels/lex', event: ({ email }) => lexMenuEvent(email) },
}
