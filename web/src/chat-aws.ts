import { CognitoIdentityClient, GetIdCommand, GetOpenIdTokenCommand } from '@aws-sdk/client-cognito-identity'
import { EncryptCommand, KMSClient } from '@aws-sdk/client-kms'
import { LexRuntimeV2Client, RecognizeTextCommand } from '@aws-sdk/client-lex-runtime-v2'
import { fromCognitoIdentityPool, fromWebToken } from '@aws-sdk/credential-providers'
import type { AwsConfig } from './aws-config.ts'
import type { ChatTransport } from './chat-transport.ts'
import { randomId } from './lex/random-id.ts'

export type { AwsConfig }

type Credentials = ReturnType<typeof fromWebToken>

/** Guest credentials through Cognito's basic flow: an OpenID token for the identity, exchanged with STS for the role's. */
function basicFlow(config: AwsConfig, roleArn: string): Credentials {
  const { region, endpoints = {} } = config
  const cognito = new CognitoIdentityClient({
    region,
    ...(endpoints.cognitoIdentity ? { endpoint: endpoints.cognitoIdentity } : {}),
  })
  let identityId: string | undefined
  return async (args) => {
    identityId ??= (await cognito.send(new GetIdCommand({ IdentityPoolId: config.identityPoolId }))).IdentityId
    const { Token } = await cognito.send(new GetOpenIdTokenCommand({ IdentityId: identityId }))
    if (!Token) throw new Error('Cognito returned no OpenID token')
    return fromWebToken({
      roleArn,
      webIdentityToken: Token,
      roleSessionName: 'pinline-web-guest',
      clientConfig: { region, ...(endpoints.sts ? { endpoint: endpoints.sts } : {}) },
    })(args)
  }
}

// The text sent with an encrypted PIN: a placeholder that is never a valid PIN (docs/lex.md).
const PIN_PLACEHOLDER = '0'

/**
 * AWS mode, the seed's text modality: RecognizeText on the deployed bot with Cognito
 * unauthenticated credentials; a PIN never leaves the page in clear, it is KMS-encrypted
 * under EncryptionContext {challengeId} and sent as the encryptedPin session attribute.
 */
export function awsTransport(config: AwsConfig): ChatTransport {
  const { region, endpoints = {} } = config
  const credentials = config.guestRoleArn
    ? basicFlow(config, config.guestRoleArn)
    : fromCognitoIdentityPool({
        identityPoolId: config.identityPoolId,
        clientConfig: { region, ...(endpoints.cognitoIdentity ? { endpoint: endpoints.cognitoIdentity } : {}) },
      })
  const lex = new LexRuntimeV2Client({
    region,
    credentials,
    ...(endpoints.lexRuntime ? { endpoint: endpoints.lexRuntime } : {}),
  })
  const kms = new KMSClient({ region, credentials, ...(endpoints.kms ? { endpoint: endpoints.kms } : {}) })
  let sessionId = randomId()
  let attributes: Record<string, string> = {}

  async function encryptPin(pin: string): Promise<string> {
    const challengeId = attributes.uuid
    if (!challengeId) throw new Error('the bot has not sent a challenge (uuid) to encrypt the PIN for')
    const { CiphertextBlob } = await kms.send(
      new EncryptCommand({
        KeyId: config.kmsKeyId,
        Plaintext: new TextEncoder().encode(pin),
        EncryptionContext: { challengeId },
      }),
    )
    if (!CiphertextBlob) throw new Error('KMS returned no ciphertext')
    return btoa(String.fromCharCode(...CiphertextBlob))
  }

  return {
    async send(text, { email, localeId, pin }) {
      const sessionAttributes: Record<string, string> = { ...attributes, email }
      if (pin) sessionAttributes.encryptedPin = await encryptPin(text)
      const res = await lex.send(
        new RecognizeTextCommand({
          botId: config.botId,
          botAliasId: config.botAliasId,
          localeId,
          sessionId,
          text: pin ? PIN_PLACEHOLDER : text,
          sessionState: { sessionAttributes },
        }),
      )
      const { encryptedPin: _sent, ...returned } = res.sessionState?.sessionAttributes ?? sessionAttributes
      attributes = returned
      const action = res.sessionState?.dialogAction
      return {
        messages: (res.messages ?? []).map((m) => m.content ?? '').filter(Boolean),
        eliciting: action?.type === 'ElicitSlot' ? action.slotToElicit : undefined,
        attributes,
      }
    },
    reset() {
      sessionId = randomId()
      attributes = {}
    },
  }
}
