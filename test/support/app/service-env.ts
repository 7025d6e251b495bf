import { TEST_API_KEY, TEST_SECRET } from './test-app.ts'

/**
 * The environment of a real service process in fault tests: SMS through the real SNS client to
 * the stand-in at `snsUrl`, Redis at `redisUrl`, short timeouts so faults show quickly.
 */
export function serviceEnv(
  opts: { redisUrl: string; snsUrl: string; redisMode?: 'standalone' | 'cluster' },
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    NODE_ENV: 'test',
    LOG_LEVEL: 'info',
    API_KEYS: TEST_API_KEY,
    PIN_HMAC_SECRET: TEST_SECRET,
    REDIS_MODE: opts.redisMode ?? 'standalone',
    REDIS_URL: opts.redisUrl,
    REDIS_KEY_PREFIX: 'pl:',
    REDIS_COMMAND_TIMEOUT_MS: '300',
    REDIS_REPLICA_ACK_TIMEOUT_MS: '150',
    SMS_PROVIDER: 'sns',
    SMS_TIMEOUT_MS: '300',
    SMS_MAX_ATTEMPTS: '3',
    // The SDK's default chain, pointed at the stand-in; no real AWS is ever reached.
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    AWS_ENDPOINT_URL_SNS: opts.snsUrl,
    AWS_EC2_METADATA_DISABLED: 'true',
    ...extra,
  }
}

const authorization = `Bearer ${TEST_API_KEY}`

/** A JSON body: tests assert on it field by field, so it is typed loosely. */
export type JsonBody = Record<string, any>

/** A JSON call to a service process; `ms` is how long it took. */
export async function call(base: string, method: string, path: string, body?: unknown) {
  const started = performance.now()
  const init =
    body === undefined
      ? { method, headers: { authorization } }
      : { method, headers: { authorization, 'content-type': 'application/json' }, body: JSON.stringify(body) }
  const res = await fetch(`${base}${path}`, init)
  const text = await res.text()
  return {
    status: res.status,
    headers: res.headers,
    body: text ? (JSON.parse(text) as JsonBody) : {},
    ms: performance.now() - started,
  }
}

/** Retries `fn` until it returns true or `timeoutMs` passes. */
export async function eventually(fn: () => Promise<boolean>, timeoutMs = 10_000, stepMs = 50): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await fn())) {
    if (Date.now() > deadline) throw new Error(`not true within ${timeoutMs} ms`)
    await new Promise((r) => setTimeout(r, stepMs))
  }
}
