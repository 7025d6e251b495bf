import { createHash } from 'node:crypto'
import { configure } from 'safe-stable-stringify'
import { isPinlineError } from '../../core/errors.ts'
import type { Menu } from '../../core/menu.ts'
import type { Locale } from '../../core/ports.ts'
import type { RequestedChannel } from '../../core/verification.ts'
import type { OrderSession } from '../../core/session-ports.ts'
import type { OrderSessions, PinCheck, PinInput, PinRequest } from '../../core/sessions.ts'
import { saysDone, saysYes } from './answers.ts'
import { parseLexEvent, slotPin, slotReadings, type LexTurn } from './event.ts'
import { INTENTS, SLOTS } from './bot-names.ts'
import { botTexts, type BotTexts } from './messages.ts'
import { lexResponder, type LexResponse } from './response.ts'

export interface LexChannelDeps {
  menu: Menu
  sessions: OrderSessions
  defaultLocale: Locale
  /** How PINs go (LEX_PIN_CHANNEL): sms, voice, or auto (a call to fixed lines) */
  pinChannel?: RequestedChannel | undefined
}

interface Log {
  info(obj: object, msg?: string): void
  error(obj: object, msg?: string): void
}

type Responder = ReturnType<typeof lexResponder>

export interface TurnOptions {
  /** The API key's name, for the per-key SMS cap. */
  client?: string | undefined
  /** The channel limits, checked before an order turn takes its lock or touches a session (throws RATE_LIMITED). */
  admit?: () => Promise<void>
}

/** Why the turn ended as it did: for logs and metrics (never a PIN, e-mail or number). */
export type LexOutcome = { response: LexResponse; outcome: string }

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)
const stableJson = configure({ maximumDepth: 16, maximumBreadth: 200 })

/**
 * What makes two turns the same turn: the conversation, what was said and the state Lex sent
 * with it. A retry or a double tap repeats all of it; a real repeat ("pizza" again) comes after
 * an answer, so it carries that answer's attributes (currentOrder, uuid) and differs.
 */
function fingerprint(raw: unknown): string {
  const e = isObject(raw) ? raw : {}
  const bot = isObject(e.bot) ? e.bot : {}
  const state = isObject(e.sessionState) ? e.sessionState : {}
  const top =
    Array.isArray(e.interpretations) && isObject(e.interpretations[0]) ? e.interpretations[0].intent : undefined
  const said = [
    bot.id,
    bot.aliasId,
    bot.localeId,
    e.sessionId,
    e.inputMode,
    e.inputTranscript,
    e.invocationSource,
    state.intent,
    top,
    state.sessionAttributes,
    state.activeContexts,
  ]
  return createHash('sha256')
    .update(stableJson(said) ?? '')
    .digest('base64url')
}

/**
 * Whether an identical turn may be given this answer: not a failure (a retry should try again,
 * see answer()), not "a PIN is on its way" (asking again is how a caller gets one sent once the
 * first send has failed), and not a turn that found nobody to identify (it wrote nothing).
 */
const UNIDENTIFIED = new Set(['unknown_number', 'no_caller_number', 'no_email', 'malformed'])
const keepable = (outcome: string) => !outcome.endsWith(':pin_in_progress') && !UNIDENTIFIED.has(outcome)

/**
 * The Lex V2 channel: maps a code-hook event to order-session calls and the result to a
 * Lex response. It decides what to say, never whether someone is verified: that is the
 * session's answer. It never throws: whatever happens, Lex gets a well-formed response.
 */
export function createLexChannel(deps: LexChannelDeps) {
  const { menu, sessions } = deps

  const orderLines = (s: OrderSession, locale: Locale) =>
    s.items.map(({ item, quantity }) => {
      const entry = menu.get(item)
      return { id: item, name: menu.nameOf(item, locale), quantity, price: entry?.price, currency: entry?.currency }
    })
  const dishNames = (locale: Locale) => menu.list(locale).map((i) => i.name)
  // The menu does not change while the service runs: its text (every price formatted twice, for
  // the screen and the voice) is written once per wording and locale, not on every menu turn.
  const menuTexts = new WeakMap<BotTexts, Map<Locale, string>>()
  const menuText = (t: BotTexts, locale: Locale) => {
    let byLocale = menuTexts.get(t)
    if (byLocale === undefined) menuTexts.set(t, (byLocale = new Map()))
    let text = byLocale.get(locale)
    if (text === undefined) byLocale.set(locale, (text = t.menu(menu.list(locale))))
    return text
  }
  const last4 = (s: OrderSession) => (s.sentTo ?? '').slice(-4)

  async function showMenu(turn: LexTurn, r: Responder, t: BotTexts, log: Log): Promise<LexOutcome> {
    // The menu needs no session; one is only looked up so `auth` tells the truth.
    if (turn.conversation) {
      const s = await sessions
        .peekChannel('lex', turn.conversation)
        .catch((err: unknown) => void log.error({ err }, 'lex: session lookup failed'))
      if (s) r.use(s)
    }
    return { response: r.elicitOrder(SLOTS.food, menuText(t, turn.locale)), outcome: 'menu' }
  }

  /** Sends (or re-sends) a PIN and asks for it; `lead` says why ("That PIN is not correct. "). */
  async function askForPin(
    s: OrderSession,
    lead: string,
    r: Responder,
    t: BotTexts,
    outcome: string,
    client?: string,
  ): Promise<LexOutcome> {
    let p: PinRequest
    try {
      p = await sessions.requestPin(s.id, client, { via: 'lex', channel: deps.pinChannel })
    } catch (err) {
      // An earlier turn's PIN is still being sent: it may arrive any moment, so ask for it.
      if (!isPinlineError(err) || err.code !== 'SMS_SEND_IN_PROGRESS') throw err
      return {
        response: r.elicitOrder(SLOTS.pin, lead + t.pinOnItsWay(err.retryAfter)),
        outcome: `${outcome}:pin_in_progress`,
      }
    }
    r.use(p.session)
    const to = last4(p.session)
    const text =
      p.kind === 'pending'
        ? t.pinPending(to, p.reason, p.retryAfterSeconds)
        : lead
          ? t.newPinSent(to)
          : p.challenge.channel === 'voice'
            ? t.pinCalled(to)
            : t.pinSent(to)
    return {
      response: r.elicitOrder(SLOTS.pin, lead + text),
      outcome: `${outcome}:${p.kind === 'sent' ? 'pin_sent' : 'pin_pending'}`,
    }
  }

  const byPhone = (turn: LexTurn) => turn.voice && turn.callerPhone !== undefined

  /**
   * Who is ordering. On a call (a Speech or DTMF turn), the number the contact flow passed
   * wins; on a text turn only the e-mail counts. Either is only a claim: it picks whose
   * registered phone gets the PIN, and the PIN proves it (docs/lex.md).
   */
  async function open(
    turn: LexTurn & { conversation: [string, string, string] },
    r: Responder,
    t: BotTexts,
  ): Promise<OrderSession | LexOutcome> {
    if (byPhone(turn)) {
      try {
        return await sessions.openChannel('lex', turn.conversation, { phone: turn.callerPhone!, locale: turn.locale })
      } catch (err) {
        const code = isPinlineError(err) ? err.code : undefined
        if (code === 'CONTACT_NOT_FOUND')
          return { response: r.close('Failed', t.unknownNumber), outcome: 'unknown_number' }
        if (code === 'INVALID_PHONE')
          return { response: r.close('Failed', t.noCallerNumber), outcome: 'no_caller_number' }
        throw err
      }
    }
    if (!turn.email)
      return turn.voice
        ? { response: r.close('Failed', t.noCallerNumber), outcome: 'no_caller_number' }
        : { response: r.close('Failed', t.noEmail), outcome: 'no_email' }
    return sessions.openChannel('lex', turn.conversation, { email: turn.email, locale: turn.locale })
  }

  async function orderFood(turn: LexTurn, r: Responder, t: BotTexts, client: string | undefined): Promise<LexOutcome> {
    if (!turn.conversation) return { response: r.close('Failed', t.malformed), outcome: 'malformed' }
    const opened = await open({ ...turn, conversation: turn.conversation }, r, t)
    if ('response' in opened) return opened
    let s = opened
    r.use(s)
    let lead = ''
    if (!s.authenticated) {
      const pin = slotPin(turn.intent?.slots[SLOTS.pin], turn)
      const input: PinInput | undefined =
        turn.encryptedPin !== undefined ? { encryptedPin: turn.encryptedPin } : pin !== undefined ? { pin } : undefined
      if (!input || !s.challengeId) return askForPin(s, '', r, t, 'unverified', client)
      let check: PinCheck
      try {
        // The Lex sessionId (in Connect, the ContactId) binds the assertion to this conversation.
        check = await sessions.verifyPin(s.id, input, { via: 'lex', ref: turn.conversation[2] })
      } catch (err) {
        const code = isPinlineError(err) ? err.code : undefined
        // Counted as a wrong PIN: a fresh PIN follows (within the caps).
        if (code === 'INVALID_CIPHERTEXT') return askForPin(s, t.unreadablePin, r, t, 'unreadable', client)
        if (code === 'CHALLENGE_NOT_FOUND') return askForPin(s, t.expiredPin, r, t, 'expired', client)
        // Not counted and nothing sent: just ask again.
        if (code === 'INVALID_PIN_FORMAT')
          return { response: r.elicitOrder(SLOTS.pin, t.badPinFormat), outcome: 'bad_format' }
        throw err
      }
      r.use(check.session)
      if (check.status === 'approved' && check.assertion) r.assert(check.assertion)
      if (check.status === 'locked')
        return { response: r.close('Failed', t.locked(check.retryAfterSeconds)), outcome: 'locked' }
      if (check.status === 'rejected') return askForPin(check.session, t.wrongPin, r, t, 'rejected', client)
      s = check.session
      lead = t.verified
    }

    const said = slotReadings(turn.intent?.slots[SLOTS.food])
    if (said.length === 0)
      return { response: r.elicitOrder(SLOTS.food, lead + t.askFood(dishNames(turn.locale))), outcome: 'ask_food' }
    const item = said.map((text) => menu.find(text)).find((found) => found !== undefined)
    if (!item) {
      const response = r.elicitOrder(SLOTS.food, lead + t.unknownFood(said.at(-1)!, dishNames(turn.locale)), {
        clearFood: true,
      })
      return { response, outcome: 'unknown_food' }
    }
    const { session } = await sessions.addItem(s.id, item.id, 1)
    r.use(session)
    const text = lead + t.added(menu.nameOf(item.id, turn.locale), orderLines(session, turn.locale))
    // "Anything else?": a caller answers it, so a call stays open; a chat closes the intent as before.
    return { response: turn.voice ? r.elicitIntent(text, 'Fulfilled') : r.close('Fulfilled', text), outcome: 'added' }
  }

  /** "That's all": the order as it stands, and the conversation ends. */
  async function finish(turn: LexTurn, r: Responder, t: BotTexts): Promise<LexOutcome> {
    const s = turn.conversation ? await sessions.peekChannel('lex', turn.conversation) : undefined
    if (s) r.use(s)
    if (!s?.authenticated || s.items.length === 0)
      return { response: r.close('Failed', t.nothingOrdered), outcome: 'finished_empty' }
    return { response: r.close('Fulfilled', t.summary(orderLines(s, turn.locale))), outcome: 'finished' }
  }

  /** An utterance the bot matched to no intent of ours: "no" and "yes" after "anything else?" are read here. */
  async function other(turn: LexTurn, r: Responder, t: BotTexts): Promise<LexOutcome> {
    if (turn.intent?.name === INTENTS.fallback && saysDone(turn.transcript, turn.locale)) return finish(turn, r, t)
    if (turn.intent?.name === INTENTS.fallback && saysYes(turn.transcript, turn.locale)) {
      return { response: r.elicitOrder(SLOTS.food, t.askFood(dishNames(turn.locale))), outcome: 'ask_food' }
    }
    if (!turn.intent) return { response: r.close('Failed', t.malformed), outcome: 'malformed' }
    // On a call, Close would hang up on the caller: ask again instead.
    return {
      response: turn.voice ? r.elicitIntent(t.unknownIntent, 'Failed') : r.close('Failed', t.unknownIntent),
      outcome: 'unknown_intent',
    }
  }

  /** What to tell the user when a call refused or failed; the outcome names the error code. */
  function failure(err: unknown, t: BotTexts, turn: LexTurn): { text: string; outcome: string; ours: boolean } {
    if (!isPinlineError(err)) return { text: t.unavailable, outcome: 'error', ours: true }
    const text = (
      {
        CONTACT_NOT_FOUND: t.noContact,
        CHALLENGE_LOCKED: t.locked(err.retryAfter),
        PHONE_LOCKED: t.locked(err.retryAfter),
        MAX_SENDS_REACHED: t.sendLimit(err.retryAfter),
        PHONE_SEND_LIMIT: t.sendLimit(err.retryAfter),
        PREFIX_SEND_LIMIT: t.sendLimit(err.retryAfter),
        CLIENT_SEND_LIMIT: t.sendLimit(err.retryAfter),
        RATE_LIMITED: t.busy(err.retryAfter),
        DESTINATION_NOT_ALLOWED: byPhone(turn) ? t.callerNumberNotAllowed : t.destinationNotAllowed,
        SMS_SEND_FAILED: t.smsFailed,
        SMS_BUDGET_EXCEEDED: t.smsFailed,
        INVALID_EMAIL: t.noEmail,
        ENCRYPTION_NOT_CONFIGURED: t.encryptionOff,
        ORDER_LIMIT_REACHED: t.orderLimit,
      } as Partial<Record<string, string>>
    )[err.code]
    return { text: text ?? t.unavailable, outcome: err.code, ours: err.statusCode >= 500 }
  }

  async function answer(
    turn: LexTurn,
    r: Responder,
    t: BotTexts,
    log: Log,
    client: string | undefined,
  ): Promise<LexOutcome & { keep: boolean }> {
    try {
      let out: LexOutcome
      switch (turn.intent?.name) {
        case INTENTS.menu:
          out = await showMenu(turn, r, t, log)
          break
        case INTENTS.order:
          out = await orderFood(turn, r, t, client)
          break
        case INTENTS.finish:
          out = await finish(turn, r, t)
          break
        default:
          out = await other(turn, r, t)
      }
      return { ...out, keep: keepable(out.outcome) }
    } catch (err) {
      const f = failure(err, t, turn)
      if (f.ours) log.error({ err, outcome: f.outcome }, 'lex: turn failed')
      return { response: r.close('Failed', f.text), outcome: f.outcome, keep: false }
    }
  }

  /** Turns that change the order (or end it) run one at a time per conversation; see channelTurn. */
  const serialised = (turn: LexTurn) =>
    turn.intent?.name === INTENTS.order ||
    turn.intent?.name === INTENTS.finish ||
    (turn.intent?.name === INTENTS.fallback && saysDone(turn.transcript, turn.locale))

  return {
    async handle(raw: unknown, log: Log, opts: TurnOptions = {}): Promise<LexOutcome> {
      let turn: LexTurn
      try {
        turn = parseLexEvent(raw, deps.defaultLocale)
      } catch (err) {
        // parseLexEvent is written not to throw; if it ever does, the event is treated as empty.
        log.error({ err }, 'lex: event could not be read')
        turn = parseLexEvent(undefined, deps.defaultLocale)
      }
      const t = botTexts[turn.locale]
      const r = lexResponder(turn, (s) =>
        JSON.stringify(orderLines(s, turn.locale).map(({ id, name, quantity }) => ({ id, name, quantity }))),
      )
      if (!turn.conversation || !serialised(turn)) {
        const { response, outcome } = await answer(turn, r, t, log, opts.client)
        return { response, outcome }
      }
      try {
        // The channel limits come before the turn lock: a refused turn writes nothing.
        await opts.admit?.()
        const result = await sessions.channelTurn('lex', turn.conversation, fingerprint(raw), async () => {
          const out = await answer(turn, r, t, log, opts.client)
          return { answer: JSON.stringify({ response: out.response, outcome: out.outcome }), keep: out.keep }
        })
        const kept = JSON.parse(result.answer) as LexOutcome
        return result.kind === 'ran' ? kept : { response: kept.response, outcome: `${kept.outcome}:${result.kind}` }
      } catch (err) {
        const f = failure(err, t, turn)
        if (f.ours) log.error({ err, outcome: f.outcome }, 'lex: turn failed')
        return { response: r.close('Failed', f.text), outcome: f.outcome }
      }
    },
  }
}
