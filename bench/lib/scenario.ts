import type { BenchContext } from './fixtures.ts'

// What a scenario is: the requests it sends and how it prepares them.

export interface BenchRequest {
  path: string
  body?: unknown
}

/** Builds the n-th request of a run (n counts across all connections, warm-up included). */
export type NextRequest = (n: number) => BenchRequest

/**
 * One line of the table. `kind` picks the target: verify and lookup must reach 0.8
 * of the floor, channels 0.6; issue is reported without one (it includes the SMS).
 */
export interface Scenario {
  name: string
  kind: 'floor' | 'verify' | 'lookup' | 'issue' | 'channel'
  method: 'GET' | 'POST' | 'PUT'
  /** The status every response should have; any other is counted as unexpected. */
  expect: number
  /** Requests that need nothing seeded. */
  request?: NextRequest
  /** Seeds what the requests need (at most ctx.budget of them), then builds them. */
  setup?: (ctx: BenchContext) => Promise<NextRequest>
  /** Checked on the body of one request before the load starts: the run measures the right path. */
  check?: (body: Record<string, unknown>) => boolean
}
