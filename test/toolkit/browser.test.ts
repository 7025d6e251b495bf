import { expect, it } from 'vitest'
import { launchBrowser } from '../support/app/browser.ts'

it('without Chromium the browser tests fail, saying how to install it (they never skip)', async () => {
  await expect(launchBrowser('/nonexistent/chromium')).rejects.toThrow(
    /Chromium is not installed at \/nonexistent\/chromium.*apt-get install chromium.*CHROMIUM_PATH/,
  )
})
