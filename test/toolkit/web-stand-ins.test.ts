import { LexRuntimeV2Client, RecognizeTextCommand } from '@aws-sdk/client-lex-runtime-v2'
import { CognitoIdentityClient, GetIdCommand, GetOpenIdTokenCommand } from '@aws-sdk/client-cognito-identity'
import { fromCognitoIdentityPool, fromWebToken } from '@aws-sdk/credential-providers'
import { FetchHttpHandler } from '@smithy/fetch-http-handler'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { CodeHookResponse } from '../../web/src/lex/dialog.ts'
import {
  startCognitoIdentityStandIn,
  type CognitoIdentityStandIn,
} from '../support/stand-ins/cognito-identity-stand-in.ts'
import { startLexRuntimeStandIn, type LexRuntimeStandIn } from '../support/stand-ins/lex-runtime-stand-in.ts'
import { startStsStandIn, type StsStandIn } from '../support/stand-ins/sts-stand-in.ts'

// The stand-ins the AWS-mode chat test runs against, checked with the real SDK clients in Node:
// what they answer is what the SDK parses, errors included.

const region = 'ap-northeast-1'
let cognito: CognitoIdentityStandIn
let lex: LexRuntimeStandIn
let sts: StsStandIn
const ROLE = 'arn:aws:iam::111122223333:role/guest'
const hooked: any[] = []

beforeAll(async () => {
  cognito = await startCognitoIdentityStandIn({ region })
  sts = await startStsStandIn({ roleArn: ROLE, issuedBy: (token) => cognito.tokenIdentity(token) })
  lex = await startLexRuntimeStandIn(async (event) => {
    hooked.push(event)
    // A code hook that asks for the Food slot, then closes.
    const elicit = hooked.length === 1
    return {
      sessionState: {
        sessionAttributes: { ...(event as any).sessionState.sessionAttributes, auth: 'false' },
        dialogAction: elicit ? { type: 'ElicitSlot', slotToElicit: 'Food' } : { type: 'Close' },
        intent: { ...(event as any).sessionState.intent, state: elicit ? 'InProgress' : 'Fulfilled' },
      },
      messages: [{ contentType: 'PlainText', content: elicit ? 'What would you like?' : 'Added.' }],
    } satisfies CodeHookResponse
  })
})
afterAll(async () => {
  await Promise.all([cognito?.close(), lex?.close(), sts?.close()])
})

describe('Cognito identity stand-in with fromCognitoIdentityPool', () => {
  it('hands a guest temporary credentials for its pool, and records the key it issued', async () => {
    const credentials = await fromCognitoIdentityPool({
      identityPoolId: cognito.identityPoolId,
      clientConfig: { region, endpoint: cognito.url },
    })()
    expect(credentials).toMatchObject({
      accessKeyId: expect.stringMatching(/^ASIA/),
      secretAccessKey: expect.any(String),
      sessionToken: expect.any(String),
    })
    expect(credentials.expiration!.getTime()).toBeGreaterThan(Date.now())
    expect(cognito.issuedKeys).toContain(credentials.accessKeyId)
  })

  it('another pool does not exist: ResourceNotFoundException', async () => {
    const provider = fromCognitoIdentityPool({
      identityPoolId: `${region}:00000000-0000-4000-8000-000000000000`,
      clientConfig: { region, endpoint: cognito.url },
    })
    await expect(provider()).rejects.toMatchObject({ name: 'ResourceNotFoundException' })
  })
})

describe('the basic flow: GetOpenIdToken, then the STS stand-in with fromWebToken', () => {
  it("exchanges a token Cognito issued for the guest role's credentials; any other token is refused (InvalidIdentityToken)", async () => {
    const client = new CognitoIdentityClient({ region, endpoint: cognito.url })
    const { IdentityId } = await client.send(new GetIdCommand({ IdentityPoolId: cognito.identityPoolId }))
    const { Token } = await client.send(new GetOpenIdTokenCommand({ IdentityId }))
    const web = (token: string) =>
      fromWebToken({
        roleArn: ROLE,
        webIdentityToken: token,
        roleSessionName: 'guest',
        clientConfig: { region, endpoint: sts.url },
      })()
    const credentials = await web(Token!)
    expect(credentials).toMatchObject({ accessKeyId: expect.stringMatching(/^ASIA/), sessionToken: expect.any(String) })
    expect(sts.issuedKeys).toEqual([credentials.accessKeyId])
    await expect(web('not-a-token')).rejects.toMatchObject({ name: 'InvalidIdentityTokenException' }) // the SDK's modelled error for the wire code
  })
})

describe('Lex runtime stand-in with RecognizeText', () => {
  // The browser's request handler (fetch, HTTP/1.1); in Node the client would default to HTTP/2.
  const client = () =>
    new LexRuntimeV2Client({
      region,
      endpoint: lex.url,
      credentials: { accessKeyId: 'ASIATEST', secretAccessKey: 'x' },
      requestHandler: new FetchHttpHandler(),
    })

  it("turns the text into a code-hook event, answers with the hook's messages and state, and keeps the dialog", async () => {
    const first = await client().send(
      new RecognizeTextCommand({
        botId: lex.botId,
        botAliasId: lex.botAliasId,
        localeId: 'en_US',
        sessionId: 's-1',
        text: 'I would like to order',
        sessionState: { sessionAttributes: { email: 'a@example.com' } },
      }),
    )
    expect(first.messages).toEqual([{ contentType: 'PlainText', content: 'What would you like?' }])
    expect(first.sessionState).toMatchObject({
      dialogAction: { type: 'ElicitSlot', slotToElicit: 'Food' },
      intent: { name: 'OrderFood' },
      sessionAttributes: { email: 'a@example.com', auth: 'false' },
    })
    expect(hooked[0]).toMatchObject({
      invocationSource: 'DialogCodeHook',
      sessionId: 's-1',
      bot: { id: lex.botId, aliasId: lex.botAliasId, localeId: 'en_US' },
    })

    const second = await client().send(
      new RecognizeTextCommand({
        botId: lex.botId,
        botAliasId: lex.botAliasId,
        localeId: 'en_US',
        sessionId: 's-1',
        text: 'Pizza',
      }),
    )
    expect(second.sessionState?.dialogAction?.type).toBe('Close')
    // No attributes sent: Lex's copy from the last turn is used.
    expect(hooked[1]).toMatchObject({
      sessionState: {
        sessionAttributes: { email: 'a@example.com', auth: 'false' },
        intent: { name: 'OrderFood', slots: { Food: { value: { originalValue: 'Pizza' } } } },
      },
    })
    expect(lex.requests.map((r) => [r.text, r.authorization?.match(/Credential=(\w+)\//)?.[1]])).toEqual([
      ['I would like to order', 'ASIATEST'],
      ['Pizza', 'ASIATEST'],
    ])
  })

  it('an unknown bot or alias: ResourceNotFoundException', async () => {
    await expect(
      client().send(
        new RecognizeTextCommand({
          botId: 'OTHERBOT01',
          botAliasId: lex.botAliasId,
          localeId: 'en_US',
          sessionId: 's-2',
          text: 'menu',
        }),
      ),
    ).rejects.toMatchObject({ name: 'ResourceNotFoundException' })
  })
})
