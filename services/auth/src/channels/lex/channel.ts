import { isPinlineError } from '../../core/errors.ts'
import type { Menu } from '../../core/menu.ts'
import type { Locale } from '../../core/ports.ts'
import type { RequestedChannel } from '../../core/verification.ts'
import type { OrderSession } from '../../core/session-ports.ts'
import type { OrderSessions, PinInput } from '../../core/sessions.ts'
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

/** Why the turn ended as it did: for logs and metrics (never a PIN, e-mail or number). */
export type LexOutcome = { response: LexResponse; outcome: string }

/**
 * The Lex V2 channel: maps a code-hook event to order-session calls and the result to a
 * Lex response. It decides what to say, never whether someone is verified: that is the
 * session's answer. It never throws: whatever happens, Lex gets a well-formed response.
 */
export function createLexChannel(deps: LexChannelDeps) {
  const { menu, sessions } = deps

  const orderLines = (s: OrderSession, locale: Locale) => s.items.map(({ item, quantity }) => {
    const entry = menu.get(item)
    return { id: item, name: menu.nameOf(item, locale), quantity, price: entry?.price, currency: entry?.currency }
  })
  const dishNames = (locale: Locale) => menu.list(locale).map((i) => i.name)
  const last4 = (s: OrderSession) => (s.sentTo ?? '').slice(-4)

  async function showMenu(turn: LexTurn, r: Responder, t: BotTexts, log: Log): Promise<LexOutcome> {
    // The menu needs no session; one is only looked up so `auth` tells the truth.
    if (turn.conversation) {
      const s = await sessions.peekChannel('lex', turn.conversation).catch((err: unknown) => void log.error({ err }, 'lex: session lookup failed'))
      if (s) r.use(s)
    }
    return { response: r.elicitOrder(SLOTS.food, t.menu(menu.list(turn.locale))), outcome: 'menu' }
  }

  /** Sends (or re-sends) a PIN and asks for it; `lead` says why ("That PIN is not correct. "). */
  async function askForPin(s: OrderSession, lead: string, r: Responder, t: BotTexts, outcome: string): Promise<LexOutcome> {
    let p
    try {
      p = await sessions.requestPin(s.id, 'lex', deps.pinChannel)
    } catch (err) {
      // An earlier turn's PIN is still being sent: it may arrive any moment, so ask for it.
      if (!isPinlineError(err) || err.code !== 'SMS_SEND_IN_PROGRESS') throw err
      return { response: r.elicitOrder(SLOTS.pin, lead + t.pinOnItsWay(err.retryAfter)), outcome: `${outcome}:pin_in_progress` }
    }
    r.use(p.session)
    const to = last4(p.session)
    const text = p.kind === 'pending' ? t.pinPending(to, p.reason, p.retryAfterSeconds)
      : lead ? t.newPinSent(to) : p.challenge.channel === 'voice' ? t.pinCalled(to) : t.pinSent(to)
    return { response: r.elicitOrder(SLOTS.pin, lead + text), outcome: `${outcome}:${p.kind === 'sent' ? 'pin_sent' : 'pin_pending'}` }
  }

  async function orderFood(turn: LexTurn, r: Responder, t: BotTexts): Promise<LexOutcome> {
    if (!turn.conversation) return { response: r.close('Failed', t.malformed), outcome: 'malformed' }
    if (!turn.email) return { response: r.close('Failed', t.noEmail), outcome: 'no_email' }
    let s = await sessions.openChannel('lex', turn.conversation, { email: turn.email, locale: turn.locale })
    r.use(s)
    let lead = ''
    if (!s.authenticated) {
      const pin = slotPin(turn.intent?.slots[SLOTS.pin])
      const input: PinInput | undefined = turn.encryptedPin !== undefined ? { encryptedPin: turn.encryptedPin } : pin !== undefined ? { pin } : undefined
      if (!input || !s.challengeId) return askForPin(s, '', r, t, 'unverified')
      let check
      try {
        // The Lex sessionId (in Connect, the ContactId) binds the assertion to this conversation.
        check = await sessions.verifyPin(s.id, input, { via: 'lex', ref: turn.conversation[2] })
      } catch (err) {
        const code = isPinlineError(err) ? err.code : undefined
        // Counted as a wrong PIN: like the seed, a fresh PIN follows (within the caps).
        if (code === 'INVALID_CIPHERTEXT') return askForPin(s, t.unreadablePin, r, t, 'unreadable')
        if (code === 'CHALLENGE_NOT_FOUND') return askForPin(s, t.expiredPin, r, t, 'expired')
        // Not counted and nothing sent: just ask again.
        if (code === 'INVALID_PIN_FORMAT') return { response: r.elicitOrder(SLOTS.pin, t.badPinFormat), outcome: 'bad_format' }
        throw err
      }
      r.use(check.session)
      if (check.status === 'approved' && check.assertion) r.assert(check.assertion)
      if (check.status === 'locked') return { response: r.close('Failed', t.locked(check.retryAfterSeconds)), outcome: 'locked' }
      if (check.status === 'rejected') return askForPin(check.session, t.wrongPin, r, t, 'rejected')
      s = check.session
      lead = t.verified
    }

    const said = slotReadings(turn.intent?.slots[SLOTS.food])
    if (said.length === 0) return { response: r.elicitOrder(SLOTS.food, lead + t.askFood(dishNames(turn.locale))), outcome: 'ask_food' }
    const item = said.map((text) => menu.find(text)).find((found) => found !== undefined)
    if (!item) {
      const response = r.elicitOrder(SLOTS.food, lead + t.unknownFood(said.at(-1)!, dishNames(turn.locale)), { clearFood: true })
      return { response, outcome: 'unknown_food' }
    }
    const { session } = await sessions.addItem(s.id, item.id, 1)
    r.use(session)
    const text = lead + t.added(menu.nameOf(item.id, turn.locale), orderLines(session, turn.locale))
    return { response: r.close('Fulfilled', text), outcome: 'added' }
  }

  /** What to tell the user when a call refused or failed; the outcome names the error code. */
  function failure(err: unknown, t: BotTexts): { text: string; outcome: string; ours: boolean } {
    if (!isPinlineError(err)) return { text: t.unavailable, outcome: 'error', ours: true }
    const text = ({
      CONTACT_NOT_FOUND: t.noContact,
      CHALLENGE_LOCKED: t.locked(err.retryAfter),
      PHONE_LOCKED: t.locked(err.retryAfter),
      MAX_SENDS_REACHED: t.sendLimit(err.retryAfter),
      PHONE_SEND_LIMIT: t.sendLimit(err.retryAfter),
      PREFIX_SEND_LIMIT: t.sendLimit(err.retryAfter),
      DESTINATION_NOT_ALLOWED: t.destinationNotAllowed,
      SMS_SEND_FAILED: t.smsFailed,
      SMS_BUDGET_EXCEEDED: t.smsFailed,
      INVALID_EMAIL: t.noEmail,
      ENCRYPTION_NOT_CONFIGURED: t.encryptionOff,
      ORDER_LIMIT_REACHED: t.orderLimit,
    } as Partial<Record<string, string>>)[err.code]
    return { text: text ?? t.unavailable, outcome: err.code, ours: err.statusCode >= 500 }
  }

  return {
    async handle(raw: unknown, log: Log): Promise<LexOutcome> {
      let turn: LexTurn
      try {
        turn = parseLexEvent(raw, deps.defaultLocale)
      } catch (err) {
        // parseLexEvent is written not to throw; if it ever does, the event is treated as empty.
        log.error({ err }, 'lex: event could not be read')
        turn = parseLexEvent(undefined, deps.defaultLocale)
      }
      const t = botTexts[turn.locale]
      const r = lexResponder(turn, (s) => JSON.stringify(orderLines(s, turn.locale).map(({ id, name, quantity }) => ({ id, name, quantity }))))
      try {
        switch (turn.intent?.name) {
          case INTENTS.menu: return await showMenu(turn, r, t, log)
          case INTENTS.order: return await orderFood(turn, r, t)
          default: return turn.intent
            ? { response: r.close('Failed', t.unknownIntent), outcome: 'unknown_intent' }
            : { response: r.close('Failed', t.malformed), outcome: 'malformed' }
        }
      } catch (err) {
        const f = failure(err, t)
        if (f.ours) log.error({ err, outcome: f.outcome }, 'lex: turn failed')
        return { response: r.close('Failed', f.text), outcome: f.outcome }
      }
    },
  }
}
