import { randomUUID } from 'node:crypto'
import { PinlineError } from './errors.ts'
import type { AssertionClaims, AssertionSigner, ChallengeFacts, Transaction, Via } from './ports.ts'

// Signed proof of a verification that back-ends can check on their own: who (the number's
// keyed hash), how (RFC 8176 amr: a one-time code by SMS or by phone call), where (`via`: REST,
// Connect or Lex, and what it is bound to: a Connect contact, a Lex session, a REST challenge), for what (the
// purpose, and an amount and payee when given, as PSD2 dynamic linking asks), and until when.

export interface AssertionPolicy {
  issuer: string
  ttlSeconds: number
}

/** What an approval happened in; the assertion names it as `<via>:<ref>`. */
export interface Binding {
  via: Via
  /** REST: the challenge id; Connect: the ContactId; Lex: the Lex sessionId */
  ref: string
}

export const bindingClaim = (b: Binding): string => `${b.via}:${b.ref}`

/** RFC 8176 values: otp (a one-time code), sent by sms or read out on a telephone call (tel). */
const AMR = { sms: ['otp', 'sms'], voice: ['otp', 'tel'] } as const

/** What a system about to act checks an assertion against: all given fields must match. */
export interface Expected {
  binding: string
  purpose: string
  transaction?: Partial<Transaction> | undefined
}

export type Assertions = ReturnType<typeof createAssertions>

export function createAssertions(signer: AssertionSigner, policy: AssertionPolicy, now: () => number = Date.now) {
  return {
    policy,

    /** A signed assertion for an approval; never for a caller known only by caller ID. */
    issue(facts: ChallengeFacts, binding: Binding): Promise<string> {
      const iat = Math.floor(now() / 1000)
      const t = facts.transaction
      return signer.sign({
        iss: policy.issuer,
        sub: facts.phoneId,
        amr: [...AMR[facts.delivery]],
        via: binding.via,
        binding: bindingClaim(binding),
        purpose: facts.purpose,
        ...(t ? { amount: t.amount, currency: t.currency, payee: t.payee } : {}),
        iat,
        exp: iat + policy.ttlSeconds,
        jti: randomUUID(),
      })
    },

    /**
     * Checks signature, issuer, type and expiry, then that it was made for this binding and
     * purpose (and transaction, for each field given). Throws a 422 ASSERTION_* otherwise.
     */
    async check(token: string, expected: Expected): Promise<AssertionClaims> {
      const r = await signer.check(token)
      if (r.kind === 'invalid') throw new PinlineError('ASSERTION_INVALID')
      if (r.kind === 'expired') throw new PinlineError('ASSERTION_EXPIRED')
      const c = r.claims
      if (c.binding !== expected.binding) throw new PinlineError('ASSERTION_BINDING_MISMATCH')
      if (c.purpose !== expected.purpose) throw new PinlineError('ASSERTION_PURPOSE_MISMATCH')
      const t = expected.transaction ?? {}
      for (const field of ['amount', 'currency', 'payee'] as const) {
        if (t[field] !== undefined && c[field] !== t[field]) throw new PinlineError('ASSERTION_TRANSACTION_MISMATCH')
      }
      return c
    },
  }
}
