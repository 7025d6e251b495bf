import { randomUUID } from 'node:crypto'
import type { Page } from 'playwright-core'
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest'
import { maskPhone } from '../../services/auth/src/core/phone.ts'
import { playgroundEnv, sharedBrowser } from '../support/app/browser.ts'
import { phoneSequence } from '../support/app/phones.ts'
import { startService, type ServiceProcess } from '../support/app/service-process.ts'

// The local playground in Chromium, against the real server process (development settings, the
// log SMS provider): a phone call through the shipped contact flow, in English and Japanese,
// and a chat order; the PINs come from the page's SMS outbox, as a newcomer would read them.

let service: ServiceProcess
const chromium = sharedBrowser()
const nextPhone = phoneSequence('90', 41000000)

beforeAll(async () => {
  chromium.warmUp()
  service = await startService(playgroundEnv(inject('redisUrl')))
})
afterAll(async () => {
  await chromium.close()
  await service?.stop()
})
// Each page holds the outbox's event stream open, and Chromium allows six connections to one
// host: a test's pages close when it ends, or the seventh page would wait for a free one.
const pages: Page[] = []
// What the page waits for makes a round trip to the service and Redis: on a busy CI machine that
// can take longer than expect.poll's 1 s default.
const UNTIL = { timeout: 10_000 }
afterEach(async () => {
  await Promise.all(pages.splice(0).map((p) => p.close()))
})

async function open(lang: 'en' | 'ja', hash = ''): Promise<Page> {
  const page = await (await chromium.get()).page()
  pages.push(page)
  await page.goto(`${service.url}/playground/?lang=${lang}${hash}`)
  await page.locator('body[data-ready="true"]').waitFor()
  await page.locator('[data-testid="sms-outbox"][data-state="open"]').waitFor()
  return page
}

/** The SMS to `phone` in the page's outbox (shown with the number masked), newest first. */
const outboxTo = (page: Page, phone: string) =>
  page
    .getByTestId('sms-outbox')
    .locator('li')
    .filter({ hasText: maskPhone(phone) })

/** The PIN in the newest SMS to `phone` in the outbox, once it holds `count` for that number. */
async function pinFromOutbox(page: Page, phone: string, count: number): Promise<string> {
  const sms = outboxTo(page, phone)
  await expect.poll(() => sms.count(), UNTIL).toBe(count)
  const body = await sms.first().locator('.body').textContent()
  const pin = body?.match(/\d{6}/)?.[0]
  if (!pin) throw new Error(`no PIN in ${body}`)
  return pin
}

/** `SCREENSHOTS=docs npx vitest run test/browser` refreshes the README's screenshots. */
async function snap(page: Page, name: string) {
  if (!process.env.SCREENSHOTS) return
  // A tall phone: the whole conversation fits in the log, and the keypad's key flashes are over.
  await page.setViewportSize({ width: 390, height: 2400 })
  await page.waitForTimeout(300)
  const body = await page.locator('body').boundingBox()
  const height = Math.ceil((body?.y ?? 0) + (body?.height ?? 844)) + 12
  await page.screenshot({ path: `${process.env.SCREENSHOTS}/${name}.png`, clip: { x: 0, y: 0, width: 390, height } })
  await page.setViewportSize({ width: 390, height: 844 })
}

const wrong = (pin: string) => pin.replace(/^./, (d) => String((Number(d) + 1) % 10))

const WORDS = {
  en: { connected: 'Connected to an agent: New Customer (Welcome)', sms: /verification code is \d{6}/ },
  ja: { connected: 'オペレーターにつながりました: New Customer (Welcome)', sms: /認証コード: \d{6}/ },
} as const

describe.each(['en', 'ja'] as const)('phone call (%s)', (lang) => {
  it('unknown number: SMS in the outbox, a wrong PIN, the right one with #, an agent; the next call is recognised', async () => {
    const page = await open(lang)
    const phone = nextPhone()
    const log = page.getByTestId('phone-log')
    const prompts = log.locator('li.prompt', { hasText: 'Please enter the code' })
    await page.getByTestId('phone-number').fill(phone)
    await page.getByTestId('phone-call').click()

    await expect.poll(() => prompts.count(), UNTIL).toBe(1)
    await expect
      .poll(() => log.locator('li.prompt').first().textContent(), UNTIL)
      .toContain('sending a code by text message')
    const pin = await pinFromOutbox(page, phone, 1)
    expect(await page.getByTestId('sms-outbox').locator('li').first().textContent()).toMatch(WORDS[lang].sms)

    // A wrong PIN on the on-screen keypad...
    for (const d of wrong(pin)) await page.getByTestId(`keypad-${d}`).click()
    await page.getByTestId('keypad-hash').click()
    await log.locator('li.prompt', { hasText: 'That code is not right.' }).waitFor()
    await expect.poll(() => prompts.count(), UNTIL).toBe(2)
    // ...then the right one on the keyboard (the focus is on the hang-up button, not a text field).
    await page.keyboard.type(`${pin}#`)
    await log.locator('li.connected').waitFor()
    expect(await log.locator('li.connected').textContent()).toBe(WORDS[lang].connected)
    expect(await log.textContent()).toContain('Thank you, you are verified.')
    await page.locator('[data-testid="phone-log"][data-state="ended"]').waitFor()
    await snap(page, lang === 'en' ? 'playground-phone' : 'playground-phone-ja')

    // Calling again: recognised by the number, no SMS, no PIN.
    await page.getByTestId('phone-call').click()
    await page.locator('[data-testid="phone-log"][data-state="ended"]').waitFor()
    expect(await log.locator('li.connected').textContent()).toBe(WORDS[lang].connected)
    expect(await log.locator('li.prompt').count()).toBe(0)
    expect(await outboxTo(page, phone).count()).toBe(1)
    expect((await chromium.get()).errors).toEqual([])
  })
})

describe('phone call: hanging up', () => {
  it('ends the call while the flow waits for the PIN; the page can call again', async () => {
    const page = await open('en')
    const phone = nextPhone()
    const log = page.getByTestId('phone-log')
    expect(await page.getByTestId('phone-number').inputValue()).toMatch(/^\+81 90-\d{4}-\d{4}$/) // a number to start with
    await page.getByTestId('phone-number').fill(phone)
    await page.getByTestId('phone-call').click()
    await log.locator('li.prompt', { hasText: 'Please enter the code' }).waitFor()
    await page.getByTestId('phone-hangup').click()
    await page.locator('[data-testid="phone-log"][data-state="ended"]').waitFor()
    expect(await log.locator('li').last().textContent()).toBe('You hung up.')
    expect(await log.locator('li.connected').count()).toBe(0)
    expect(await page.getByTestId('phone-call').isEnabled()).toBe(true)
    expect(await page.getByTestId('phone-hangup').isDisabled()).toBe(true)
    expect((await chromium.get()).errors).toEqual([])
  })
})

const CHAT = {
  en: {
    menu: 'Menu',
    first: 'Pizza',
    second: 'Pasta',
    done: "That's all",
    verified: /verified.*Pizza/s,
    menuText: /menu/i,
    end: 'Thank you! Your order: 1 × Pizza, 1 × Pasta',
  },
  ja: {
    menu: 'メニュー',
    first: 'ピザ',
    second: 'パスタ',
    done: '以上です',
    verified: /認証が完了しました.*ピザ/s,
    menuText: /メニュー/,
    end: 'ありがとうございました。ご注文: 1 × ピザ, 1 × パスタ',
  },
} as const

describe.each(['en', 'ja'] as const)('chat order, local mode (%s)', (lang) => {
  it('menu, a dish, the PIN from the outbox, added; a second dish without a PIN; that is all', async () => {
    const w = CHAT[lang]
    const page = await open(lang, '#chat')
    const phone = nextPhone()
    const email = `chat-${randomUUID().slice(0, 8)}@example.com`
    const chatLog = page.getByTestId('chat-log')
    const bot = chatLog.locator('li.bot')
    await page.getByTestId('chat-email').fill(email)
    await page.getByTestId('chat-phone').fill(phone)
    await page.getByTestId('chat-register').click()
    await chatLog.locator('li.system', { hasText: email }).waitFor()

    const quick = page.getByTestId('chat-quick')
    await quick.getByRole('button', { name: w.menu }).click()
    await expect.poll(() => bot.count(), UNTIL).toBe(1)
    expect(await bot.last().textContent()).toMatch(w.menuText)

    await quick.getByRole('button', { name: w.first, exact: true }).click()
    await expect.poll(() => bot.count(), UNTIL).toBe(2)
    expect(await bot.last().textContent()).toContain(phone.slice(-4))
    const pin = await pinFromOutbox(page, phone, 1)

    await page.getByTestId('chat-input').fill(pin)
    await page.getByTestId('chat-input').press('Enter')
    await expect.poll(() => bot.count(), UNTIL).toBe(3)
    expect(await bot.last().textContent()).toMatch(w.verified)
    expect(await chatLog.textContent()).not.toContain(pin)

    await quick.getByRole('button', { name: w.second, exact: true }).click()
    await expect.poll(() => bot.count(), UNTIL).toBe(4)
    expect(await bot.last().textContent()).toContain(w.second)
    expect(await bot.last().textContent()).not.toMatch(/PIN/)
    expect(await outboxTo(page, phone).count()).toBe(1)

    await quick.getByRole('button', { name: w.done }).click()
    expect(await bot.last().textContent()).toBe(w.end)
    if (lang === 'en') await snap(page, 'playground-chat')
    expect((await chromium.get()).errors).toEqual([])
  })
})

describe('phone call: the food-order line (the Lex bot on a phone line)', () => {
  /** The chat's Register: the bot finds a caller by the number they call from, so it must be on file. */
  async function register(page: Page, phone: string) {
    await page.getByTestId('tab-chat').click()
    const email = `line-${randomUUID().slice(0, 8)}@example.com`
    await page.getByTestId('chat-email').fill(email)
    await page.getByTestId('chat-phone').fill(phone)
    await page.getByTestId('chat-register').click()
    await page.getByTestId('chat-log').locator('li.system', { hasText: email }).waitFor()
    await page.getByTestId('tab-phone').click()
  }

  async function dialOrderLine(page: Page, phone: string) {
    await page.getByTestId('phone-number').fill(phone)
    await page.getByTestId('phone-line').selectOption('food-order')
    await page.getByTestId('phone-call').click()
  }

  it('the menu, a dish, the SMS PIN keyed with a wrong one first, added, "that\'s all": the order is confirmed and the flow hangs up', async () => {
    const page = await open('en')
    const phone = nextPhone()
    await register(page, phone)
    expect(await page.getByTestId('phone-say').isVisible()).toBe(false)
    await dialOrderLine(page, phone)
    expect(await page.getByTestId('phone-say').isVisible()).toBe(true)
    // The line select and the say field fit the phone's width.
    expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390)
    const log = page.getByTestId('phone-log')
    const prompts = log.locator('li.prompt')
    const says = async (words: string, count: number) => {
      await page.getByTestId('phone-say').fill(words)
      await page.getByTestId('phone-say').press('Enter')
      await expect.poll(() => prompts.count(), UNTIL).toBe(count)
      return prompts.last().textContent()
    }
    const keys = async (digits: string, count: number) => {
      for (const d of digits) await page.getByTestId(`keypad-${d}`).click()
      await page.getByTestId('keypad-hash').click()
      await expect.poll(() => prompts.count(), UNTIL).toBe(count)
      return prompts.last().textContent()
    }

    // The flow's greeting, then the bot block's own prompt.
    await expect.poll(() => prompts.count(), UNTIL).toBe(2)
    expect(await prompts.allTextContents()).toEqual([
      'Welcome to pinline food ordering.',
      'What would you like to order? You can also ask for the menu.',
    ])
    expect(await says('menu', 3)).toMatch(/^Here is our menu: .*Pizza/)
    // Found by the number it calls from (no e-mail on a call); the PIN goes by SMS, read as digits.
    expect(await says("I'd like a pizza", 4)).toContain(`ending in ${phone.slice(-4)}`)
    const pin = await pinFromOutbox(page, phone, 1)
    expect(await keys(wrong(pin), 5)).toMatch(/^That PIN is not correct\./)
    expect(await keys(pin, 6)).toMatch(
      /^Thank you, you are verified\. I've added Pizza to your order\..*anything else\?$/,
    )
    expect(await log.locator('li.caller').allTextContents()).toEqual([
      'You said “menu”',
      "You said “I'd like a pizza”",
      `You keyed ${wrong(pin)}#`,
      `You keyed ${pin}#`,
    ])

    expect(await says("that's all", 7)).toBe('Thank you. Your order: 1 Pizza (total 1,200 Japanese yen). Goodbye!')
    await page.locator('[data-testid="phone-log"][data-state="ended"]').waitFor()
    // FinishOrder goes straight to the flow's disconnect: no goodbye prompt of the flow's own.
    expect(await log.locator('li.trace').last().textContent()).toBe('The bot ended on FinishOrder (Fulfilled).')
    expect(await log.locator('li').last().textContent()).toBe('The call ended.')
    expect(await prompts.count()).toBe(7)
    expect(await page.getByTestId('phone-say').isDisabled()).toBe(true)
    await snap(page, 'playground-phone-order')
    expect((await chromium.get()).errors).toEqual([])
  })

  it('a number the service does not know (ja): the bot says so and closes, no SMS, and the flow hangs up', async () => {
    const page = await open('ja')
    const phone = nextPhone()
    await dialOrderLine(page, phone)
    const log = page.getByTestId('phone-log')
    await expect.poll(() => log.locator('li.prompt').count(), UNTIL).toBe(2)
    await page.getByTestId('phone-say').fill('ピザをください')
    await page.getByTestId('phone-say').press('Enter')
    await page.locator('[data-testid="phone-log"][data-state="ended"]').waitFor()
    expect(await log.locator('li.prompt').last().textContent()).toMatch(
      /^おかけいただいた電話番号のご登録が見つからない/,
    )
    expect(await log.locator('li.trace').last().textContent()).toBe('ボットは OrderFood (Failed) で終了しました。')
    expect(await log.locator('li').last().textContent()).toBe('通話が終了しました。')
    expect(await outboxTo(page, phone).count()).toBe(0)
    expect((await chromium.get()).errors).toEqual([])
  })

  it('hanging up while the bot listens ends the call, not as a failing bot: no "nothing was ordered"', async () => {
    const page = await open('en')
    await dialOrderLine(page, nextPhone())
    const log = page.getByTestId('phone-log')
    await expect.poll(() => log.locator('li.prompt').count(), UNTIL).toBe(2)
    expect(await page.getByTestId('phone-say').isEnabled()).toBe(true)
    await page.getByTestId('phone-hangup').click()
    await page.locator('[data-testid="phone-log"][data-state="ended"]').waitFor()
    expect(await log.locator('li').last().textContent()).toBe('You hung up.')
    expect(await log.locator('li.prompt').count()).toBe(2)
    expect(await log.locator('li.error').count()).toBe(0)
    expect(await page.getByTestId('phone-say').isDisabled()).toBe(true)
    expect(await page.getByTestId('phone-line').isEnabled()).toBe(true)
    expect((await chromium.get()).errors).toEqual([])
  })

  it('the bot failing (its route answers 503) takes the flow\'s error branch: "nothing was ordered", then the flow hangs up', async () => {
    const page = await open('en')
    await page.route('**/playground/api/channels/lex', (route) =>
      route.fulfill({ status: 503, contentType: 'application/json', body: '{"code":"SERVICE_UNAVAILABLE"}' }),
    )
    await dialOrderLine(page, nextPhone())
    const log = page.getByTestId('phone-log')
    await expect.poll(() => log.locator('li.prompt').count(), UNTIL).toBe(2)
    await page.getByTestId('phone-say').fill('menu')
    await page.getByTestId('phone-say').press('Enter')
    await page.locator('[data-testid="phone-log"][data-state="ended"]').waitFor()
    expect(await log.locator('li.error').textContent()).toBe('The bot did not answer: HTTP 503 SERVICE_UNAVAILABLE')
    expect(await log.locator('li.prompt').last().textContent()).toBe(
      'Sorry, we cannot take orders by phone right now. Nothing was ordered. Please try again later.',
    )
    expect(await log.locator('li').last().textContent()).toBe('The call ended.')
    // Chromium reports the 503 in the console; that one line is this test's doing.
    const browser = await chromium.get()
    expect(browser.errors).toEqual([expect.stringContaining('503')])
    browser.errors.length = 0
  })
})
