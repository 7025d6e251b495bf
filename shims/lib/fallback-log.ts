/**
 * The `msg` of each line a shim logs when it answers its own fallback instead of the service's
 * answer: one line per fallback. One source: the shims log these, and the deploy app's CloudWatch
 * Logs metric filters count them (deploy/lib/constructs/alarms.ts), so a reworded line cannot
 * silently stop the alarm.
 */
export const FALLBACK_LOG_MESSAGES = {
  connect: {
    fellBack: 'pinline connect shim fell back to SERVICE_UNAVAILABLE',
  },
  lex: {
    unavailable: 'pinline unavailable; answering Close/Failed',
    failed: 'lex shim failed; answering Close/Failed',
  },
} as const

/**
 * The line a shim logs once, at load, when its settings are bad (naming the variable). Not a
 * fallback line: each call or turn then logs its own, so the alarm counts fallbacks, not cold starts.
 */
export const MISCONFIGURED_LOG_MESSAGES = {
  connect: 'pinline connect shim misconfigured; every call falls back to SERVICE_UNAVAILABLE',
  lex: 'lex shim misconfigured; every turn answers Close/Failed',
} as const
