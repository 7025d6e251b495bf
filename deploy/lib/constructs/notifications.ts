import { Arn, CfnOutput, Stack } from 'aws-cdk-lib'
import * as events from 'aws-cdk-lib/aws-events'
import * as iam from 'aws-cdk-lib/aws-iam'
import { Construct } from 'constructs'
import type { ConfigVariable } from '../../../services/auth/src/config.ts'
import type { Settings } from '../settings.ts'

export interface NotificationsProps {
  events: Settings['events']
  messaging: Settings['messaging']
  /** The service's task role: what it sends with. */
  taskRole: iam.IRole
}

/**
 * What the service sends through besides Redis: SMS (SNS or End User Messaging), PIN calls
 * (End User Messaging SMS and Voice v2) and verification events (EventBridge). Each grant names
 * the resource it sends from or to, except SNS SMS (a phone number has no ARN).
 */
export class Notifications extends Construct {
  /** The service variables these settings mean (the task's environment takes them). */
  readonly environment: Partial<Record<ConfigVariable, string>> = {}
  readonly eventBus: events.IEventBus | undefined

  constructor(scope: Construct, id: string, props: NotificationsProps) {
    super(scope, id)
    const { messaging, taskRole } = props
    const stack = Stack.of(this)
    const env = this.environment

    if (props.events) {
      const bus = props.events.eventBus
      this.eventBus =
        bus === 'create'
          ? new events.EventBus(this, 'EventBus', { description: 'pinline verification events' })
          : bus.startsWith('arn:')
            ? events.EventBus.fromEventBusArn(this, 'EventBus', bus)
            : events.EventBus.fromEventBusName(this, 'EventBus', bus)
      // PutEvents on this bus only.
      this.eventBus.grantPutEventsTo(taskRole)
      env.EVENTS_EVENTBRIDGE_BUS = this.eventBus.eventBusArn
      new CfnOutput(stack, 'EventBusArn', {
        value: this.eventBus.eventBusArn,
        description: 'the EventBridge bus pinline puts verification events on',
      })
    }

    env.SMS_PROVIDER = messaging.smsProvider
    if (messaging.smsProvider === 'sns') {
      // SMS goes to a phone number (PhoneNumber), not to a topic: there is no resource ARN to name,
      // and IAM has no condition key for the destination number, so Publish cannot be scoped to a
      // resource. The service's own send caps and country allow-list bound what it sends.
      taskRole.addToPrincipalPolicy(
        new iam.PolicyStatement({ sid: 'SmsToPhoneNumbers', actions: ['sns:Publish'], resources: ['*'] }),
      )
    }
    // End User Messaging authorises a send on every resource it involves: the origination identity
    // (phone number, pool or sender ID), and the configuration set and protect configuration when
    // given. The destination number is not a resource, so each grant names only what is the
    // operator's. Both SMS and calls use the same configuration set and protect configuration.
    const eum = messaging.eum
    const shared = [
      ...(eum.configurationSet ? [eumArn(stack, `configuration-set/${eum.configurationSet}`)] : []),
      ...(eum.protectConfigurationId ? [eumArn(stack, `protect-configuration/${eum.protectConfigurationId}`)] : []),
    ]
    if (eum.configurationSet) env.EUM_CONFIGURATION_SET = eum.configurationSet
    if (eum.protectConfigurationId) env.EUM_PROTECT_CONFIGURATION_ID = eum.protectConfigurationId
    if (messaging.smsProvider === 'eum') {
      env.EUM_ORIGINATION_IDENTITY = eum.originationIdentity!
      taskRole.addToPrincipalPolicy(
        new iam.PolicyStatement({
          sid: 'SmsThroughEndUserMessaging',
          actions: ['sms-voice:SendTextMessage'],
          resources: [identityArn(stack, eum.originationIdentity!), ...shared],
        }),
      )
    }
    if (messaging.voiceOriginationIdentity) {
      env.VOICE_PROVIDER = 'eum'
      env.VOICE_ORIGINATION_IDENTITY = messaging.voiceOriginationIdentity
      taskRole.addToPrincipalPolicy(
        new iam.PolicyStatement({
          sid: 'PinCallsThroughEndUserMessaging',
          actions: ['sms-voice:SendVoiceMessage'],
          resources: [identityArn(stack, messaging.voiceOriginationIdentity), ...shared],
        }),
      )
    }
  }
}

/** An End User Messaging SMS and Voice v2 resource of this account and region. */
function eumArn(stack: Stack, resource: string): string {
  return Arn.format({ service: 'sms-voice', resource }, stack)
}

/** The ARN of an origination identity given as an ARN, a phone number id (phone-…) or a pool id (pool-…). */
export function identityArn(stack: Stack, identity: string): string {
  if (identity.startsWith('arn:')) return identity
  return eumArn(stack, `${identity.startsWith('pool-') ? 'pool' : 'phone-number'}/${identity}`)
}
