import { byTestId } from './dom.ts'
import type { Texts } from './i18n.ts'

type Sms = { to: string; body: string; at: string }

/** The SMS outbox: what the log provider would have sent, pushed by the service (SSE). */
export function setUpOutbox(ctx: { t(): Texts; lang(): string }) {
  const list = byTestId<HTMLOListElement>('sms-outbox')
  const empty = () => {
    if (list.children.length === 0) {
      const li = document.createElement('li')
      li.className = 'empty'
      li.textContent = ctx.t().outboxEmpty
      list.append(li)
    }
  }
  empty()
  const source = new EventSource('api/sms')
  source.addEventListener('open', () => void (list.dataset.state = 'open'))
  source.addEventListener('sms', (e) => {
    const sms = JSON.parse((e as MessageEvent<string>).data) as Sms
    list.querySelector('.empty')?.remove()
    const li = document.createElement('li')
    const head = document.createElement('p')
    head.className = 'head'
    const to = document.createElement('span')
    to.className = 'to'
    to.textContent = sms.to
    const at = document.createElement('time')
    at.dateTime = sms.at
    at.textContent = new Date(sms.at).toLocaleTimeString(ctx.lang())
    head.append(to, at)
    const body = document.createElement('p')
    body.className = 'body'
    body.textContent = sms.body
    li.append(head, body)
    list.prepend(li)
  })
  return {
    relabel() {
      const e = list.querySelector('.empty')
      if (e) e.textContent = ctx.t().outboxEmpty
    },
  }
}
