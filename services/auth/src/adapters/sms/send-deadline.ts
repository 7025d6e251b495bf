// Apart from the SNS sender so that the config (the delivery grace) and the plugins can use it
// without loading the AWS SDK, which is loaded only when an AWS provider is configured.

// The SDK's backoff before retry i (0-based) is at most min(20 s, 1 s × 2^i) for throttling, its
// longest kind; other errors wait less.
const backoffCeilingMs = (retry: number) => Math.min(20_000, 1000 * 2 ** retry)

/**
 * The longest one send may take: every attempt's timeout plus the backoff ceilings between them.
 * It is also enforced as one deadline over the whole call, so nothing (a Retry-After hint, say)
 * stretches it; callers rely on it (the core's delivery grace).
 */
export function snsSendDeadlineMs(opts: { timeoutMs: number; maxAttempts: number }): number {
  let ms = opts.timeoutMs * opts.maxAttempts
  for (let retry = 0; retry < opts.maxAttempts - 1; retry++) ms += backoffCeilingMs(retry)
  return ms
}
