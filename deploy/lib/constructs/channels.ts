import type * as ec2 from 'aws-cdk-lib/aws-ec2'
import { CfnOutput, Stack } from 'aws-cdk-lib'
import { Construct } from 'constructs'
import type { MenuItem } from '../../../services/auth/src/core/menu.ts'
import type { Settings } from '../settings.ts'
import { ConnectIntegration } from './connect-integration.ts'
import { LexBot } from './lex-bot.ts'
import type { ServiceSecrets } from './secrets.ts'
import type { PinlineService } from './service.ts'
import { ShimFunction } from './shim-function.ts'

export interface ChannelsProps {
  vpc: ec2.IVpc
  service: PinlineService
  secrets: ServiceSecrets
  menu: readonly MenuItem[]
  idleSessionTtlSeconds: number
  pinLength: number
  bundleDir: string
  logRetentionDays: number
  connect: Settings['connect']
}

/** The channels: both shims, the Lex bot, and (with a Connect instance) the Connect wiring and flow. */
export class Channels extends Construct {
  readonly connectShim: ShimFunction
  readonly lexShim: ShimFunction
  readonly bot: LexBot
  readonly connect: ConnectIntegration | undefined

  constructor(scope: Construct, id: string, props: ChannelsProps) {
    super(scope, id)
    const stack = Stack.of(this)
    const shim = (name: 'connect' | 'lex', client: 'connect-shim' | 'lex-shim') => {
      const fn = new ShimFunction(this, name === 'connect' ? 'ConnectShim' : 'LexShim', {
        name,
        bundleDir: props.bundleDir,
        vpc: props.vpc,
        serviceUrl: props.service.url,
        apiKey: props.secrets.apiKeys[client],
        logRetentionDays: props.logRetentionDays,
      })
      props.service.allowFrom(fn.securityGroup, `pinline ${name} shim`)
      return fn
    }
    this.connectShim = shim('connect', 'connect-shim')
    this.lexShim = shim('lex', 'lex-shim')
    this.bot = new LexBot(this, 'Bot', {
      menu: props.menu,
      codeHook: this.lexShim.function,
      idleSessionTtlSeconds: props.idleSessionTtlSeconds,
      pinLength: props.pinLength,
    })
    if (props.connect) {
      this.connect = new ConnectIntegration(this, 'Connect', {
        ...props.connect,
        connectShim: this.connectShim.function,
      })
      // The second flow hands the call to the bot (ConnectParticipantWithLexBot).
      this.connect.addLexFlow(this.bot.aliasArn)
    }
    new CfnOutput(stack, 'ConnectShimArn', {
      value: this.connectShim.function.functionArn,
      description: 'Connect shim (Invoke AWS Lambda function block)',
    })
    new CfnOutput(stack, 'LexShimArn', {
      value: this.lexShim.function.functionArn,
      description: 'Lex shim (the bot alias code hook)',
    })
  }
}
