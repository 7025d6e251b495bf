import fc from 'fast-check'
import type { FastifyInstance, InjectOptions } from 'fastify'
import { expect } from 'vitest'

export type InjectResponse = Awaited<ReturnType<FastifyInstance['inject']>>

export interface NoFaultOptions {
  /** What a grant looks like on this surface (REST: an approved verify; Connect: pinVerified "True"...). */
  isGrant(res: InjectResponse): boolean
  /** REST errors are {code, message}; a channel that answers errors in its own shape sets this false. */
  errorBody?: boolean
  /**
   * The surface's own contract, asserted on every answer. Channels answer their failures with
   * 200 in their own shape, so this is also where they prove no failure was ours (the in-band 5xx).
   */
  shape?(res: InjectResponse): void
  numRuns?: number
}

/**
 * The properties are about inputs, not limits: every cap and rate limit is lifted out of the way
 * (their own tests cover them), so thousands of runs meet the code that reads the input.
 */
export const LIMITS_OUT_OF_THE_WAY = {
  RATE_LIMIT_PER_KEY: '1000000',
  RATE_LIMIT_PER_IP: '1000000',
  CHANNEL_RATE_LIMIT_PER_KEY: '1000000',
  CHANNEL_RATE_LIMIT_PER_CONVERSATION: '100000',
  CHANNEL_RATE_LIMIT_PER_NUMBER: '100000',
  SMS_KEY_MAX_SENDS: '1000000',
  SMS_PREFIX_MAX_SENDS: '1000000',
  SMS_PREFIX_KNOWN_MAX_SENDS: '1000000',
  SMS_DAILY_LIMIT: '1000000',
  PHONE_MAX_SENDS: '100',
  PIN_MAX_ATTEMPTS: '10',
  PHONE_MAX_FAILURES: '100',
}

// Traces as V8 prints them, and the paths they would leak.
const STACK_TRACE = /\n\s+at |node:internal|\.(ts|js|mjs):\d+:\d+|\/services\/auth\//

const sent = (request: InjectOptions) => {
  const body = request.body ?? request.payload
  return typeof body === 'string' ? body : (JSON.stringify(body) ?? '')
}

/**
 * The property every input surface holds, whatever it is sent: never a 5xx, never a stack trace,
 * a {code, message} body for every refusal, Retry-After on every 429, and never a grant. A
 * surface is an arbitrary of requests; the Lex and Connect channels add theirs by passing their
 * own event arbitrary (e.g. POST /v1/channels/connect with fuzzed ContactFlowEvents) and their
 * own `isGrant` (pinVerified "True", auth "true"), with `errorBody: false` where errors travel
 * in the channel's own shape.
 */
export async function assertNoFaultNoGrant(
  app: FastifyInstance,
  requests: fc.Arbitrary<InjectOptions>,
  opts: NoFaultOptions,
): Promise<void> {
  await fc.assert(
    fc.asyncProperty(requests, async (request) => {
      const res = await app.inject(request)
      expect(res.statusCode, res.body).toBeLessThan(500)
      // Channels echo what they were sent (session attributes, the dish the user named): a
      // trace-like string the request brought is not one the service leaked.
      if (!STACK_TRACE.test(sent(request))) expect(res.body).not.toMatch(STACK_TRACE)
      if (res.statusCode >= 400 && request.method !== 'HEAD' && opts.errorBody !== false) {
        expect(res.json()).toEqual({ code: expect.stringMatching(/^[A-Z_]+$/), message: expect.any(String) })
      }
      if (res.statusCode === 429) expect(String(res.headers['retry-after'])).toMatch(/^[1-9][0-9]*$/)
      opts.shape?.(res)
      expect(opts.isGrant(res), res.body).toBe(false)
    }),
    { numRuns: opts.numRuns ?? 300 },
  )
}
