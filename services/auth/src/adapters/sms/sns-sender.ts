import { PublishCommand, SNSClient, type MessageAttributeValue, type SNSClientConfig } from '@aws-sdk/client-sns'
import type { SmsSender } from '../../core/ports.ts'
import { snsSendDeadlineMs } from './send-deadline.ts'
import { sendOnce, sendOnceClientConfig } from './send-once.ts'

export { snsSendDeadlineMs }

export interface SnsSenderOptions {
  senderId?: string | undefined
  originationNumber?: string | undefined
  timeoutMs: number
  maxAttempts: number
}

/**
 * SMS through Amazon SNS Publish. The client takes region, credentials and
 * AWS_ENDPOINT_URL_SNS from the SDK's default chain (`clientConfig` overrides them, for tests).
 * Throttling, 5xx and connections that never opened are retried with the SDK's backoff
 * (maxAttempts in all); a request that timed out is not, so SNS never gets the same message twice
 * from us. A slow SNS then costs the user a retry rather than a duplicate SMS.
 */
export function createSnsSender(opts: SnsSenderOptions, clientConfig: SNSClientConfig = {}): SmsSender {
  const sns = new SNSClient({ ...sendOnceClientConfig(opts), ...clientConfig })
  const deadlineMs = snsSendDeadlineMs(opts)
  const attributes: Record<string, MessageAttributeValue> = {
    'AWS.SNS.SMS.SMSType': { DataType: 'String', StringValue: 'Transactional' },
  }
  if (opts.senderId) attributes['AWS.SNS.SMS.SenderID'] = { DataType: 'String', StringValue: opts.senderId }
  if (opts.originationNumber)
    attributes['AWS.MM.SMS.OriginationNumber'] = { DataType: 'String', StringValue: opts.originationNumber }

  return {
    async send({ to, body }) {
      await sendOnce('SNS SMS', sns, deadlineMs, (abortSignal) =>
        sns.send(new PublishCommand({ PhoneNumber: to, Message: body, MessageAttributes: attributes }), {
          abortSignal,
        }),
      )
    },
  }
}
