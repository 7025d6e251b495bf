// What both Lambda shims share: read the service's address once at load, POST the
// event to it inside a time box, and say plainly whether an answer came back.
// No AWS SDK and no business logic: the shims decide only what to return on failure.

export interface ForwardConfig {
  url: string
  /** The bearer key: the variable's value, or the secret's, fetched once per container. */
  apiKey: ApiKeySource
  timeoutMs: number
}

export interface ApiKeySource {
  (signal: AbortSignal): Promise<string>
  /** Drops a key the service refused (401), so the next call reads the secret again after a rotation. */
  forget?: () => void
}

export type Forwarded =
  | { ok: true; body: unknown }
  | { ok: false; reason: 'timeout' | 'network' | 'status' | 'invalid-body' | 'api-key'; status?: number }

/**
 * Reads AUTH_SERVICE_URL, AUTH_SERVICE_API_KEY (or AUTH_SERVICE_API_KEY_SECRET_ID),
 * AUTH_SERVICE_TIMEOUT_MS; throws naming the variable.
 */
export function readForwardConfig(
  path: string,
  defaultTimeoutMs: number,
  env: NodeJS.ProcessEnv = process.env,
): ForwardConfig {
  const base = env.AUTH_SERVICE_URL
  if (!base || !/^https?:\/\//.test(base))
    throw new Error('AUTH_SERVICE_URL must be set to the service URL, e.g. https://pinline.internal')
  const key = env.AUTH_SERVICE_API_KEY
  const secretId = env.AUTH_SERVICE_API_KEY_SECRET_ID
  if (!key && !secretId)
    throw new Error(
      'AUTH_SERVICE_API_KEY must be set to one of the service API_KEYS, or AUTH_SERVICE_API_KEY_SECRET_ID to the secret holding it',
    )
  const port = env.PARAMETERS_SECRETS_EXTENSION_HTTP_PORT ?? '2773'
  if (!key && !/^[0-9]{1,5}$/.test(port))
    throw new Error('PARAMETERS_SECRETS_EXTENSION_HTTP_PORT must be a port number')
  const apiKey = key ? () => Promise.resolve(key) : keyFromSecret(secretId!, port)
  const timeoutMs = env.AUTH_SERVICE_TIMEOUT_MS === undefined ? defaultTimeoutMs : Number(env.AUTH_SERVICE_TIMEOUT_MS)
  if (!Number.isInteger(timeoutMs) || timeoutMs < 100 || timeoutMs > 30000) {
    throw new Error('AUTH_SERVICE_TIMEOUT_MS must be an integer from 100 to 30000')
  }
  // Appended, not resolved: a base with a path (https://host/pinline) keeps it.
  return { url: `${base.replace(/\/+$/, '')}${path}`, apiKey, timeoutMs }
}

/**
 * The key from a Secrets Manager secret `{"key": "…", "scopes": "…"}` (the one the service
 * reads as API_KEY_<NAME>), through the AWS Parameters and Secrets Lambda Extension on
 * localhost: no SDK in the bundle. Fetched on first use, not at load (the extension does not
 * serve during init), then kept for the container's life; a failure is not kept, so the next
 * invocation tries again.
 */
function keyFromSecret(secretId: string, port: string): ApiKeySource {
  let cached: Promise<string> | undefined
  const fetchKey = async (signal: AbortSignal): Promise<string> => {
    const res = await fetch(`http://localhost:${port}/secretsmanager/get?secretId=${encodeURIComponent(secretId)}`, {
      headers: { 'X-Aws-Parameters-Secrets-Token': process.env.AWS_SESSION_TOKEN ?? '' },
      signal,
    })
    if (!res.ok) throw new Error(`the secrets extension answered ${res.status}`)
    const { SecretString } = (await res.json()) as { SecretString?: unknown }
    const key = typeof SecretString === 'string' ? (JSON.parse(SecretString) as { key?: unknown }).key : undefined
    if (typeof key !== 'string' || !key) throw new Error('the secret holds no "key"')
    return key
  }
  const source: ApiKeySource = (signal) => {
    cached ??= fetchKey(signal).catch((err: unknown) => {
      cached = undefined
      throw err
    })
    return cached
  }
  source.forget = () => {
    cached = undefined
  }
  return source
}

/**
 * POSTs `event` as JSON. Node's fetch keeps connections alive in a module-level pool,
 * so warm invocations reuse them. The whole exchange, body included, fits in timeoutMs.
 */
export async function forward(config: ForwardConfig, event: unknown): Promise<Forwarded> {
  const signal = AbortSignal.timeout(config.timeoutMs)
  let apiKey: string
  try {
    apiKey = await config.apiKey(signal)
  } catch {
    return { ok: false, reason: signal.aborted ? 'timeout' : 'api-key' }
  }
  let res: Response
  try {
    res = await fetch(config.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${apiKey}` },
      body: JSON.stringify(event ?? null),
      signal,
    })
  } catch {
    return { ok: false, reason: signal.aborted ? 'timeout' : 'network' }
  }
  try {
    const body: unknown = await res.json()
    if (res.status === 401) config.apiKey.forget?.()
    if (!res.ok) return { ok: false, reason: 'status', status: res.status }
    return { ok: true, body }
  } catch {
    return { ok: false, reason: signal.aborted ? 'timeout' : 'invalid-body', status: res.status }
  }
}
