import { existsSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { randomUUID } from 'node:crypto'
import { join } from 'node:path'
import { chromium, type BrowserContext, type Page } from 'playwright-core'
import { TEST_API_KEY, TEST_SECRET } from './test-app.ts'

// The browser tests drive Debian's Chromium (apt-get install chromium) through playwright-core,
// which never downloads a browser. No Chromium: the tests fail, saying how to install it.

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'

const ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
]

export interface TestBrowser {
  /** A new tab with a phone-sized screen, its console errors collected in `errors`. */
  page(): Promise<Page>
  /** Console errors and uncaught page errors, from every tab so far: the tests expect none. */
  errors: string[]
  close(): Promise<void>
}

/** One Chromium per test file, with a fresh profile (--user-data-dir) of its own. */
export async function launchBrowser(executablePath = CHROMIUM): Promise<TestBrowser> {
  if (!existsSync(executablePath)) {
    throw new Error(
      `Chromium is not installed at ${executablePath}: the browser tests need it. ` +
        'Install it with `apt-get install chromium` (Debian/Ubuntu), or set CHROMIUM_PATH to a Chromium binary.',
    )
  }
  const profile = await mkdtemp(join(tmpdir(), 'pinline-chromium-'))
  const errors: string[] = []
  let context: BrowserContext | undefined = await chromium.launchPersistentContext(profile, {
    executablePath,
    args: ARGS,
    headless: true,
    viewport: { width: 390, height: 844 },
    hasTouch: true,
    locale: 'en-US',
  })
  for (const p of context.pages()) await p.close()
  return {
    errors,
    async page() {
      const page = await context!.newPage()
      page.on('console', (m) => {
        if (m.type() === 'error') errors.push(`console: ${m.text()} (${m.location().url})`)
      })
      page.on('pageerror', (e) => errors.push(`page error: ${e.message}`))
      return page
    },
    async close() {
      await context?.close()
      context = undefined
      await rm(profile, { recursive: true, force: true })
    },
  }
}

/**
 * One browser for a test file, launched on first use. Tests ask for it themselves, so without
 * Chromium each of them fails with the install hint; none is skipped by a failed hook.
 */
export function sharedBrowser(executablePath = CHROMIUM) {
  let launched: Promise<TestBrowser> | undefined
  const get = () => (launched ??= launchBrowser(executablePath))
  return {
    get,
    /** Starts the launch now (alongside other setup) without failing the hook. */
    warmUp: () => void get().catch(() => undefined),
    async close() {
      const browser = await launched?.catch(() => undefined)
      await browser?.close()
    },
  }
}

/** A development service for the page: the playground on, SMS to the outbox, its own key prefix. */
export function playgroundEnv(redisUrl: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    NODE_ENV: 'development',
    REDIS_URL: redisUrl,
    REDIS_KEY_PREFIX: `t${randomUUID().slice(0, 8)}:`,
    PIN_HMAC_SECRET: TEST_SECRET,
    API_KEYS: TEST_API_KEY,
    SMS_PROVIDER: 'log',
    LOG_LEVEL: 'warn',
    ...extra,
  }
}
