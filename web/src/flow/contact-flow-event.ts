// The ContactFlowEvent Amazon Connect sends to a Lambda from an "Invoke AWS Lambda function"
// block, in the shape of the Connect Administrator Guide's example (test/events/connect/): the
// contact's data, its attributes as they stand, and the block's parameters.

export interface ContactOptions {
  contactId: string
  /** The caller's number; null for a withheld one (Connect then sends no CustomerEndpoint). */
  phone: string | null
  /** The number the caller dialled. */
  systemNumber?: string
  languageCode?: string
  instanceArn?: string
}

export function contactFlowEvent(
  contact: ContactOptions,
  parameters: Record<string, string>,
  attributes: Record<string, string>,
) {
  const instanceArn =
    contact.instanceArn ?? 'arn:aws:connect:ap-northeast-1:111122223333:instance/00000000-0000-4000-8000-000000000000'
  return {
    Details: {
      ContactData: {
        Attributes: { ...attributes },
        Channel: 'VOICE',
        ContactId: contact.contactId,
        CustomerEndpoint: contact.phone === null ? null : { Address: contact.phone, Type: 'TELEPHONE_NUMBER' },
        InitialContactId: contact.contactId,
        InitiationMethod: 'INBOUND',
        InstanceARN: instanceArn,
        LanguageCode: contact.languageCode ?? 'en-US',
        PreviousContactId: contact.contactId,
        Queue: null,
        SystemEndpoint: { Address: contact.systemNumber ?? '+81120000000', Type: 'TELEPHONE_NUMBER' },
      },
      Parameters: { ...parameters },
    },
    Name: 'ContactFlowEvent',
  }
}
