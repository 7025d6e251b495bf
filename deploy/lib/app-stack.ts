import { join } from 'node:path'
import { Stack, type StackProps } from 'aws-cdk-lib'
import type { Construct } from 'constructs'
import { loadMenu } from '../../services/auth/src/adapters/menu/menu-file.ts'
import { loadConfig } from '../../services/auth/src/config.ts'
import { Alarms } from './constructs/alarms.ts'
import { Channels } from './constructs/channels.ts'
import { ClientAccess } from './constructs/client-access.ts'
import { PinlineService } from './constructs/service.ts'
import { WebClient } from './constructs/web-client.ts'
import { BOT_LOCALES } from '../../services/auth/src/channels/lex/bot-names.ts'
import type { DataStack } from './data-stack.ts'
import type { Settings } from './settings.ts'

export interface AppStackProps extends StackProps {
  data: DataStack
  settings: Settings
  repoRoot: string
  shimBundleDir: string
}

/**
 * The service and what talks to it: client access (the PIN key, the Cognito identity pool),
 * the Fargate service, and the channels (shims, Lex bot, Connect). A web client stack (S3 +
 * CloudFront with config.json) can take its values from this stack's public fields.
 */
export class AppStack extends Stack {
  readonly clientAccess: ClientAccess
  readonly service: PinlineService
  readonly channels: Channels
  readonly web: WebClient
  readonly alarms: Alarms

  constructor(scope: Construct, id: string, props: AppStackProps) {
    super(scope, id, props)
    const { data, settings } = props
    // The service's settings as it will read them (defaults included), for what must agree with it.
    const serviceConfig = loadConfig({ ...settings.service.environment })
    this.clientAccess = new ClientAccess(this, 'ClientAccess')
    this.service = new PinlineService(this, 'Service', {
      vpc: data.vpc,
      redis: data.redis,
      redisClusterMode: settings.redis.clusterMode,
      secrets: data.secrets,
      repoRoot: props.repoRoot,
      settings: settings.service,
      logRetentionDays: settings.logRetentionDays,
      kmsKeyArn: this.clientAccess.key.keyArn,
      events: settings.events,
      messaging: settings.messaging,
    })
    this.clientAccess.allowDecrypt(this.service.taskRole)
    this.channels = new Channels(this, 'Channels', {
      vpc: data.vpc,
      service: this.service,
      secrets: data.secrets,
      // The menu file the service serves: the bot's dishes come from it.
      menu: loadMenu(undefined),
      idleSessionTtlSeconds: serviceConfig.sessions.idleTtlMs / 1000,
      pinLength: serviceConfig.verification.pinLength,
      bundleDir: props.shimBundleDir,
      logRetentionDays: settings.logRetentionDays,
      connect: settings.connect,
    })
    this.clientAccess.allowRecognizeText(this.channels.bot.aliasArn)
    // The chat speaks the service's default language.
    const localeId = Object.entries(BOT_LOCALES).find(
      ([, locale]) => locale === serviceConfig.sessions.defaultLocale,
    )![0]
    this.web = new WebClient(this, 'Web', {
      pageDir: join(props.repoRoot, 'dist', 'web'),
      config: {
        region: this.region,
        identityPoolId: this.clientAccess.identityPool.ref,
        botId: this.channels.bot.bot.attrId,
        botAliasId: this.channels.bot.alias.attrBotAliasId,
        localeId,
        kmsKeyId: this.clientAccess.key.keyArn,
        // The basic flow: the enhanced flow's scope-down for guests may leave out kms:Encrypt.
        guestRoleArn: this.clientAccess.unauthenticatedRole.roleArn,
      },
    })
    // The service's, the shims' and SMS's alarms, on the data stack's topic.
    this.alarms = new Alarms(this, 'Alarms', { topic: data.alarms.topic })
    this.alarms.watchService(this.service)
    this.alarms.watchShim('connect', this.channels.connectShim)
    this.alarms.watchShim('lex', this.channels.lexShim)
    if (settings.messaging.smsProvider === 'sns') this.alarms.watchSnsSms(settings.alarms.smsSpendUsd)
  }
}
