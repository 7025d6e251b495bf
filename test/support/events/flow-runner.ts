import { readFileSync } from 'node:fs'
import { runContactFlow, type CallRecord as FlowCall, type Flow } from '../../../web/src/flow/interpreter.ts'

// The contact flow in connect/, run by the one interpreter the browser playground runs too
// (web/src/flow/interpreter.ts), with a scripted caller instead of a person on the keypad.

export type { Flow, FlowAction } from '../../../web/src/flow/interpreter.ts'

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
  /** ConnectParticipantWithLexBot: the bot session, resolving with the intent it ended on (see FlowHost.bot). */
  bot?(session: { prompt: string; sessionAttributes: Record<string, string> }): Promise<string>
}

export interface CallRecord extends FlowCall {
  /** The MessageParticipant prompts, in order (input prompts are not included). */
  said: string[]
}

export async function runFlow(flow: Flow, script: CallScript): Promise<CallRecord> {
  const said: string[] = []
  const keys = [...script.keys]
  const call = await runContactFlow(flow, {
    phone: script.phone,
    say: (text) => void said.push(text),
    async input() {
      const next = keys.shift()
      return next === undefined ? 'Timeout' : typeof next === 'function' ? next() : next
    },
    invoke: (parameters, attributes) => script.invoke(parameters, attributes),
    ...(script.bot ? { bot: ({ prompt, sessionAttributes }) => script.bot!({ prompt, sessionAttributes }) } : {}),
  })
  return { ...call, said }
}
