import { readFileSync } from 'node:fs'
import { Stack } from 'aws-cdk-lib'
import { CfnContactFlow } from 'aws-cdk-lib/aws-connect'
import { Construct } from 'constructs'

/**
 * Placeholders a flow file in connect/ may carry where the deploy app fills in an ARN or id:
 * the usual names anywhere, and inside an ARN any upper-case name ending in _ID (BOT_ALIAS_ID…).
 * (Outside ARNs such names can be values: pinlineAuthMethod = CALLER_ID.)
 */
export const FLOW_PLACEHOLDER = /\b(?:REGION|ACCOUNT_ID|INSTANCE_ID|QUEUE_ID|FLOW_ID|BOT_ID|BOT_ALIAS_ID|ALIAS_ID)\b/
const ARN_PLACEHOLDER = /\b[A-Z]+(?:_[A-Z]+)*_ID\b/

/** The placeholder left in a flow string value, if any. */
export function placeholderIn(value: string): string | undefined {
  return (FLOW_PLACEHOLDER.exec(value) ?? (value.includes('arn:') ? ARN_PLACEHOLDER.exec(value) : null))?.[0]
}

export interface ContactFlowFileProps {
  instanceArn: string
  /** The flow file (Flow language JSON), e.g. connect/pinline-caller-auth.json. */
  file: string | URL
  name: string
  description?: string
  /** CONTACT_FLOW (inbound) unless said otherwise. */
  type?: string
  /**
   * Placeholder string value in the file -> what to deploy instead (usually a token, e.g. a
   * function ARN). A value is replaced only where a whole JSON string equals the key.
   */
  substitutions: Record<string, string>
}

/**
 * Substitutes whole string values of a parsed flow. Throws if a key is never used (the file and
 * the app have drifted apart) or if a placeholder is left anywhere in the result.
 */
export function substituteFlow(flow: unknown, substitutions: Record<string, string>, where = 'the flow'): unknown {
  const used = new Set<string>()
  const walk = (value: unknown, path: string): unknown => {
    if (typeof value === 'string') {
      if (Object.hasOwn(substitutions, value)) {
        used.add(value)
        return substitutions[value]
      }
      const left = placeholderIn(value)
      if (left)
        throw new Error(
          `${where}: placeholder ${left} left at ${path} (${value.slice(0, 120)}); add it to the substitutions`,
        )
      return value
    }
    if (Array.isArray(value)) return value.map((v, i) => walk(v, `${path}[${i}]`))
    if (value && typeof value === 'object')
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, walk(v, `${path}.${k}`)]))
    return value
  }
  const result = walk(flow, '$')
  const unused = Object.keys(substitutions).filter((k) => !used.has(k))
  if (unused.length > 0) throw new Error(`${where}: substitutions never used: ${unused.join(', ')}`)
  return result
}

/** A contact flow from a file in connect/, with the app's ARNs in place of its placeholders; fails synth if one is left. */
export class ContactFlowFile extends Construct {
  readonly flow: CfnContactFlow

  constructor(scope: Construct, id: string, props: ContactFlowFileProps) {
    super(scope, id)
    const parsed: unknown = JSON.parse(readFileSync(props.file, 'utf8'))
    const content = substituteFlow(parsed, props.substitutions, String(props.file))
    this.flow = new CfnContactFlow(this, 'Flow', {
      instanceArn: props.instanceArn,
      name: props.name,
      type: props.type ?? 'CONTACT_FLOW',
      description: props.description,
      state: 'ACTIVE',
      content: Stack.of(this).toJsonString(content),
    })
  }
}
