import authFlowFile from '../../connect/pinline-caller-auth.json' with { type: 'json' }
import orderFlowFile from '../../connect/pinline-lex-order.json' with { type: 'json' }
import { contactFlowEvent } from './flow/contact-flow-event.ts'
import { runContactFlow, type Flow, type FlowAction } from './flow/interpreter.ts'
import { byTestId, logLine, message } from './dom.ts'
import type { Lang, Texts } from './i18n.ts'
import { failure, postLexTurn } from './chat-transport.ts'
import { codeHookEvent, nextState, playgroundBot, type DialogState } from './lex/dialog.ts'
import { randomId } from './lex/random-id.ts'

// The phone playground: a shipped contact flow, run action by action in this page, with the
// keypad as the caller's DTMF and the service's Connect channel as its Lambda. Two lines:
// caller-auth (connect/pinline-caller-auth.json) and food-order (connect/pinline-lex-order.json,
// which hands the call to the Lex bot: this page plays Lex, as the chat does, with voice turns).

const FLOWS = {
  'caller-auth': authFlowFile as Flow,
  'food-order': orderFlowFile as Flow,
} as const
type Line = keyof typeof FLOWS
const LANGUAGE_CODES: Record<Lang, string> = { en: 'en-US', ja: 'ja-JP' }
const KEYS = new Set(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9', '*', '#'])
// The DTMF settings Lex reads from the session attributes the flow passes, and Lex's defaults.
const DTMF_END = 'x-amz-lex:dtmf:end-character:*:*'
const DTMF_TIMEOUT = 'x-amz-lex:dtmf:end-timeout-ms:*:*'

class HungUp extends Error {}

type Pending = {
  digits: string
  max: number
  /** The key that ends the input. */
  end: string
  seconds: number
  /**
   * What the time limit gives: "Timeout" for a flow block (running from the prompt on), or the
   * digits so far for the bot (Lex's DTMF end timeout, running from the last key).
   */
  idle: 'Timeout' | 'digits'
  timer: number
  /** `endKey`: the key that ended the input, if one did. */
  done(value: string, endKey?: string): void
  fail(err: Error): void
}

/** What a caller heard: SSML (a voice turn's messages) read as text. */
function spokenText(m: { contentType: string; content: string }): string {
  if (m.contentType !== 'SSML') return m.content
  const doc = new DOMParser().parseFromString(m.content, 'application/xml')
  return doc.querySelector('parsererror') ? m.content : (doc.documentElement.textContent ?? '')
}

export function setUpPhone(ctx: { t(): Texts; lang(): Lang }) {
  const number = byTestId<HTMLInputElement>('phone-number')
  const line = byTestId<HTMLSelectElement>('phone-line')
  const botPanel = byTestId<HTMLDivElement>('phone-bot')
  const sayForm = byTestId<HTMLFormElement>('phone-say-form')
  const sayInput = byTestId<HTMLInputElement>('phone-say')
  const sayButton = byTestId<HTMLButtonElement>('phone-say-send')
  const callButton = byTestId<HTMLButtonElement>('phone-call')
  const hangupButton = byTestId<HTMLButtonElement>('phone-hangup')
  const log = byTestId<HTMLOListElement>('phone-log')
  const speak = document.querySelector<HTMLInputElement>('#phone-speak')!
  let hangup: AbortController | undefined
  let pending: Pending | undefined
  /** While the bot listens: what the caller says (typed in the say field). */
  let speech: ((text: string) => void) | undefined

  // The flow's prompts are written in English; the bot speaks the contact's language.
  const say = (text: string, lang = 'en-US') => {
    logLine(log, 'prompt', text)
    if (speak.checked && 'speechSynthesis' in window) {
      const u = new SpeechSynthesisUtterance(text)
      u.lang = lang
      speechSynthesis.speak(u)
    }
  }

  const finishInput = (value: string, endKey?: string) => {
    if (!pending) return
    const p = pending
    pending = undefined
    clearTimeout(p.timer)
    p.done(value, endKey)
  }
  const armTimer = (p: Pending) => {
    clearTimeout(p.timer)
    p.timer = window.setTimeout(() => finishInput(p.idle === 'Timeout' ? 'Timeout' : p.digits), p.seconds * 1000)
  }

  /** One key on the keypad: a DTMF tone the flow hears only while it is collecting input. */
  function press(key: string) {
    const button = document.querySelector<HTMLButtonElement>(`.keypad [data-key="${CSS.escape(key)}"]`)
    button?.classList.add('pressed')
    setTimeout(() => button?.classList.remove('pressed'), 150)
    if (!pending) return
    if (key === pending.end) {
      // The bot waits for speech or keys: an end key alone is no input.
      if (pending.idle === 'digits' && !pending.digits) return
      return finishInput(pending.digits, key)
    }
    pending.digits += key
    if (pending.digits.length >= pending.max) return finishInput(pending.digits)
    armTimer(pending)
  }

  function input(prompt: string, action: FlowAction): Promise<string> {
    say(prompt)
    const dtmf = action.Parameters.DTMFConfiguration ?? {}
    if (dtmf.InputTerminationSequence && dtmf.InputTerminationSequence !== '#')
      throw new Error(`the keypad ends input with #, not ${dtmf.InputTerminationSequence}`)
    return new Promise<string>((resolve, reject) => {
      pending = {
        digits: '',
        max: Number(action.Parameters.InputValidation?.CustomValidation?.MaximumLength ?? 20),
        end: '#',
        seconds: Number(action.Parameters.InputTimeLimitSeconds ?? 5),
        idle: 'Timeout',
        timer: 0,
        done: (value) => {
          logLine(log, 'caller', value === 'Timeout' ? ctx.t().timeout : ctx.t().keyed(`${value}#`))
          resolve(value)
        },
        fail: reject,
      }
      armTimer(pending)
    })
  }

  /** The bot no longer listens: the say field is off until its next turn. */
  const stopListening = () => {
    speech = undefined
    sayInput.disabled = true
    sayButton.disabled = true
  }

  /** The caller's next turn to the bot: words typed in the say field (Speech) or keys (DTMF). */
  function listen(attributes: Record<string, string>): Promise<{ text: string; mode: 'Speech' | 'DTMF' }> {
    sayInput.disabled = false
    sayButton.disabled = false
    sayInput.focus()
    return new Promise((resolve, reject) => {
      pending = {
        digits: '',
        max: Number.POSITIVE_INFINITY,
        end: attributes[DTMF_END] ?? '#',
        seconds: Number(attributes[DTMF_TIMEOUT] ?? 5000) / 1000,
        idle: 'digits',
        timer: 0,
        done: (digits, endKey = '') => {
          stopListening()
          logLine(log, 'caller', ctx.t().keyed(digits + endKey))
          resolve({ text: digits, mode: 'DTMF' })
        },
        fail: (err) => {
          stopListening()
          reject(err)
        },
      }
      speech = (text) => {
        if (pending) clearTimeout(pending.timer)
        pending = undefined
        stopListening()
        logLine(log, 'caller', ctx.t().youSaid(text))
        resolve({ text, mode: 'Speech' })
      }
    })
  }

  /**
   * ConnectParticipantWithLexBot: the prompt, then turns to the service's Lex channel as Lex
   * sends them on a call (this page picks the intent, lex/dialog.ts), until the bot closes.
   */
  async function botSession(
    session: { prompt: string; sessionAttributes: Record<string, string> },
    contact: { contactId: string; languageCode: string },
    stop: AbortSignal,
  ): Promise<string> {
    // Connect picks the bot locale from the contact's language; Connect's ContactId is Lex's sessionId.
    const bot = playgroundBot(contact.languageCode.replace('-', '_'))
    let state: DialogState = { sessionAttributes: session.sessionAttributes }
    say(session.prompt)
    try {
      for (;;) {
        const { text, mode } = await listen(state.sessionAttributes)
        const event = codeHookEvent({ bot, sessionId: contact.contactId, text, state, inputMode: mode })
        const response = await postLexTurn(event, stop)
        for (const m of response.messages ?? []) say(spokenText(m), contact.languageCode)
        state = nextState(response, state)
        if (response.sessionState.dialogAction.type === 'Close') {
          const intent = response.sessionState.intent?.name ?? ''
          logLine(log, 'trace', ctx.t().botEnded(`${intent} (${response.sessionState.intent?.state ?? ''})`))
          return intent
        }
      }
    } catch (err) {
      if (!(err instanceof HungUp) && !stop.aborted) logLine(log, 'error', ctx.t().chatFailed(message(err)))
      throw err
    }
  }

  async function call() {
    const t = ctx.t()
    const raw = number.value.trim()
    if (!raw) {
      logLine(log, 'error', t.enterNumber)
      number.focus()
      return
    }
    log.replaceChildren()
    hangup = new AbortController()
    const stop = hangup.signal
    const chosen = line.value as Line
    callButton.disabled = true
    line.disabled = true
    hangupButton.disabled = false
    hangupButton.focus()
    const withheld = !/\d/.test(raw)
    logLine(log, 'status', withheld ? t.withheld : t.calling(raw))
    const contact = { contactId: randomId(), phone: withheld ? null : raw, languageCode: LANGUAGE_CODES[ctx.lang()] }
    try {
      const result = await runContactFlow(FLOWS[chosen], {
        phone: contact.phone,
        languageCode: contact.languageCode,
        say: (text) => say(text),
        input,
        bot: (session) => botSession(session, contact, stop),
        step(action) {
          if (stop.aborted) throw new HungUp()
          log.dataset.action = action.Identifier
        },
        async invoke(parameters, attributes, limit) {
          const res = await fetch('api/channels/connect', {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify(contactFlowEvent(contact, parameters, attributes)),
            signal: AbortSignal.any([limit, stop]),
          })
          if (!res.ok) throw new Error(await failure(res))
          const answer = await res.json()
          const summary = Object.entries(answer as Record<string, string>)
            .map(([k, v]) => `${k}=${v}`)
            .join(', ')
          logLine(log, 'trace', ctx.t().lambda(parameters.action ?? 'lookup', summary))
          return answer
        },
      })
      const a = result.attributes
      if (result.transferred) {
        const who = a.firstName
          ? `${a.firstName} ${a.lastName ?? ''} (${a.custLevel ?? ''})`.replace(/\s+\(/, ' (')
          : ctx.t().unverified
        logLine(log, 'connected', ctx.t().connected(who))
      }
      if (chosen === 'caller-auth') {
        // How the flow says the caller was verified: pinlineAuthMethod (PIN, CALLER_ID, NONE), else pinlineVerified.
        const auth = ctx.t().auth
        const method = a.pinlineAuthMethod ?? (a.pinlineVerified === 'True' ? 'verified' : 'NONE')
        logLine(log, method === 'NONE' ? 'auth none' : 'auth', auth[method] ?? method)
        logLine(
          log,
          'trace',
          Object.entries(a)
            .map(([k, v]) => `${k}=${v}`)
            .join(', '),
        )
      }
      logLine(log, 'status', ctx.t().disconnected)
    } catch (err) {
      if (err instanceof HungUp || stop.aborted) logLine(log, 'status', ctx.t().hungUp)
      else logLine(log, 'error', ctx.t().failed(message(err)))
    } finally {
      if (pending) clearTimeout(pending.timer)
      pending = undefined
      stopListening()
      hangup = undefined
      callButton.disabled = false
      line.disabled = false
      hangupButton.disabled = true
      log.dataset.state = 'ended'
    }
  }

  callButton.addEventListener('click', () => {
    log.dataset.state = 'in-call'
    void call()
  })
  hangupButton.addEventListener('click', () => {
    hangup?.abort()
    pending?.fail(new HungUp())
    pending = undefined
  })
  for (const b of document.querySelectorAll<HTMLButtonElement>('.keypad [data-key]'))
    b.addEventListener('click', () => press(b.dataset.key!))
  const showLine = () => {
    botPanel.hidden = line.value !== 'food-order'
  }
  line.addEventListener('change', showLine)
  showLine()
  sayForm.addEventListener('submit', (e) => {
    e.preventDefault()
    const text = sayInput.value.trim()
    if (!text || !speech) return
    sayInput.value = ''
    speech(text)
  })

  return {
    /** The UI language changed: the say field's placeholder follows. */
    relabel() {
      sayInput.placeholder = ctx.t().sayPlaceholder
    },
    /** Keyboard digits, * and # reach the keypad unless the focus is in a text field. */
    onKey(e: KeyboardEvent): boolean {
      const target = e.target as HTMLElement | null
      if (!KEYS.has(e.key) || e.ctrlKey || e.metaKey || e.altKey || target?.matches('input, textarea, select'))
        return false
      press(e.key)
      return true
    },
  }
}
