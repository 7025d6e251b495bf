import { PublishCommand, SNSClient, type MessageAttributeValue } from '@aws-sdk/client-sns'
import type { SmsSender } from '../../core/ports.ts'

export interface SnsSenderOptions {
  senderId?: string | undefined
  originationNumber?: string | undefined
  timeoutMs: number
  maxAttempts: number
}

/**
 * SMS through Amazon SNS Publish. The client takes region, credentials and
 * AWS_ENDPOINT_URL_SNS from the SDK's default chain. The SDK retries throttling and
 * 5xx with backoff (maxAttempts in all). It also retries a request that timed out;
 * SNS may have accepted that one, so a very slow SNS can deliver a second SMS with
 * the same PIN (harmless: same code) rather than none.
 */
export function createSnsSender(opts: SnsSenderOptions, client?: SNSClient): SmsSender {
  const sns = client ?? new SNSClient({
    maxAttempts: opts.maxAttempts,
    // Without throwOnRequestTimeout the SDK only warns and waits forever on a hung endpoint.
    requestHandler: { requestTimeout: opts.timeoutMs, throwOnRequestTimeout: true, connectionTimeout: Math.min(opts.timeoutMs, 2000) },
  })
  const attributes: Record<string, MessageAttributeValue> = {
    'AWS.SNS.SMS.SMSType': { DataType: 'String', StringValue: 'Transactional' },
  }
  if (opts.senderId) attributes['AWS.SNS.SMS.SenderID'] = { DataType: 'String', StringValue: opts.senderId }
  if (opts.originationNumber) attributes['AWS.MM.SMS.OriginationNumber'] = { DataType: 'String', StringValue: opts.originationNumber }

  return {
    async send({ to, body }) {
      await sns.send(new PublishCommand({ PhoneNumber: to, Message: body, MessageAttributes: attributes }))
    },
  }
}
