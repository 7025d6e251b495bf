import flowFile from '../../connect/pinline-caller-auth.json' with { type: 'json' }
import { contactFlowEvent } from './flow/contact-flow-event.ts'
import { runContactFlow, type Flow, type FlowAction } from './flow/interpreter.ts'
import { byTestId, logLine, message } from './dom.ts'
import type { Lang, Texts } from './i18n.ts'
import { randomId } from './lex/random-id.ts'

// The phone playground: the shipped contact flow, run action by action in this page, with the
// keypad as the caller's DTMF and the service's Connect channel as its Lambda.

const flow = flowFile as Flow
const LANGUAGE_CODES: Record<Lang, string> = { en: 'en-US', ja: 'ja-JP' }
const KEYS = new Set(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9', '*', '#'])

class HungUp extends Error {}

type Pending = {
  digits: string
  max: number
  seconds: number
  timer: number
  done(value: string): void
  fail(err: Error): void
}

export function setUpPhone(ctx: { t(): Texts; lang(): Lang }) {
  const number = byTestId<HTMLInputElement>('phone-number')
  const callButton = byTestId<HTMLButtonElement>('phone-call')
  const hangupButton = byTestId<HTMLButtonElement>('phone-hangup')
  const log = byTestId<HTMLOListElement>('phone-log')
  const speak = document.querySelector<HTMLInputElement>('#phone-speak')!
  let hangup: AbortController | undefined
  let pending: Pending | undefined

  const say = (text: string) => {
    logLine(log, 'prompt', text)
    if (speak.checked && 'speechSynthesis' in window) {
      const u = new SpeechSynthesisUtterance(text)
      u.lang = 'en-US' // the flow's prompts are written in English
      speechSynthesis.speak(u)
    }
  }

  const finishInput = (value: string) => {
    if (!pending) return
    const p = pending
    pending = undefined
    clearTimeout(p.timer)
    p.done(value)
  }
  const armTimer = (p: Pending) => {
    clearTimeout(p.timer)
    p.timer = window.setTimeout(() => finishInput('Timeout'), p.seconds * 1000)
  }

  /** One key on the keypad: a DTMF tone the flow hears only while it is collecting input. */
  function press(key: string) {
    const button = document.querySelector<HTMLButtonElement>(`.keypad [data-key="${CSS.escape(key)}"]`)
    button?.classList.add('pressed')
    setTimeout(() => button?.classList.remove('pressed'), 150)
    if (!pending) return
    if (key === '#') return finishInput(pending.digits)
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
        seconds: Number(action.Parameters.InputTimeLimitSeconds ?? 5),
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
    callButton.disabled = true
    hangupButton.disabled = false
    hangupButton.focus()
    const withheld = !/\d/.test(raw)
    logLine(log, 'status', withheld ? t.withheld : t.calling(raw))
    const contact = { contactId: randomId(), phone: withheld ? null : raw, languageCode: LANGUAGE_CODES[ctx.lang()] }
    try {
      const result = await runContactFlow(flow, {
        phone: contact.phone,
        languageCode: contact.languageCode,
        say,
        input,
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
          const answer = await res.json()
          if (!res.ok) throw new Error(`HTTP ${res.status} ${answer?.code ?? ''}`)
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
      logLine(log, 'status', ctx.t().disconnected)
    } catch (err) {
      if (err instanceof HungUp || stop.aborted) logLine(log, 'status', ctx.t().hungUp)
      else logLine(log, 'error', ctx.t().failed(message(err)))
    } finally {
      if (pending) clearTimeout(pending.timer)
      pending = undefined
      hangup = undefined
      callButton.disabled = false
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

  return {
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
