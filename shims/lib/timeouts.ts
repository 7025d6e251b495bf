/**
 * How long each shim waits for the service by default (AUTH_SERVICE_TIMEOUT_MS). The deploy app
 * sizes each Lambda's timeout from these, so a shim always answers with its own fallback first.
 */
export const DEFAULT_TIMEOUT_MS = {
  // Connect's default block timeout is 3 s (8 s at most): leave room for a cold start.
  connect: 2500,
  lex: 3000,
} as const
