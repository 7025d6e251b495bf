import { PinlineError, isPinlineError } from '../../core/errors.ts'

/**
 * Wraps every async method so that a driver error (connection refused, timeout,
 * NOSCRIPT storms, READONLY replicas...) surfaces as DEPENDENCY_UNAVAILABLE: the
 * caller gets a 503, and since the script never ran, nothing was granted or counted.
 */
export function failClosed<T extends object>(target: T): T {
  const wrapped: Record<string, unknown> = {}
  for (const [name, value] of Object.entries(target)) {
    wrapped[name] =
      typeof value !== 'function'
        ? value
        : (...args: unknown[]) => {
            const result = value.apply(target, args)
            if (!(result instanceof Promise)) return result
            return result.catch((err: unknown) => {
              throw isPinlineError(err) ? err : new PinlineError('DEPENDENCY_UNAVAILABLE', { cause: err })
            })
          }
  }
  return wrapped as T
}
