import { codeHookEvent, nextState, playgroundBot, type CodeHookResponse, type DialogState } from './lex/dialog.ts'
import { randomId } from './lex/random-id.ts'

/** One bot turn as the chat shows it. */
export interface BotReply {
  messages: string[]
  /** The slot the bot asks for next (Food, Pin), if any. */
  eliciting: string | undefined
  /** Session attributes after the turn: auth, uuid (the challenge id), currentOrder. */
  attributes: Record<string, string>
}

export interface ChatTransport {
  /** `pin`: the text is a PIN (AWS mode encrypts it; local mode sends it as the Pin slot). */
  send(text: string, opts: { email: string; localeId: string; pin: boolean }): Promise<BotReply>
  /** Forgets the conversation: the next turn starts a new Lex session. */
  reset(): void
}

/** A refused or failed answer, as the page shows it: the status, and our error code when the body has one. */
export async function failure(res: Response): Promise<string> {
  const body = (await res.json().catch(() => undefined)) as { code?: unknown } | undefined
  return `HTTP ${res.status}${typeof body?.code === 'string' ? ` ${body.code}` : ''}`
}

/**
 * One turn to the service's Lex channel, as the Lambda shim would send it: the DialogCodeHook
 * event this page built (lex/dialog.ts) out, the code hook's response back.
 */
export async function postLexTurn(event: Record<string, unknown>, signal?: AbortSignal): Promise<CodeHookResponse> {
  const res = await fetch('api/channels/lex', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(event),
    ...(signal ? { signal } : {}),
  })
  if (!res.ok) throw new Error(await failure(res))
  return (await res.json()) as CodeHookResponse
}

/**
 * Local mode: this page plays Lex (lex/dialog.ts picks the intent and slots) and sends the
 * DialogCodeHook event to the service's Lex channel, as the Lambda shim would.
 */
export function localTransport(): ChatTransport {
  let sessionId = randomId()
  let state: DialogState = { sessionAttributes: {} }
  return {
    async send(text, { email, localeId }) {
      const bot = playgroundBot(localeId)
      const turnState = { ...state, sessionAttributes: { ...state.sessionAttributes, email } }
      const response = await postLexTurn(codeHookEvent({ bot, sessionId, text, state: turnState }))
      state = nextState(response, turnState)
      return {
        messages: (response.messages ?? []).map((m) => m.content),
        eliciting: state.slotToElicit,
        attributes: state.sessionAttributes,
      }
    },
    reset() {
      sessionId = randomId()
      state = { sessionAttributes: {} }
    },
  }
}
