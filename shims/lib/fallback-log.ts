/**
 * The `msg` of each line a shim logs when it answers its own fallback instead of the service's
 * answer. One source: the shims log these, and the deploy app's CloudWatch Logs metric filters
 * count them (deploy/lib/constructs/alarms.ts), so a reworded line cannot silently stop the alarm.
 */
export const FALLBACK_LOG_MESSAGES = {
  connect: {
    fellBack: 'pinline connect shim fell back to SERVICE_UNAVAILABLE',
  },
  lex: {
    misconfigured: 'lex shim misconfigured; every turn answers Close/Failed',
    unavailable: 'pinline unavailable; answering Close/Failed',
    failed: 'lex shim failed; answering Close/Failed',
  },
} as const
