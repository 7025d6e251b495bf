import { PinpointSMSVoiceV2Client, type PinpointSMSVoiceV2ClientConfig } from '@aws-sdk/client-pinpoint-sms-voice-v2'
import { sendOnceClientConfig } from '../sms/send-once.ts'

export interface EumClientOptions {
  timeoutMs: number
  maxAttempts: number
}

/**
 * AWS End User Messaging SMS and Voice v2 (the pinpoint-sms-voice-v2 API). Region, credentials
 * and AWS_ENDPOINT_URL_PINPOINT_SMS_VOICE_V2 come from the SDK's default chain. Like SNS it takes
 * no idempotency key, so an attempt that may have reached it is never retried (no duplicate SMS
 * or call); throttling, 5xx and connections that never opened are.
 */
export function createEumClient(
  opts: EumClientOptions,
  clientConfig: PinpointSMSVoiceV2ClientConfig = {},
): PinpointSMSVoiceV2Client {
  return new PinpointSMSVoiceV2Client({ ...sendOnceClientConfig(opts), ...clientConfig })
}
