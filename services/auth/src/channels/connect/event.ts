import { PinlineError } from '../../core/errors.ts'
import { toLocale } from '../../core/messages.ts'
import type { ConnectParameters, ContactFlowEvent } from '../../schemas/connect.ts'

// Reads an Amazon Connect ContactFlowEvent (its schema: schemas/connect.ts). Anything not
// named there is ignored, never refused.
export type { ContactFlowEvent }

export type ConnectAction = NonNullable<ConnectParameters['action']>

const params = (e: ContactFlowEvent): ConnectParameters => e.Details.Parameters ?? {}

/** A flow that passes no action parameter asks for a lookup. */
export function actionOf(e: ContactFlowEvent): ConnectAction {
  return params(e).action ?? 'lookup'
}

/**
 * The caller's number as Connect gave it: the flow's CallerID parameter (the sample
 * flow in connect/ sets it), else the customer endpoint. Only voice contacts have one; a number without a
 * single digit is a withheld one ("anonymous" and the like), not a typo.
 */
export function callerNumber(e: ContactFlowEvent): string {
  const data = e.Details.ContactData
  if (data.Channel && data.Channel !== 'VOICE') throw new PinlineError('CALLER_NUMBER_UNAVAILABLE')
  const endpoint = data.CustomerEndpoint
  const fromEndpoint =
    endpoint && (endpoint.Type ?? 'TELEPHONE_NUMBER') === 'TELEPHONE_NUMBER' ? endpoint.Address : undefined
  const number = params(e).CallerID || fromEndpoint
  if (!number || !/[0-9]/.test(number)) throw new PinlineError('CALLER_NUMBER_UNAVAILABLE')
  return number
}

/** Binds a challenge to this contact: Connect's retries of sendPin find the same one. */
export function contactKey(e: ContactFlowEvent): string {
  return `connect:${e.Details.ContactData.ContactId}`
}

/**
 * The first language we can speak of: the flow's language parameter, the contact's `language`
 * attribute, its language code (set by the Set voice block). None: the core's default.
 */
export function requestedLanguage(e: ContactFlowEvent): string | undefined {
  const data = e.Details.ContactData
  const candidates = [params(e).language, data.Attributes?.language, data.LanguageCode]
  return candidates.find((c): c is string => typeof c === 'string' && toLocale(c) !== undefined)
}

/** What the flow asks the PIN for; the route's schema has checked its form. */
export function requestedPurpose(e: ContactFlowEvent): string {
  return params(e).purpose || 'connect'
}

export function wantsResend(e: ContactFlowEvent): boolean {
  return params(e).resend?.toLowerCase() === 'true'
}

/**
 * The PIN as "Store customer input" saved it: DTMF may end with the # terminator, and a
 * caller who pressed nothing leaves "Timeout" or an empty string. Those are not wrong
 * PINs and cost no attempt; the core refuses any other malformed input the same way.
 */
export function dtmfPin(e: ContactFlowEvent): string {
  const raw = params(e).pin ?? ''
  const pin = raw.endsWith('#') ? raw.slice(0, -1) : raw
  if (pin === '' || pin === 'Timeout') throw new PinlineError('PIN_NOT_ENTERED')
  return pin
}
