// An interpreter for Amazon Connect contact flows (Flow language 2019-10-30), covering the
// action types pinline's flows use, with the semantics the Connect docs give them. One copy
// runs in the browser playground (a person on the keypad) and in the Node tests (a scripted
// caller), so the files that get deployed, connect/pinline-caller-auth.json and
// connect/pinline-lex-order.json, are the files both run. It is not Amazon Connect: it exists
// to show and test those flows against the real channels.
// No DOM and no Node APIs here: both sides import this file as it is.

export type Flow = { Version?: string; StartAction: string; Actions: FlowAction[] }
export type FlowAction = {
  Identifier: string
  Type: string
  // biome-ignore lint/suspicious/noExplicitAny: each action type has its own parameters; the flow file is their contract
  Parameters: Record<string, any>
  Transitions: {
    NextAction?: string
    Conditions?: Array<{ NextAction: string; Condition: { Operator: string; Operands: string[] } }>
    Errors?: Array<{ NextAction: string; ErrorType: string }>
  }
}

/** What the flow needs from the world around it: the caller, the Lambda, and someone to talk to. */
export interface FlowHost {
  /** $.CustomerEndpoint.Address; null for a withheld number. */
  phone: string | null
  /** $.LanguageCode of the contact (e.g. en-US, ja-JP). */
  languageCode?: string
  /** MessageParticipant: a prompt the caller hears. */
  say(text: string): void | Promise<void>
  /**
   * GetParticipantInput: plays `prompt` and resolves with what the caller keyed (the
   * termination key not included), or "Timeout" when nothing came in time.
   */
  input(prompt: string, action: FlowAction): Promise<string>
  /**
   * InvokeLambdaFunction: the ContactFlowEvent's Parameters and the contact attributes in,
   * the Lambda's answer out. A throw (or the time limit) takes the action's error branch.
   */
  invoke(parameters: Record<string, string>, attributes: Record<string, string>, signal: AbortSignal): Promise<unknown>
  /**
   * ConnectParticipantWithLexBot: the caller talks to the Lex V2 bot. `prompt` is the block's
   * Text (played first), `sessionAttributes` its LexSessionAttributes, resolved. Resolves when
   * the bot session ends, with the name of the intent it ended on (the block's Conditions
   * match it); a throw takes the block's NoMatchingError branch, as a failing bot does in Connect.
   * A host without it cannot run a flow that uses the block.
   */
  bot?(session: { prompt: string; sessionAttributes: Record<string, string>; action: FlowAction }): Promise<string>
  /** Every action as it starts: for a trace on screen; throwing here ends the call (a hang-up). */
  step?(action: FlowAction): void
}

export interface CallRecord {
  attributes: Record<string, string>
  invocations: Array<Record<string, string>>
  queue: string | undefined
  transferred: boolean
  /** The intent each bot session (ConnectParticipantWithLexBot) ended on; "" when the bot failed. */
  botIntents: string[]
  /** The last action the call ran (TransferContactToQueue or DisconnectParticipant on a normal end). */
  end: string | undefined
}

const MAX_STEPS = 300

/** Runs `flow` from its StartAction until the contact is transferred or disconnected. */
export async function runContactFlow(flow: Flow, host: FlowHost): Promise<CallRecord> {
  const byId = new Map(flow.Actions.map((a) => [a.Identifier, a]))
  const call: CallRecord = {
    attributes: {},
    invocations: [],
    botIntents: [],
    queue: undefined,
    transferred: false,
    end: undefined,
  }
  let external: Record<string, string> = {}
  let stored = ''
  const loops = new Map<string, number>()

  const resolve = (value: string): string | undefined => {
    if (typeof value !== 'string' || !value.startsWith('$.')) return value
    if (value === '$.CustomerEndpoint.Address') return host.phone ?? undefined
    if (value === '$.StoredCustomerInput') return stored
    if (value === '$.LanguageCode') return host.languageCode
    if (value === '$.Channel') return 'VOICE'
    if (value.startsWith('$.Attributes.')) return call.attributes[value.slice('$.Attributes.'.length)]
    if (value.startsWith('$.External.')) return external[value.slice('$.External.'.length)]
    throw new Error(`the flow interpreter does not know ${value}`)
  }
  const resolveAll = (map: Record<string, string> = {}) =>
    Object.fromEntries(
      Object.entries(map).flatMap(([k, v]) => {
        const r = resolve(v)
        return r === undefined ? [] : [[k, r]]
      }),
    )
  const onError = (a: FlowAction, type: string) => a.Transitions.Errors?.find((e) => e.ErrorType === type)?.NextAction
  const onValue = (a: FlowAction, value: string | undefined) =>
    a.Transitions.Conditions?.find((c) => matches(c.Condition.Operator, value, c.Condition.Operands))?.NextAction

  let id: string | undefined = flow.StartAction
  for (let steps = 0; id; steps++) {
    if (steps > MAX_STEPS) throw new Error(`the flow did not end within ${MAX_STEPS} steps`)
    const a = byId.get(id)
    if (!a) throw new Error(`the flow has no action ${id}`)
    host.step?.(a)
    call.end = a.Type
    const p = a.Parameters ?? {}
    switch (a.Type) {
      case 'UpdateContactAttributes':
        Object.assign(call.attributes, resolveAll(p.Attributes))
        id = a.Transitions.NextAction
        break
      case 'InvokeLambdaFunction': {
        const parameters = resolveAll(p.LambdaInvocationAttributes)
        call.invocations.push(parameters)
        const limit = AbortSignal.timeout(Number(p.InvocationTimeLimitSeconds ?? 8) * 1000)
        let answer: unknown
        try {
          answer = await host.invoke(parameters, { ...call.attributes }, limit)
        } catch {
          id = onError(a, 'NoMatchingError')
          break
        }
        // A response STRING_MAP validation refuses takes the error branch, like a failed invocation.
        const flat =
          typeof answer === 'object' &&
          answer !== null &&
          !Array.isArray(answer) &&
          Object.values(answer).every((v) => typeof v === 'string')
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
        await host.say(String(p.Text ?? ''))
        id = a.Transitions.NextAction
        break
      case 'Loop': {
        const count = (loops.get(a.Identifier) ?? 0) + 1
        loops.set(a.Identifier, count)
        id = onValue(a, count <= Number(p.LoopCount) ? 'ContinueLooping' : 'DoneLooping')
        break
      }
      case 'GetParticipantInput':
        stored = await host.input(String(p.Text ?? ''), a)
        id = a.Transitions.NextAction
        break
      case 'ConnectParticipantWithLexBot': {
        if (!host.bot) throw new Error('the flow hands the call to a Lex bot, and this host has none')
        const sessionAttributes = resolveAll(p.LexSessionAttributes)
        let intent: string
        try {
          intent = await host.bot({ prompt: String(p.Text ?? ''), sessionAttributes, action: a })
        } catch {
          call.botIntents.push('')
          id = onError(a, 'NoMatchingError')
          break
        }
        call.botIntents.push(intent)
        // No condition for the intent: NoMatchingCondition, else the block's default (NextAction).
        id = onValue(a, intent) ?? onError(a, 'NoMatchingCondition') ?? a.Transitions.NextAction
        break
      }
      case 'UpdateContactTextToSpeechVoice':
        // The voice the prompts are spoken in: a screen shows them as text.
        id = a.Transitions.NextAction
        break
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
        throw new Error(`the flow interpreter does not know the action type ${a.Type}`)
    }
  }
  return call
}

/** Compare's operators, as the Connect docs define them (numbers compare as numbers). */
function matches(operator: string, value: string | undefined, operands: string[]): boolean {
  if (value === undefined) return false
  const n = Number(value)
  const m = Number(operands[0])
  switch (operator) {
    case 'Equals':
      return operands.includes(value)
    case 'NumberGreaterThan':
      return n > m
    case 'NumberGreaterOrEqualTo':
      return n >= m
    case 'NumberLessThan':
      return n < m
    case 'NumberLessOrEqualTo':
      return n <= m
    case 'TextStartsWith':
      return operands.some((o) => value.startsWith(o))
    case 'TextEndsWith':
      return operands.some((o) => value.endsWith(o))
    case 'TextContains':
      return operands.some((o) => value.includes(o))
    default:
      throw new Error(`the flow interpreter does not know the Compare operator ${operator}`)
  }
}
