import { SendTextMessageCommand, type PinpointSMSVoiceV2Client } from '@aws-sdk/client-pinpoint-sms-voice-v2'
import type { SmsSender } from '../../core/ports.ts'
import { sendOnce } from '../sms/send-once.ts'

export interface EumSmsOptions {
  /** Phone number, pool, sender ID (or their ARNs) to send from; unset: EUM picks one */
  originationIdentity?: string | undefined
  configurationSet?: string | undefined
  protectConfigurationId?: string | undefined
  /** Most to pay per message part, USD as a decimal string: EUM refuses dearer destinations */
  maxPrice?: string | undefined
  /** Whole deadline of one send (all attempts and backoff) */
  deadlineMs: number
}

/**
 * SMS through EUM SendTextMessage (SMS_PROVIDER=eum): transactional, with the account's protections.
 * Like SNS, a send that may have reached EUM (a timeout once sent) is reported as SmsOutcomeUnknown.
 */
export function createEumSmsSender(client: PinpointSMSVoiceV2Client, opts: EumSmsOptions): SmsSender {
  return {
    async send({ to, body }) {
      await sendOnce('EUM SMS', client, opts.deadlineMs, (abortSignal) =>
        client.send(
          new SendTextMessageCommand({
            DestinationPhoneNumber: to,
            MessageBody: body,
            MessageType: 'TRANSACTIONAL',
            ...(opts.originationIdentity ? { OriginationIdentity: opts.originationIdentity } : {}),
            ...(opts.configurationSet ? { ConfigurationSetName: opts.configurationSet } : {}),
            ...(opts.protectConfigurationId ? { ProtectConfigurationId: opts.protectConfigurationId } : {}),
            ...(opts.maxPrice ? { MaxPrice: opts.maxPrice } : {}),
          }),
          { abortSignal },
        ),
      )
    },
  }
}
