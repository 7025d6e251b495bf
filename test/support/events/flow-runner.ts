import { readFileSync } from 'node:fs'

// A small interpreter for the contact flow in connect/, covering just the actions that flow
// uses, with the semantics the Connect docs give them. It checks that the flow's branches
// match what the channel really answers; it is not Amazon Connect.

export type Flow = { Version?: string; StartAction: string; Actions: FlowAction[] }
export type FlowAction = {
  Identifier: string
  Type: string
  Parameters: Record<string, any>
  Transitions: {
    NextAction?: string
    Conditions?: Array<{ NextAction: string; Condition: { Operator: string; Operands: string[] } }>
    Errors?: Array<{ NextAction: string; ErrorType: string }>
  }
}

/** The contact flows in connect/, by file name. */
export const FLOW_FILES = ['pinline-caller-auth.json', 'pinline-lex-order.json'] as const

export function loadFlow(file: (typeof FLOW_FILES)[number] = 'pinline-caller-auth.json'): Flow {
  return JSON.parse(readFileSync(new URL(`../../../connect/${file}`, import.meta.url), 'utf8'))
}

export interface CallScript {
  phone: string | null
  /** What the caller keys in at each "Store customer input"; "Timeout" when the list runs out. */
  keys: Array<string | (() => string)>
  /** The Lambda: gets the ContactFlowEvent's Parameters and contact attributes, returns its answer. */
  invoke(parameters: Record<string, string>, attributes: Record<string, string>): Promise<unknown>
}

export interface CallRecord {
  said: string[]
  attributes: Record<string, string>
  invocations: Array<Record<string, string>>
  queue: string | undefined
  transferred: boolean
}

export async function runFlow(flow: Flow, script: CallScript): Promise<CallRecord> {
  const byId = new Map(flow.Actions.map((a) => [a.Identifier, a]))
  const call: CallRecord = { said: [], attributes: {}, invocations: [], queue: undefined, transferred: false }
  let external: Record<string, string> = {}
  let stored = ''
  const loops = new Map<string, number>()
  const keys = [...script.keys]

  const resolve = (value: string): string | undefined => {
    if (value === '$.CustomerEndpoint.Address') return script.phone ?? undefined
    if (value === '$.StoredCustomerInput') return stored
    if (value.startsWith('$.Attributes.')) return call.attributes[value.slice(13)]
    if (value.startsWith('$.External.')) return external[value.slice(11)]
    if (value.startsWith('$.')) throw new Error(`the runner does not know ${value}`)
    return value
  }
  const resolveAll = (map: Record<string, string>) =>
    Object.fromEntries(Object.entries(map).flatMap(([k, v]) => {
      const r = resolve(v)
      return r === undefined ? [] : [[k, r]]
    }))
  const onError = (a: FlowAction, type: string) => a.Transitions.Errors?.find((e) => e.ErrorType === type)?.NextAction
  const onValue = (a: FlowAction, value: string | undefined) =>
    a.Transitions.Conditions?.find((c) => c.Condition.Operator === 'Equals' && c.Condition.Operands.includes(value ?? '\0'))?.NextAction

  let id: string | undefined = flow.StartAction
  for (let steps = 0; id; steps++) {
    if (steps > 300) throw new Error('the flow did not end within 300 steps')
    const a = byId.get(id)
    if (!a) throw new Error(`no action ${id}`)
    const p = a.Parameters
    switch (a.Type) {
      case 'UpdateContactAttributes':
        Object.assign(call.attributes, resolveAll(p.Attributes))
        id = a.Transitions.NextAction
        break
      case 'InvokeLambdaFunction': {
        const parameters = resolveAll(p.LambdaInvocationAttributes ?? {})
        call.invocations.push(parameters)
        const answer = await script.invoke(parameters, { ...call.attributes })
        const flat = typeof answer === 'object' && answer !== null && Object.values(answer).every((v) => typeof v === 'string')
        // A response STRING_MAP validation refuses takes the Error branch, like a failed invocation.
        if (!flat) {
          id = onError(a, 'NoMatchingError')
          break
        }
        external = answer as Record<string, string>
        id = a.Transitions.NextAction
        break
      }
      case 'Compare':
        id = onValue(a, resolve(p.ComparisonValue)) ?? onError(a, 'NoMatchingCondition')
        break
      case 'MessageParticipant':
        call.said.push(p.Text)
        id = a.Transitions.NextAction
        break
      case 'Loop': {
        const count = (loops.get(a.Identifier) ?? 0) + 1
        loops.set(a.Identifier, count)
        id = onValue(a, count <= Number(p.LoopCount) ? 'ContinueLooping' : 'DoneLooping')
        break
      }
      case 'GetParticipantInput': {
        const next = keys.shift()
        stored = next === undefined ? 'Timeout' : typeof next === 'function' ? next() : next
        id = a.Transitions.NextAction
        break
      }
      case 'UpdateContactTargetQueue':
        call.queue = p.QueueId
        id = a.Transitions.NextAction
        break
      case 'TransferContactToQueue':
        call.transferred = true
        id = undefined
        break
      case 'DisconnectParticipant':
        id = undefined
        break
      default:
        throw new Error(`the runner does not know ${a.Type}`)
    }
  }
  return call
}
