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
      const res = await fetch('api/channels/lex', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(codeHookEvent({ bot, sessionId, text, state: turnState })),
      })
      const body = await res.json()
      if (!res.ok) throw new Error(`HTTP ${res.status} ${body?.code ?? ''}`)
      const response = body as CodeHookResponse
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
