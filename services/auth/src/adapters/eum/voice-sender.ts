import {
  SendVoiceMessageCommand,
  type PinpointSMSVoiceV2Client,
  type VoiceId,
} from '@aws-sdk/client-pinpoint-sms-voice-v2'
import type { Locale, VoiceSender } from '../../core/ports.ts'
import { sendOnce } from '../sms/send-once.ts'

export interface EumVoiceOptions {
  /** A number (or pool) that can place voice calls: EUM requires one */
  originationIdentity: string
  configurationSet?: string | undefined
  protectConfigurationId?: string | undefined
  /** Most to pay per minute, USD as a decimal string */
  maxPricePerMinute?: string | undefined
  voices: Record<Locale, VoiceId>
  deadlineMs: number
}

/**
 * PINs read out on a call: EUM SendVoiceMessage with the core's SSML, in the locale's voice. A call
 * that may have been placed (a timeout once sent) is reported as SmsOutcomeUnknown, as for SMS.
 */
export function createEumVoiceSender(client: PinpointSMSVoiceV2Client, opts: EumVoiceOptions): VoiceSender {
  return {
    async call({ to, ssml, locale }) {
      await sendOnce('EUM voice call', client, opts.deadlineMs, (abortSignal) =>
        client.send(
          new SendVoiceMessageCommand({
            DestinationPhoneNumber: to,
            OriginationIdentity: opts.originationIdentity,
            MessageBody: ssml,
            MessageBodyTextType: 'SSML',
            VoiceId: opts.voices[locale],
            ...(opts.configurationSet ? { ConfigurationSetName: opts.configurationSet } : {}),
            ...(opts.protectConfigurationId ? { ProtectConfigurationId: opts.protectConfigurationId } : {}),
            ...(opts.maxPricePerMinute ? { MaxPricePerMinute: opts.maxPricePerMinute } : {}),
          }),
          { abortSignal },
        ),
      )
    },
  }
}
