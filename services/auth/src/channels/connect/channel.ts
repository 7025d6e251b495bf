import { PinlineError } from '../../core/errors.ts'
import type { CallerRegistry } from '../../core/ports.ts'
import type { Verification } from '../../core/verification.ts'
import {
  actionOf,
  callerNumber,
  contactKey,
  dtmfPin,
  requestedLanguage,
  requestedPurpose,
  wantsResend,
  type ContactFlowEvent,
} from './event.ts'
import { flag, profile, success, type ConnectResult } from './string-map.ts'

export interface ConnectChannelOptions {
  verification: Verification
  callers: CallerRegistry
  /** trust: a known caller ID authenticates; verify: it is only a claim and known callers need a PIN too. */
  callerIdAuth: 'trust' | 'verify'
  now?: () => number
}

export type ConnectChannel = ReturnType<typeof createConnectChannel>

/** What the route already knows about the event: the caller's number in E.164, as the limits normalised it. */
export interface Known {
  callerE164?: string | undefined
}

/**
 * Amazon Connect's contact-flow Lambda contract mapped onto the verification core.
 * Each action returns the flat string map a flow reads as $.External.*; every failure
 * is a PinlineError, which the route turns into {lambdaResult: "Error", errorCode}.
 * No auth decisions are made here: the core issues, counts and enrols.
 */
export function createConnectChannel({
  verification: v,
  callers,
  callerIdAuth,
  now = Date.now,
}: ConnectChannelOptions) {
  async function lookup(e: ContactFlowEvent, _client?: string, known?: Known): Promise<ConnectResult> {
    const caller = await callers.get(known?.callerE164 ?? v.phone(callerNumber(e)))
    if (!caller) return success({ recordFound: 'False', authRequired: 'True' })
    if (callerIdAuth === 'trust') return success({ recordFound: 'True', authRequired: 'False', ...profile(caller) })
    // Caller ID can be spoofed: until the PIN is right, say only which language to speak.
    return success({ recordFound: 'True', authRequired: 'True', language: caller.language })
  }

  async function sendPin(e: ContactFlowEvent, client?: string): Promise<ConnectResult> {
    // Keyed by the contact: Connect's retry of this invocation finds the challenge and sends nothing.
    const channel = e.Details.Parameters?.channel
    let challenge = await v.issue({
      phone: callerNumber(e),
      locale: requestedLanguage(e),
      purpose: requestedPurpose(e),
      enrol: true,
      idempotencyKey: contactKey(e),
      via: 'connect',
      channel,
      client,
    })
    // "Press 1 to get the code by a call instead": a resend may switch the channel (auto keeps it).
    if (!challenge.sent && wantsResend(e))
      challenge = await v.resend(challenge.challengeId, client, { channel: channel === 'auto' ? undefined : channel })
    const expiresInSeconds = Math.max(0, Math.ceil((challenge.expiresAt - now()) / 1000))
    return success({
      challengeId: challenge.challengeId,
      expiresInSeconds: String(expiresInSeconds),
      channel: challenge.channel,
    })
  }

  async function verifyPin(e: ContactFlowEvent): Promise<ConnectResult> {
    const pin = dtmfPin(e)
    // The caller's own number is required even with an explicit challengeId, and the challenge
    // must have been issued to it: a flow cannot be talked into verifying someone else's PIN.
    const phone = callerNumber(e)
    const given = e.Details.Parameters?.challengeId
    if (given && !v.isChallengeFor(given, phone)) throw new PinlineError('CHALLENGE_NOT_FOUND')
    const id = given || v.challengeIdFor(phone, contactKey(e))
    // An approval is proved to the agent's desktop and back-ends by an assertion bound to this contact.
    const result = await v.verify(id, pin, { via: 'connect', ref: e.Details.ContactData.ContactId })
    const common = {
      pinVerified: flag(result.status === 'approved'),
      status: result.status,
      attemptsLeft: String(result.attemptsLeft),
    }
    switch (result.status) {
      case 'approved':
        return success({
          ...common,
          ...(result.caller ? profile(result.caller) : {}),
          ...(result.assertion ? { pinlineAssertion: result.assertion } : {}),
        })
      case 'rejected':
        return success(common)
      case 'locked':
        return success({ ...common, retryAfterSeconds: String(result.retryAfterSeconds) })
    }
  }

  const actions = { lookup, sendPin, verifyPin }

  return {
    /** Throws PinlineError for every failure; the caller maps it with errorMap(). */
    async handle(e: ContactFlowEvent, client?: string, known?: Known): Promise<ConnectResult> {
      const action = actionOf(e)
      if (!Object.hasOwn(actions, action))
        throw new PinlineError('VALIDATION_FAILED', {
          message: 'Parameters.action must be lookup, sendPin or verifyPin',
        })
      return actions[action](e, client, known)
    },
  }
}
