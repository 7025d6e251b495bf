import { awsTransport, type AwsConfig } from './chat-aws.ts'
import { setUpChat } from './chat.ts'
import { localTransport } from './chat-transport.ts'
import { byTestId, message } from './dom.ts'
import { initialLang, texts, type Lang } from './i18n.ts'
import { setUpOutbox } from './outbox.ts'
import { setUpPhone } from './phone.ts'

// The page: config.json beside it says which mode it runs in. The service's /playground
// answers {"mode": "local"}; the copy hosted on S3 gets the deployed bot's settings.

type Config = { mode: 'local' } | AwsConfig
const BOT_LOCALES: Record<Lang, string> = { en: 'en_US', ja: 'ja_JP' }

async function start() {
  const res = await fetch('config.json', { cache: 'no-store' })
  if (!res.ok) throw new Error(`config.json: HTTP ${res.status}`)
  const config = (await res.json()) as Config
  const local = config.mode !== 'aws'
  let lang: Lang = initialLang()
  const t = () => texts[lang]

  for (const el of document.querySelectorAll<HTMLElement>('.local-only')) el.hidden = !local
  const tabs = [...document.querySelectorAll<HTMLButtonElement>('[role="tab"]')]
  const select = (tab: HTMLButtonElement) => {
    for (const other of tabs) {
      const chosen = other === tab
      other.setAttribute('aria-selected', String(chosen))
      other.tabIndex = chosen ? 0 : -1
      document.getElementById(other.getAttribute('aria-controls')!)!.hidden = !chosen
    }
  }
  const phoneTab = byTestId<HTMLButtonElement>('tab-phone')
  const chatTab = byTestId<HTMLButtonElement>('tab-chat')
  phoneTab.hidden = !local // a phone call needs this service's Connect channel
  select(local && location.hash !== '#chat' ? phoneTab : chatTab)
  for (const tab of tabs) {
    tab.addEventListener('click', () => select(tab))
    tab.addEventListener('keydown', (e) => {
      if (e.key !== 'ArrowLeft' && e.key !== 'ArrowRight') return
      const visible = tabs.filter((x) => !x.hidden)
      const next = visible[(visible.indexOf(tab) + (e.key === 'ArrowRight' ? 1 : visible.length - 1)) % visible.length]!
      select(next)
      next.focus()
    })
  }

  // The deployed bot speaks the locale its config names; locally the UI language picks it.
  // A Japanese mobile number to start with (the service sends PINs to JP numbers by default).
  const demo = `+81 90-${String(Math.floor(Math.random() * 1e8))
    .padStart(8, '0')
    .replace(/^(\d{4})/, '$1-')}`
  for (const id of ['phone-number', 'chat-phone']) {
    const field = byTestId<HTMLInputElement>(id)
    if (!field.value) field.value = demo
  }

  const localeId = () => (config.mode === 'aws' ? config.localeId : BOT_LOCALES[lang])
  const chat = setUpChat({
    t,
    lang: () => lang,
    localeId,
    transport: local ? localTransport() : awsTransport(config as AwsConfig),
    local,
  })
  const phone = local ? setUpPhone({ t, lang: () => lang }) : undefined
  const outbox = local ? setUpOutbox({ t, lang: () => lang }) : undefined

  document.addEventListener('keydown', (e) => {
    if (phone && !document.getElementById('panel-phone')!.hidden && phone.onKey(e)) e.preventDefault()
  })

  const relabel = async () => {
    const words = t() as unknown as Record<string, unknown>
    document.documentElement.lang = lang
    document.querySelectorAll<HTMLElement>('[data-i18n]').forEach((el) => {
      const w = words[el.dataset.i18n!]
      if (typeof w === 'string') el.textContent = w
    })
    document.querySelectorAll<HTMLElement>('[data-i18n-label]').forEach((el) => {
      const w = words[el.dataset.i18nLabel!]
      if (typeof w === 'string') el.setAttribute('aria-label', w)
    })
    for (const b of document.querySelectorAll<HTMLButtonElement>('[data-lang]'))
      b.setAttribute('aria-pressed', String(b.dataset.lang === lang))
    byTestId('mode').textContent = local ? t().modeLocal : t().modeAws
    outbox?.relabel()
    phone?.relabel()
    await chat.relabel()
  }
  for (const b of document.querySelectorAll<HTMLButtonElement>('[data-lang]')) {
    b.addEventListener('click', () => {
      lang = b.dataset.lang as Lang
      void relabel()
    })
  }
  await relabel()
  document.body.dataset.ready = 'true'
}

start().catch((err: unknown) => {
  byTestId('mode').textContent = message(err)
  document.body.dataset.ready = 'failed'
})
