import { generateKeyPairSync } from 'node:crypto'
import { describe, expect, inject, it } from 'vitest'
import { startService } from '../support/app/service-process.ts'
import { TEST_ASSERTION_KEY } from '../support/app/assertion-keys.ts'

const production = {
  NODE_ENV: 'production',
  API_KEYS: 'prod-key-0123456789abcdef',
  PIN_HMAC_SECRET: 'prod-secret-0123456789-0123456789-0123',
  AWS_REGION: 'us-east-1',
  AWS_EC2_METADATA_DISABLED: 'true',
  ASSERTION_SIGNING_KEY: TEST_ASSERTION_KEY,
}

describe('TEST_NUMBERS at start, the real process', () => {
  it('production refuses to start with TEST_NUMBERS unless ALLOW_TEST_NUMBERS=true (exit 78, the variable named, no code echoed)', async () => {
    const env = { ...production, REDIS_URL: inject('redisUrl'), TEST_NUMBERS: '+819099990001:246810' }
    const err = await startService(env).then(
      () => undefined,
      (e: unknown) => e as Error,
    )
    expect(err?.message).toMatch(/exited \(78\)/)
    expect(err?.message).toMatch(/TEST_NUMBERS is refused when NODE_ENV=production unless ALLOW_TEST_NUMBERS=true/)
    expect(err?.message).not.toContain('246810')
  })

  it('with ALLOW_TEST_NUMBERS=true it starts, and says so in its log with the numbers masked', async () => {
    const svc = await startService({
      ...production,
      REDIS_URL: inject('redisUrl'),
      TEST_NUMBERS: '+819099990001:246810',
      ALLOW_TEST_NUMBERS: 'true',
    })
    try {
      const warning = svc
        .logs()
        .split('\n')
        .find((l) => l.includes('TEST_NUMBERS is set'))
      expect(JSON.parse(warning!)).toMatchObject({ level: 40, testNumbers: ['+********0001'] })
      expect(svc.logs()).not.toContain('+819099990001')
      expect(svc.logs()).not.toContain('246810')
    } finally {
      await svc.stop()
    }
  })
})

describe('ASSERTION_SIGNING_KEY at start, the real process', () => {
  it('production refuses to start without it (exit 78, the variable named): a generated key would sign what no other instance can verify', async () => {
    const { ASSERTION_SIGNING_KEY: _, ...env } = { ...production, REDIS_URL: inject('redisUrl') }
    const err = await startService(env).then(
      () => undefined,
      (e: unknown) => e as Error,
    )
    expect(err?.message).toMatch(/exited \(78\)/)
    expect(err?.message).toMatch(/ASSERTION_SIGNING_KEY is required when NODE_ENV=production/)
  })

  it('a key that is not EC P-256, or not a key at all, is refused naming the variable, its value never echoed', async () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 })
      .privateKey.export({ format: 'pem', type: 'pkcs8' })
      .toString()
    for (const [value, message] of [
      [rsa, /ASSERTION_SIGNING_KEY must be an EC P-256 key/],
      ['not-a-key-4711', /ASSERTION_SIGNING_KEY is not a private key/],
    ] as const) {
      const err = await startService({
        ...production,
        REDIS_URL: inject('redisUrl'),
        ASSERTION_SIGNING_KEY: value,
      }).then(
        () => undefined,
        (e: unknown) => e as Error,
      )
      expect(err?.message).toMatch(/exited \(78\)/)
      expect(err?.message).toMatch(message)
      expect(err?.message).not.toContain('4711')
      expect(err?.message).not.toContain(rsa.split('\n')[1]!)
    }
  })
})
