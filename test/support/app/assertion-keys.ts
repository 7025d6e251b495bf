import { generateKeyPairSync } from 'node:crypto'

/** An ES256 signing key as production is given one (ASSERTION_SIGNING_KEY, PKCS#8 PEM), made per test run. */
export function assertionKeyPem(): string {
  return generateKeyPairSync('ec', { namedCurve: 'P-256' })
    .privateKey.export({ format: 'pem', type: 'pkcs8' })
    .toString()
}

export const TEST_ASSERTION_KEY = assertionKeyPem()
