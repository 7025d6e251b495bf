// The channel events the scenarios send, and the shim probes that time whichever bundles
// dist/shims holds with the same events.

/** A Connect ContactFlowEvent asking `lookup` for a caller (envelope as Connect sends it). */
export function connectLookupEvent(phone: string, contactId = '4a573372-1f28-4e26-b97b-000000000000') {
  return {
    Name: 'ContactFlowEvent',
    Details: {
      ContactData: {
        Attributes: {},
        Channel: 'VOICE',
        ContactId: contactId,
        InitialContactId: contactId,
        InitiationMethod: 'INBOUND',
        CustomerEndpoint: { Address: phone, Type: 'TELEPHONE_NUMBER' },
        SystemEndpoint: { Address: '+815012345678', Type: 'TELEPHONE_NUMBER' },
        InstanceARN: 'arn:aws:connect:ap-northeast-1:123456789012:instance/00000000-0000-0000-0000-000000000000',
        Queue: null,
        PreviousContactId: contactId,
      },
      Parameters: { action: 'lookup' },
    },
  }
}

/** A Lex V2 DialogCodeHook turn for GetFoodMenu, text, with the front end's `email` attribute. */
export function lexMenuEvent(email: string, sessionId = 'bench-session') {
  const intent = { name: 'GetFoodMenu', slots: {}, state: 'InProgress', confirmationState: 'None' }
  return {
    messageVersion: '1.0',
    invocationSource: 'DialogCodeHook',
    inputMode: 'Text',
    responseContentType: 'text/plain; charset=utf-8',
    sessionId,
    inputTranscript: 'What is on the menu?',
    bot: {
      id: 'BENCHBOT01',
      name: 'pinline',
      aliasId: 'TSTALIASID',
      aliasName: 'TestBotAlias',
      localeId: 'en_US',
      version: 'DRAFT',
    },
    interpretations: [{ intent, nluConfidence: 1 }],
    sessionState: { intent, sessionAttributes: { email } },
    transcriptions: [
      {
        transcription: 'What is on the menu?',
        transcriptionConfidence: 1,
        resolvedContext: { intent: 'GetFoodMenu' },
        resolvedSlots: {},
      },
    ],
  }
}

/** How each shim's added latency is measured: the route it forwards to and an event it can send. */
export interface ShimProbe {
  path: string
  event: (ctx: { phone: string; email: string }) => unknown
}

/** Keyed by bundle name (dist/shims/<name>.mjs). Side-effect-free events, so they can repeat. */
export const shimProbes: Record<string, ShimProbe> = {
  connect: { path: '/v1/channels/connect', event: ({ phone }) => connectLookupEvent(phone) },
  lex: { path: '/v1/channels/lex', event: ({ email }) => lexMenuEvent(email) },
}
