import { PinlineError } from './errors.ts'
import type { CappedCounter, Delivery, SpendCounter, SpendCounters, VerificationEvents } from './ports.ts'

/** What stands between a valid request and an SMS bill (SMS pumping), besides the per-phone caps. */
export interface SpendPolicy {
  /** ISO 3166-1 alpha-2 codes PINs may be sent to, or '*' for anywhere. */
  allowedCountries: '*' | readonly string[]
  /** The prefix of a number is the number without this many last digits. */
  prefixDropDigits: number
  prefixMaxSends: number
  /** Known (enrolled) callers count against a prefix budget of their own; 0 = they share the strangers' one. */
  prefixKnownMaxSends: number
  prefixWindowSeconds: number
  /** SMS per UTC day, the whole fleet together. */
  dailyLimit: number
  /** SMS per API key per window: a leaked or abused key cannot spend the day's budget alone. */
  clientMaxSends: number
  clientWindowSeconds: number
  /** PIN calls per UTC day, the whole fleet together: a call costs more than an SMS. */
  voiceDailyLimit: number
}

const DAY_MS = 86_400_000
const seconds = (ms: number) => Math.max(1, Math.ceil(ms / 1000))
const ignore = () => undefined

export type SpendGuard = ReturnType<typeof createSpendGuard>

export function createSpendGuard(spend: SpendCounters, policy: SpendPolicy, events: VerificationEvents = {}) {
  const allowed = policy.allowedCountries === '*' ? undefined : new Set(policy.allowedCountries)

  return {
    /**
     * Throws DESTINATION_NOT_ALLOWED unless PINs may go to `country`. Numbers with no country
     * (international networks such as +882, +979: favourites of SMS pumping) only pass with '*'.
     */
    checkDestination(country: string | undefined): void {
      if (!allowed || (country !== undefined && allowed.has(country))) return
      events.smsRefused?.('country')
      throw new PinlineError('DESTINATION_NOT_ALLOWED')
    },

    /**
     * Counts one SMS to `e164` against the client (the API key's name, when known), its prefix,
     * and the day, and returns how to take them back. What the attacker controls comes first, so
     * one key is stopped before it spends the budgets others share. The counters are taken in one
     * step, all or none: a refusal (or a Redis error) leaves no count behind.
     */
    async take(
      e164: string,
      now: number,
      client?: string,
      known = false,
      delivery: Delivery = 'sms',
    ): Promise<() => Promise<void>> {
      const ownBudget = known && policy.prefixKnownMaxSends > 0
      const prefix: SpendCounter = {
        kind: 'prefix',
        prefix: e164.slice(0, -policy.prefixDropDigits),
        ...(ownBudget ? { known: true } : {}),
      }
      // One counter per UTC day that expires at the day's end: Retry-After is the time to midnight.
      const untilMidnight = DAY_MS - (now % DAY_MS)
      const date = new Date(now).toISOString().slice(0, 10)
      const voice = delivery === 'voice'
      const day: SpendCounter = voice ? { kind: 'voice_day', day: date } : { kind: 'day', day: date }
      const counters: CappedCounter[] = [
        ...(client === undefined
          ? []
          : [
              {
                counter: { kind: 'client', client } as const,
                max: policy.clientMaxSends,
                windowMs: policy.clientWindowSeconds * 1000,
              },
            ]),
        {
          counter: prefix,
          max: ownBudget ? policy.prefixKnownMaxSends : policy.prefixMaxSends,
          windowMs: policy.prefixWindowSeconds * 1000,
        },
        { counter: day, max: voice ? policy.voiceDailyLimit : policy.dailyLimit, windowMs: untilMidnight },
      ]
      const r = await spend.take(counters)
      if (r.kind === 'full') {
        switch (r.counter.kind) {
          case 'client':
            events.smsRefused?.('client')
            throw new PinlineError('CLIENT_SEND_LIMIT', { retryAfter: seconds(r.retryAfterMs) })
          case 'prefix':
            events.smsRefused?.('prefix')
            throw new PinlineError('PREFIX_SEND_LIMIT', { retryAfter: seconds(r.retryAfterMs) })
          default:
            events.smsRefused?.(voice ? 'voice_budget' : 'budget')
            throw new PinlineError(voice ? 'VOICE_BUDGET_EXCEEDED' : 'SMS_BUDGET_EXCEEDED', {
              retryAfter: seconds(untilMidnight),
            })
        }
      }
      const taken = counters.map((c) => c.counter)
      return async () => {
        await spend.giveBack(taken).catch(ignore)
      }
    },
  }
}
