// The part of autocannon's programmatic API the bench uses. autocannon ships no
// types; a 30-line declaration beats a @types package pinned to an older major.
declare module 'autocannon' {
  import type { EventEmitter } from 'node:events'

  export interface Request {
    method?: string
    path?: string
    headers?: Record<string, string>
    body?: string | Buffer
  }

  export interface Options {
    url: string
    connections?: number
    duration?: number
    pipelining?: number
    timeout?: number
    /** ms between samples; a run ends at the first sample after `duration` */
    sampleInt?: number
    headers?: Record<string, string>
    requests?: Array<Request & { setupRequest?: (req: Request, context: object) => Request }>
  }

  export interface Histogram {
    average: number
    p50: number
    p99: number
    max: number
  }

  export interface Result {
    duration: number
    errors: number
    timeouts: number
    non2xx: number
    latency: Histogram
    requests: Histogram & { total: number }
    statusCodeStats: Record<string, { count: number }>
  }

  export interface Instance extends EventEmitter, PromiseLike<Result> {
    stop(): void
  }

  export default function autocannon(opts: Options): Instance
}
