// Amazon Connect's "Invoke AWS Lambda function" handler: forwards the ContactFlowEvent to
// pinline and returns the STRING_MAP it answers. It never throws: a thrown error makes
// Connect retry in silence for up to 8 s and then take the Error branch anyway. And it
// never returns a success it did not receive: on any failure the flow gets
// {lambdaResult: "Error", errorCode: "SERVICE_UNAVAILABLE"}, which it can branch on.
import type { ErrorCode } from '../services/auth/src/core/errors.ts'
import { forward, readForwardConfig, type ForwardConfig } from './lib/forward.ts'
import { FALLBACK_LOG_MESSAGES, MISCONFIGURED_LOG_MESSAGES } from './lib/fallback-log.ts'
import { DEFAULT_TIMEOUT_MS } from './lib/timeouts.ts'

type StringMap = Record<string, string>

const FALLBACK_CODE: ErrorCode = 'SERVICE_UNAVAILABLE'
const MAX_MAP_BYTES = 32 * 1024 // Connect refuses a response of 32 KB or more
const LAMBDA_MARGIN_MS = 250 // leave the runtime time to return before the function timeout

// Read once per cold start. A bad variable is logged by name and every invocation then
// falls back at once, rather than failing the init (which Connect would also retry).
const config = loadConfig()

/** The Lambda handler (runtime nodejs24.x, handler connect.handler). */
export async function handler(
  event: unknown,
  context?: { getRemainingTimeInMillis?: () => number },
): Promise<StringMap> {
  const started = Date.now()
  try {
    if (!config) return fallback('config', event, started)
    // Never outlive the function: a Lambda killed at its timeout is an error to Connect.
    const remaining = context?.getRemainingTimeInMillis?.()
    const timeoutMs =
      remaining === undefined ? config.timeoutMs : Math.max(1, Math.min(config.timeoutMs, remaining - LAMBDA_MARGIN_MS))
    const res = await forward({ ...config, timeoutMs }, event)
    if (!res.ok) return fallback(res.reason, event, started, res.status)
    if (!isConnectResult(res.body)) return fallback('invalid-map', event, started)
    return res.body
  } catch {
    return fallback('exception', event, started)
  }
}

function loadConfig(): ForwardConfig | undefined {
  try {
    return readForwardConfig('/v1/channels/connect', DEFAULT_TIMEOUT_MS.connect)
  } catch (err) {
    log({ reason: 'config', message: (err as Error).message }, MISCONFIGURED_LOG_MESSAGES.connect)
    return undefined
  }
}

/** Only a flat map of strings with lambdaResult Success or Error, under 32 KB, reaches the flow. */
function isConnectResult(body: unknown): body is StringMap {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return false
  if (!Object.values(body).every((v) => typeof v === 'string')) return false
  const map = body as StringMap
  if (map.lambdaResult !== 'Success' && !(map.lambdaResult === 'Error' && map.errorCode)) return false
  return Buffer.byteLength(JSON.stringify(map)) < MAX_MAP_BYTES
}

function fallback(reason: string, event: unknown, started: number, status?: number): StringMap {
  // Contact id and action identify the call in CloudWatch; the event itself (number, PIN) is never logged.
  const details = (
    event as { Details?: { ContactData?: { ContactId?: unknown }; Parameters?: { action?: unknown } } } | null
  )?.Details
  const contactId = typeof details?.ContactData?.ContactId === 'string' ? details.ContactData.ContactId : undefined
  const action = typeof details?.Parameters?.action === 'string' ? details.Parameters.action.slice(0, 20) : undefined
  log({ reason, status, contactId, action, elapsedMs: Date.now() - started })
  return { lambdaResult: 'Error', errorCode: FALLBACK_CODE }
}

function log(fields: Record<string, unknown>, msg: string = FALLBACK_LOG_MESSAGES.connect.fellBack): void {
  try {
    console.error(JSON.stringify({ level: 'error', msg, ...fields }))
  } catch {
    // logging must not be the thing that throws
  }
}
