// What both Lambda shims share: read the service's address once at load, POST the
// event to it inside a time box, and say plainly whether an answer came back.
// No AWS SDK and no business logic: the shims decide only what to return on failure.

export interface ForwardConfig {
  url: string
  apiKey: string
  timeoutMs: number
}

export type Forwarded =
  | { ok: true; body: unknown }
  | { ok: false; reason: 'timeout' | 'network' | 'status' | 'invalid-body'; status?: number }

/** Reads AUTH_SERVICE_URL, AUTH_SERVICE_API_KEY, AUTH_SERVICE_TIMEOUT_MS; throws naming the variable. */
export function readForwardConfig(path: string, defaultTimeoutMs: number, env: NodeJS.ProcessEnv = process.env): ForwardConfig {
  const base = env.AUTH_SERVICE_URL
  if (!base || !/^https?:\/\//.test(base)) throw new Error('AUTH_SERVICE_URL must be set to the service URL, e.g. https://pinline.internal')
  const apiKey = env.AUTH_SERVICE_API_KEY
  if (!apiKey) throw new Error('AUTH_SERVICE_API_KEY must be set to one of the service API_KEYS')
  const timeoutMs = env.AUTH_SERVICE_TIMEOUT_MS === undefined ? defaultTimeoutMs : Number(env.AUTH_SERVICE_TIMEOUT_MS)
  if (!Number.isInteger(timeoutMs) || timeoutMs < 100 || timeoutMs > 30000) {
    throw new Error('AUTH_SERVICE_TIMEOUT_MS must be an integer from 100 to 30000')
  }
  // Appended, not resolved: a base with a path (https://host/pinline) keeps it.
  return { url: `${base.replace(/\/+$/, '')}${path}`, apiKey, timeoutMs }
}

/**
 * POSTs `event` as JSON. Node's fetch keeps connections alive in a module-level pool,
 * so warm invocations reuse them. The whole exchange, body included, fits in timeoutMs.
 */
export async function forward(config: ForwardConfig, event: unknown): Promise<Forwarded> {
  const signal = AbortSignal.timeout(config.timeoutMs)
  let res: Response
  try {
    res = await fetch(config.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${config.apiKey}` },
      body: JSON.stringify(event ?? null),
      signal,
    })
  } catch {
    return { ok: false, reason: signal.aborted ? 'timeout' : 'network' }
  }
  try {
    const body: unknown = await res.json()
    if (!res.ok) return { ok: false, reason: 'status', status: res.status }
    return { ok: true, body }
  } catch {
    return { ok: false, reason: signal.aborted ? 'timeout' : 'invalid-body', status: res.status }
  }
}
