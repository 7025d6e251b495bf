import { TEST_ASSERTION_KEY } from './assertion-keys.ts'

/** The least a production environment must set: an API key, the PIN secret, the assertion signing key. */
export const PRODUCTION_ENV = {
  NODE_ENV: 'production',
  API_KEYS: 'k'.repeat(20),
  PIN_HMAC_SECRET: 's'.repeat(32),
  ASSERTION_SIGNING_KEY: TEST_ASSERTION_KEY,
} as const
