import { describe, expect, inject, it } from 'vitest'
import { startService } from '../support/app/service-process.ts'

const production = {
  NODE_ENV: 'production', API_KEYS: 'prod-key-0123456789abcdef', PIN_HMAC_SECRET: 'prod-secret-0123456789-0123456789-0123',
  AWS_REGION: 'us-east-1', AWS_EC2_METADATA_DISABLED: 'true',
}

describe('TEST_NUMBERS at start, the real process', () => {
  it('production refuses to start with TEST_NUMBERS unless ALLOW_TEST_NUMBERS=true (exit 78, the variable named, no code echoed)', async () => {
    const env = { ...production, REDIS_URL: inject('redisUrl'), TEST_NUMBERS: '+819099990001:246810' }
    const err = await startService(env).then(() => undefined, (e: unknown) => e as Error)
    expect(err?.message).toMatch(/exited \(78\)/)
    expect(err?.message).toMatch(/TEST_NUMBERS is refused when NODE_ENV=production unless ALLOW_TEST_NUMBERS=true/)
    expect(err?.message).not.toContain('246810')
  })

  it('with ALLOW_TEST_NUMBERS=true it starts, and says so in its log with the numbers masked', async () => {
    const svc = await startService({ ...production, REDIS_URL: inject('redisUrl'), TEST_NUMBERS: '+819099990001:246810', ALLOW_TEST_NUMBERS: 'true' })
    try {
      const warning = svc.logs().split('\n').find((l) => l.includes('TEST_NUMBERS is set'))
      expect(JSON.parse(warning!)).toMatchObject({ level: 40, testNumbers: ['+********0001'] })
      expect(svc.logs()).not.toContain('+819099990001')
      expect(svc.logs()).not.toContain('246810')
    } finally {
      await svc.stop()
    }
  })
})
