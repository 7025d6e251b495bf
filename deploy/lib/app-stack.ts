import { Stack, type StackProps } from 'aws-cdk-lib'
import { Construct } from 'constructs'
import { loadMenu } from '../../services/auth/src/adapters/menu/menu-file.ts'
import { loadConfig } from '../../services/auth/src/config.ts'
import { Channels } from './constructs/channels.ts'
import { ClientAccess } from './constructs/client-access.ts'
import { PinlineService } from './constructs/service.ts'
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
    })
    this.clientAccess.allowDecrypt(this.service.taskRole)
    this.channels = new Channels(this, 'Channels', {
      vpc: data.vpc,
      service: this.service,
      secrets: data.secrets,
      // The menu file the service serves: the bot's dishes come from it.
      menu: loadMenu(undefined),
      idleSessionTtlSeconds: serviceConfig.sessions.ttlSeconds,
      pinLength: serviceConfig.pin.length,
      bundleDir: props.shimBundleDir,
      logRetentionDays: settings.logRetentionDays,
      connect: settings.connect,
    })
    this.clientAccess.allowRecognizeText(this.channels.bot.aliasArn)
  }
}
