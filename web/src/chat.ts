import type { ChatTransport } from './chat-transport.ts'
import { byTestId, logLine, message } from './dom.ts'
import type { Lang, Texts } from './i18n.ts'

// The chat: the seed's ExampleBot page. The same UI drives the local code-hook path or the
// deployed bot; quick replies cover the menu, the dishes and "that's all".

type OrderLine = { name: string; quantity: number }

export function setUpChat(ctx: {
  t(): Texts
  lang(): Lang
  localeId(): string
  transport: ChatTransport
  local: boolean
}) {
  const log = byTestId<HTMLOListElement>('chat-log')
  const form = byTestId<HTMLFormElement>('chat-form')
  const input = byTestId<HTMLInputElement>('chat-input')
  const sendButton = byTestId<HTMLButtonElement>('chat-send')
  const email = byTestId<HTMLInputElement>('chat-email')
  const quick = byTestId<HTMLDivElement>('chat-quick')
  let eliciting: string | undefined
  let attributes: Record<string, string> = {}
  let dishes: string[] = []
  let busy = false

  const askingPin = () => eliciting === 'Pin'
  const placeholder = () => {
    const t = ctx.t()
    input.placeholder = askingPin() ? t.pinPlaceholder : t.textPlaceholder
    input.inputMode = askingPin() ? 'numeric' : 'text'
    input.autocomplete = askingPin() ? 'one-time-code' : 'off'
  }

  /** Sends a turn; false when it cannot be sent now (nothing typed, a turn in flight, no e-mail). */
  function say(text: string): boolean {
    const t = ctx.t()
    const words = text.trim()
    if (!words || busy) return false
    if (!email.value.trim()) {
      logLine(log, 'system', t.needEmail)
      email.focus()
      return false
    }
    void turn(words, t)
    return true
  }

  async function turn(words: string, t: Texts) {
    const pin = askingPin()
    logLine(log, 'user', pin ? (ctx.local ? '•'.repeat(words.length) : t.encrypted(words.length)) : words)
    busy = true
    sendButton.disabled = true
    log.dataset.state = 'waiting'
    try {
      const reply = await ctx.transport.send(words, { email: email.value.trim(), localeId: ctx.localeId(), pin })
      for (const m of reply.messages) logLine(log, 'bot', m)
      eliciting = reply.eliciting
      attributes = reply.attributes
    } catch (err) {
      logLine(log, 'error', t.chatFailed(message(err)))
    } finally {
      busy = false
      sendButton.disabled = false
      log.dataset.state = 'idle'
      placeholder()
      input.focus()
    }
  }

  /** "That's all": the order so far (the currentOrder attribute), and a fresh conversation. */
  function finish() {
    const t = ctx.t()
    let lines: OrderLine[] = []
    try {
      lines = JSON.parse(attributes.currentOrder ?? '[]') as OrderLine[]
    } catch {
      lines = []
    }
    logLine(log, 'user', t.quickDone)
    logLine(
      log,
      'bot',
      lines.length ? t.orderDone(lines.map((l) => `${l.quantity} × ${l.name}`).join(', ')) : t.orderEmpty,
    )
    ctx.transport.reset()
    eliciting = undefined
    attributes = {}
    placeholder()
  }

  function renderQuickReplies() {
    const t = ctx.t()
    const button = (label: string, onClick: () => void) => {
      const b = document.createElement('button')
      b.type = 'button'
      b.textContent = label
      b.addEventListener('click', onClick)
      return b
    }
    quick.replaceChildren(
      button(t.quickMenu, () => say(t.quickMenu)),
      ...dishes.map((d) => button(d, () => say(d))),
      button(t.quickDone, finish),
    )
  }

  async function loadDishes() {
    if (!ctx.local) return
    const res = await fetch(`api/menu?locale=${ctx.lang()}`)
    if (res.ok) dishes = ((await res.json()) as { items: Array<{ name: string }> }).items.map((i) => i.name)
    renderQuickReplies()
  }

  // Local mode: the bot finds the phone by e-mail in the caller registry, so put one there.
  if (ctx.local) {
    const phone = byTestId<HTMLInputElement>('chat-phone')
    byTestId<HTMLButtonElement>('chat-register').addEventListener('click', async () => {
      const t = ctx.t()
      try {
        const res = await fetch('api/callers', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ phone: phone.value.trim(), email: email.value.trim(), language: ctx.lang() }),
        })
        const body = await res.json()
        if (!res.ok) throw new Error(body?.message ?? `HTTP ${res.status}`)
        logLine(log, 'system', t.registered(body.email, body.phone))
      } catch (err) {
        logLine(log, 'error', t.registerFailed(message(err)))
      }
    })
  }

  form.addEventListener('submit', (e) => {
    e.preventDefault()
    // What was typed stays in the field unless it was sent.
    if (say(input.value)) input.value = ''
  })

  return {
    /** The UI language changed: words, placeholders and the dishes' names follow. */
    async relabel() {
      placeholder()
      renderQuickReplies()
      await loadDishes().catch((err: unknown) => logLine(log, 'error', message(err)))
    },
  }
}
