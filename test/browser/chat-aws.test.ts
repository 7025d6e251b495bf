import { randomUUID } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { extname } from 'node:path'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { webOut } from '../../scripts/build-web.ts'
import type { CodeHookResponse } from '../../web/src/lex/dialog.ts'
import { playgroundEnv, sharedBrowser } from '../support/app/browser.ts'
import {
  startCognitoIdentityStandIn,
  type CognitoIdentityStandIn,
} from '../support/stand-ins/cognito-identity-stand-in.ts'
import { startHttpStandIn, type HttpStandIn } from '../support/stand-ins/http-stand-in.ts'
import { startKmsStandIn, type KmsStandIn } from '../support/stand-ins/kms-stand-in.ts'
import { startLexRuntimeStandIn, type LexRuntimeStandIn } from '../support/stand-ins/lex-runtime-stand-in.ts'
import { startStsStandIn, type StsStandIn } from '../support/stand-ins/sts-stand-in.ts'
import { startService, type ServiceProcess } from '../support/app/service-process.ts'
import { TEST_API_KEY } from '../support/app/test-app.ts'
import { call } from '../support/app/service-env.ts'

// The chat in AWS mode, as hosted on S3: the page with a config.json naming the bot, talking
// with the real SDK clients in the browser bundle (Cognito guest credentials, Lex RecognizeText,
// KMS Encrypt) to wire-level stand-ins on other origins (so CORS is exercised too). The Lex
// stand-in calls the service's Lex channel as Lex calls the code hook; the service decrypts
// the PIN with the KMS stand-in. The page is served like S3 serves it: plain files.

const REGION = 'ap-northeast-1'
const KEY = randomUUID()
let service: ServiceProcess
const chromium = sharedBrowser()
let kms: KmsStandIn
let cognito: CognitoIdentityStandIn
let lex: LexRuntimeStandIn
let sts: StsStandIn
let site: HttpStandIn
/** What the site serves as config.json: each test sets it. */
let config: Record<string, unknown> = {}
const GUEST_ROLE = 'arn:aws:iam::111122223333:role/PinlineApp-ClientAccessUnauthenticatedRole'

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript',
  '.css': 'text/css',
  '.json': 'application/json',
  '.map': 'application/json',
}

beforeAll(async () => {
  chromium.warmUp()
  ;[kms, cognito] = await Promise.all([
    startKmsStandIn({ keyIds: [KEY], cors: true }),
    startCognitoIdentityStandIn({ region: REGION }),
  ])
  sts = await startStsStandIn({ roleArn: GUEST_ROLE, issuedBy: (token) => cognito.tokenIdentity(token) })
  service = await startService(
    playgroundEnv(inject('redisUrl'), {
      KMS_KEY_ID: kms.keyArn(KEY),
      AWS_ENDPOINT_URL_KMS: kms.url,
      AWS_REGION: REGION,
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
    }),
  )
  // The code hook as the Lambda shim reaches it: POST /v1/channels/lex with the API key.
  lex = await startLexRuntimeStandIn(async (event) => {
    const res = await fetch(`${service.url}/v1/channels/lex`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TEST_API_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify(event),
    })
    return (await res.json()) as CodeHookResponse
  })
  site = await startHttpStandIn(async (req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname.replace(/^\/$/, '/index.html')
    if (path === '/config.json')
      return void res.writeHead(200, { 'content-type': TYPES['.json']! }).end(JSON.stringify(config))
    const file = await readFile(`${webOut}${path.slice(1).replace(/\.\.+/g, '')}`).catch(() => undefined)
    if (!file) return void res.writeHead(404).end()
    res.writeHead(200, { 'content-type': TYPES[extname(path)] ?? 'application/octet-stream' }).end(file)
  })
})
afterAll(async () => {
  await chromium.close()
  await Promise.all([site?.close(), lex?.close(), sts?.close(), cognito?.close(), kms?.close()])
  await service?.stop()
})

/** The PIN the service "sent" to `last4` (SMS_PROVIDER=log writes it to the service's log). */
function pinFromLog(last4: string): string {
  const lines = service
    .logs()
    .split('\n')
    .filter((l) => l.includes('verification code') && l.includes(last4))
  const pin = lines.at(-1)?.match(/verification code is (\d{6})/)?.[1]
  if (!pin) throw new Error('no PIN in the service log')
  return pin
}

// Cognito's enhanced flow (fromCognitoIdentityPool), and the basic flow (GetOpenIdToken, then STS
// AssumeRoleWithWebIdentity on the guest role) that config.json's guestRoleArn selects.
describe.each(['enhanced', 'basic'] as const)('Cognito %s flow', (flow) => {
  it('RecognizeText with Cognito guest credentials; the PIN goes KMS-encrypted under {challengeId}, never in clear', async () => {
    config = {
      mode: 'aws',
      region: REGION,
      identityPoolId: cognito.identityPoolId,
      botId: lex.botId,
      botAliasId: lex.botAliasId,
      localeId: 'en_US',
      kmsKeyId: kms.keyArn(KEY),
      endpoints: { cognitoIdentity: cognito.url, lexRuntime: lex.url, kms: kms.url, sts: sts.url },
      ...(flow === 'basic' ? { guestRoleArn: GUEST_ROLE } : {}),
    }
    const lexStart = lex.requests.length
    const kmsStart = kms.requests.length
    const keysBefore = { cognito: cognito.issuedKeys.length, sts: sts.issuedKeys.length }
    const phone = `+8190${String(Date.now()).slice(-8)}`
    const email = `aws-${randomUUID().slice(0, 8)}@example.com`
    const profile = { firstName: 'Aiko', lastName: 'Sato', custLevel: 'Gold', language: 'en', email }
    const put = await call(service.url, 'PUT', `/v1/callers/${phone}`, profile)
    expect(put.status).toBe(201)

    const browser = await chromium.get()
    const page = await browser.page()
    await page.goto(`${site.url}/?lang=en`)
    await page.locator('body[data-ready="true"]').waitFor()
    expect(await page.getByTestId('tab-phone').isHidden()).toBe(true) // the phone needs the local service
    expect(await page.getByTestId('sms-outbox').isHidden()).toBe(true)
    const bot = page.getByTestId('chat-log').locator('li.bot')
    const say = async (text: string, replies: number) => {
      await page.getByTestId('chat-input').fill(text)
      await page.getByTestId('chat-send').click()
      await expect
        .poll(() => bot.count(), { timeout: 10_000 })
        .toBe(replies)
        .catch(async (err) => {
          throw new Error(
            `${err}\nchat: ${await page.getByTestId('chat-log').textContent()}\nbrowser: ${browser.errors.join('\n')}`,
          )
        })
      return (await bot.last().textContent()) ?? ''
    }
    await page.getByTestId('chat-email').fill(email)

    expect(await say("What's on the menu?", 1)).toMatch(/menu/i)
    expect(await say('Pizza', 2)).toContain(phone.slice(-4))
    const pin = pinFromLog(phone.slice(-4))
    expect(await say(pin, 3)).toMatch(/verified.*Pizza/s)
    expect(await say('Pasta', 4)).toMatch(/Pasta/)

    // The PIN turn: the placeholder text and the ciphertext, never the PIN.
    const lexRequests = lex.requests.slice(lexStart)
    const pinTurn = lexRequests[2]!
    const challengeId = pinTurn.sessionAttributes.uuid // the bot's last answer set it; the page sends it back
    expect(challengeId).toMatch(/^[\w-]{16,}$/)
    expect(pinTurn).toMatchObject({
      localeId: 'en_US',
      text: '0',
      sessionAttributes: { email, encryptedPin: expect.any(String) },
    })
    expect(JSON.stringify(lexRequests)).not.toContain(pin)
    // One Encrypt, with the configured key and the challenge as the context.
    const encrypts = kms.requests.slice(kmsStart).filter((r) => r.target === 'TrentService.Encrypt')
    expect(encrypts).toHaveLength(1)
    expect(encrypts[0]!.body).toMatchObject({ KeyId: kms.keyArn(KEY), EncryptionContext: { challengeId } })
    expect(Buffer.from(encrypts[0]!.body.Plaintext!, 'base64').toString()).toBe(pin)
    // Every Lex and KMS call was signed with the guest credentials of this flow: from Cognito
    // (enhanced) or from STS for the guest role (basic), never the other.
    const issued =
      flow === 'enhanced' ? cognito.issuedKeys.slice(keysBefore.cognito) : sts.issuedKeys.slice(keysBefore.sts)
    expect(issued.length).toBeGreaterThan(0)
    expect(
      flow === 'enhanced' ? sts.issuedKeys.length - keysBefore.sts : cognito.issuedKeys.length - keysBefore.cognito,
    ).toBe(0)
    const signedBy = (auth: string | undefined) => auth?.match(/Credential=([A-Z0-9]+)\//)?.[1]
    for (const r of [...lexRequests, ...encrypts]) expect(issued).toContain(signedBy(r.authorization))
    expect(browser.errors).toEqual([])
  })
})
