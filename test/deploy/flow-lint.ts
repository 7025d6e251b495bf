// A lint for Amazon Connect flows (Flow language, version 2019-10-30): what Connect would refuse
// on import, checked without Connect.

/**
 * Action types the Amazon Connect Flow language documents (Administrator Guide / API reference,
 * "Flow language actions"). A type outside this list is a typo or an undocumented action.
 */
export const CONNECT_ACTION_TYPES = [
  'CheckHoursOfOperation',
  'CheckMetricData',
  'CheckOutboundCallStatus',
  'CheckVoiceId',
  'Compare',
  'ConnectParticipantWithLexBot',
  'CreateCallbackContact',
  'CreateCase',
  'CreatePersistentContactAssociation',
  'CreateTask',
  'DisconnectParticipant',
  'DistributeByPercentage',
  'EndFlowExecution',
  'GetCustomerProfile',
  'GetMetricData',
  'GetParticipantInput',
  'InvokeFlowModule',
  'InvokeLambdaFunction',
  'Loop',
  'MessageParticipant',
  'MessageParticipantIteratively',
  'Resume',
  'ResumeContact',
  'ShowView',
  'StartOutboundChatContact',
  'TagContact',
  'TransferContactToAgent',
  'TransferContactToQueue',
  'TransferParticipantToThirdParty',
  'TransferToFlow',
  'UnTagContact',
  'UpdateContactAttributes',
  'UpdateContactCallbackNumber',
  'UpdateContactData',
  'UpdateContactEventHooks',
  'UpdateContactMediaProcessing',
  'UpdateContactMediaStreamingBehavior',
  'UpdateContactRecordingBehavior',
  'UpdateContactRoutingBehavior',
  'UpdateContactTargetQueue',
  'UpdateContactTextToSpeechVoice',
  'UpdateFlowLoggingBehavior',
  'UpdatePreviousContactParticipantState',
  'Wait',
] as const

interface Action {
  Identifier?: unknown
  Type?: unknown
  Transitions?: {
    NextAction?: unknown
    Conditions?: Array<{ NextAction?: unknown }>
    Errors?: Array<{ NextAction?: unknown }>
  }
}

/** The problems with a flow's content (as deployed: a JSON string); empty when there are none. */
export function lintFlow(content: string): string[] {
  let flow: { Version?: unknown; StartAction?: unknown; Actions?: Action[] }
  try {
    flow = JSON.parse(content)
  } catch (err) {
    return [`does not parse: ${(err as Error).message}`]
  }
  const problems: string[] = []
  if (flow.Version !== '2019-10-30') problems.push(`Version ${String(flow.Version)} is not 2019-10-30`)
  const actions = Array.isArray(flow.Actions) ? flow.Actions : []
  if (actions.length === 0) problems.push('no Actions')
  const ids = new Set<unknown>()
  for (const a of actions) {
    if (typeof a.Identifier !== 'string' || !a.Identifier) problems.push('an action without an Identifier')
    else if (ids.has(a.Identifier)) problems.push(`${a.Identifier} is defined twice`)
    ids.add(a.Identifier)
    if (!(CONNECT_ACTION_TYPES as readonly unknown[]).includes(a.Type))
      problems.push(`${String(a.Identifier)}: ${String(a.Type)} is not a documented action type`)
  }
  if (!ids.has(flow.StartAction)) problems.push(`StartAction ${String(flow.StartAction)} is not an action`)
  for (const a of actions) {
    const t = a.Transitions ?? {}
    const targets = [
      t.NextAction,
      ...(t.Conditions ?? []).map((c) => c.NextAction),
      ...(t.Errors ?? []).map((e) => e.NextAction),
    ]
    for (const target of targets) {
      if (target !== undefined && !ids.has(target))
        problems.push(`${String(a.Identifier)} -> ${String(target)}: no such action`)
    }
  }
  return problems
}
