// The service's settings in every bench run, the single-node one (bench/run.ts) and the cluster
// one (bench/cluster.ts): one source, so that both measure the same service.

export const API_KEY = 'bench-key-0123456789abcdef'
export const SECRET = 'bench-secret-0123456789-0123456789-0123456789'
export const KEY_SECRET = 'bench-keys-0123456789-0123456789-0123456789'
export const PREFIX = 'pl:'

/**
 * The environment of a bench service, without its Redis (REDIS_URL, REDIS_MODE). One client on
 * one address sends thousands of requests a second, to thousands of numbers in a few prefixes:
 * the HTTP rate limits and SMS spend guards are lifted out of the way, but their checks still
 * run on every request, as in production.
 */
export function benchServiceEnv(logLevel: string): Record<string, string> {
  return {
    NODE_ENV: 'development',
    REDIS_KEY_PREFIX: PREFIX,
    API_KEYS: API_KEY,
    PIN_HMAC_SECRET: SECRET,
    KEY_HASH_SECRET: KEY_SECRET,
    SMS_PROVIDER: 'log',
    LOG_LEVEL: logLevel,
    PIN_LENGTH: '6',
    RATE_LIMIT_PER_KEY: '100000000',
    RATE_LIMIT_PER_IP: '100000000',
    SMS_PREFIX_MAX_SENDS: '1000000',
    SMS_DAILY_LIMIT: '100000000',
    CHANNEL_RATE_LIMIT_PER_KEY: '100000000',
    CHANNEL_RATE_LIMIT_PER_CONVERSATION: '100000',
    CHANNEL_RATE_LIMIT_PER_NUMBER: '100000',
    SMS_KEY_MAX_SENDS: '100000000',
    SMS_PREFIX_KNOWN_MAX_SENDS: '1000000',
  }
}
