// Lambda code hook for Amazon Lex V2 (nodejs24.x, handler "lex.handler"). It forwards the
// event to pinline's /v1/channels/lex and returns the answer. If no usable answer comes back
// in time, it returns a Lex Close/Failed in the bot's language that keeps the session
// attributes, so the user hears "try again" instead of Lex's generic failure. It never
// throws and never invents a success.
import { forward, readForwardConfig, type ForwardConfig } from './lib/forward.ts'
import { FALLBACK_LOG_MESSAGES, MISCONFIGURED_LOG_MESSAGES } from './lib/fallback-log.ts'
import { DEFAULT_TIMEOUT_MS } from './lib/timeouts.ts'

// Read once at load. A missing or bad variable is logged by name and every turn then answers
// the fallback at once: a Lambda that throws at init would reach the user as Lex's generic failure.
const config = loadConfig()
// Time kept back from the Lambda's own deadline, so the fallback is always returned in time.
const LAMBDA_MARGIN_MS = 300

function loadConfig(): ForwardConfig | undefined {
  try {
    return readForwardConfig('/v1/channels/lex', DEFAULT_TIMEOUT_MS.lex)
  } catch (err) {
    console.error(
      JSON.stringify({
        level: 'error',
        msg: MISCONFIGURED_LOG_MESSAGES.lex,
        reason: (err as Error).message,
      }),
    )
    return undefined
  }
}

type Attributes = Record<string, string>
interface LexEventLike {
  bot?: { localeId?: unknown }
  sessionState?: {
    sessionAttributes?: unknown
    intent?: { name?: unknown; confirmationState?: unknown; slots?: unknown }
  }
}

const FALLBACK = {
  en: "Sorry, I can't take your order right now. Nothing was ordered; please try again in a moment.",
  ja: '申し訳ありません、ただいまご注文を承れません。ご注文は確定していません。しばらくしてからもう一度お試しください。',
}

const SERVER_OWNED = new Set(['encryptedPin', 'auth', 'uuid', 'currentOrder'])

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)

/** The shape of a Lex V2 response, checked so that an odd 2xx body is not passed off as one. */
function isLexResponse(body: unknown): boolean {
  if (!isObject(body) || !isObject(body.sessionState)) return false
  const action = body.sessionState.dialogAction
  return isObject(action) && typeof action.type === 'string'
}

export function fallback(event: unknown): unknown {
  const e: LexEventLike = isObject(event) ? event : {}
  const locale = typeof e.bot?.localeId === 'string' && e.bot.localeId.startsWith('ja') ? 'ja' : 'en'
  const state = isObject(e.sessionState) ? e.sessionState : {}
  const intent = isObject(state.intent) ? state.intent : {}
  // Echoed (Lex would otherwise erase them), except a one-shot encryptedPin that was never checked
  // and what only the service may say (auth, uuid, currentOrder): a client-forged auth: "true"
  // must not come back looking like the service's answer.
  const sessionAttributes: Attributes = {}
  if (isObject(state.sessionAttributes)) {
    for (const [k, v] of Object.entries(state.sessionAttributes)) {
      if (k && !SERVER_OWNED.has(k) && v !== undefined && v !== null)
        sessionAttributes[k] = typeof v === 'string' ? v : JSON.stringify(v)
    }
  }
  const slots = isObject(intent.slots) ? { ...intent.slots } : {}
  if ('Pin' in slots) slots.Pin = null
  return {
    sessionState: {
      sessionAttributes,
      dialogAction: { type: 'Close' },
      intent: {
        name: typeof intent.name === 'string' && intent.name ? intent.name : 'FallbackIntent',
        state: 'Failed',
        confirmationState: typeof intent.confirmationState === 'string' ? intent.confirmationState : 'None',
        slots,
      },
    },
    messages: [{ contentType: 'PlainText', content: FALLBACK[locale] }],
  }
}

export async function handler(event: unknown, context?: { getRemainingTimeInMillis?: () => number }): Promise<unknown> {
  try {
    if (!config) {
      // Every turn, as the Connect shim does: the fallback alarm counts turns, not cold starts.
      console.warn(JSON.stringify({ level: 'warn', msg: FALLBACK_LOG_MESSAGES.lex.unavailable, reason: 'config' }))
      return fallback(event)
    }
    const remaining = context?.getRemainingTimeInMillis?.()
    const timeoutMs =
      remaining === undefined ? config.timeoutMs : Math.max(1, Math.min(config.timeoutMs, remaining - LAMBDA_MARGIN_MS))
    const result = await forward({ ...config, timeoutMs }, event)
    if (result.ok && isLexResponse(result.body)) return result.body
    const reason = result.ok ? 'not-a-lex-response' : result.reason
    console.warn(
      JSON.stringify({
        level: 'warn',
        msg: FALLBACK_LOG_MESSAGES.lex.unavailable,
        reason,
        status: result.ok ? undefined : result.status,
      }),
    )
  } catch (err) {
    console.error(
      JSON.stringify({
        level: 'error',
        msg: FALLBACK_LOG_MESSAGES.lex.failed,
        error: err instanceof Error ? err.name : 'unknown',
      }),
    )
  }
  return fallback(event)
}
