import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { createKeys } from '../../services/auth/src/adapters/redis/keys.ts'
import { loadConfig } from '../../services/auth/src/config.ts'

const phone = '+819087654321'

describe('Redis keys', () => {
  it('hash numbers with a server key: a challenge id does not lead back to its phone number', () => {
    const keys = createKeys('pl:', 'a'.repeat(32))
    const id = keys.challengeId(phone, 'x'.repeat(22))
    const unkeyed = createHash('sha256').update(`phone:${phone}`).digest('base64url').slice(0, 16)
    expect(id.slice(0, 16)).not.toBe(unkeyed)
    expect(createKeys('pl:', 'b'.repeat(32)).challengeId(phone, 'x'.repeat(22))).not.toBe(id)
    expect(keys.challengeId(phone, 'x'.repeat(22))).toBe(id)
  })

  it('keep every key of one number in one hash slot, and no number or e-mail in clear', () => {
    const keys = createKeys('pl:', 'a'.repeat(32))
    const id = keys.challengeId(phone, 'y'.repeat(22))
    const all = [...Object.values(keys.forChallenge(id)), keys.caller(phone)]
    const tags = new Set(all.map((k) => k.match(/\{([^}]+)\}/)![1]))
    expect(tags.size).toBe(1)
    for (const k of [...all, keys.email('aiko@example.com')]) expect(k).not.toMatch(/9087654321|aiko|example/)
  })

  it("keep a conversation's turn lock and last answer in its session's hash slot (one slot per turn script)", () => {
    const keys = createKeys('pl:', 'a'.repeat(32))
    const { lock, last } = keys.forTurn('S'.repeat(22))
    const tags = new Set([keys.session('S'.repeat(22)), lock, last].map((k) => k.match(/\{([^}]+)\}/)![1]))
    expect(tags).toEqual(new Set([`s:${'S'.repeat(22)}`]))
    expect(new Set([keys.session('S'.repeat(22)), lock, last]).size).toBe(3)
  })

  it('KEY_HASH_SECRET defaults to PIN_HMAC_SECRET and can be set apart, so PIN secrets can rotate alone', () => {
    const pin = 'p'.repeat(32)
    expect(loadConfig({ PIN_HMAC_SECRET: pin }).redis.keySecret).toBe(pin)
    expect(loadConfig({ PIN_HMAC_SECRET: pin, KEY_HASH_SECRET: 'k'.repeat(32) }).redis.keySecret).toBe('k'.repeat(32))
    expect(() => loadConfig({ KEY_HASH_SECRET: 'short' })).toThrow(/KEY_HASH_SECRET/)
  })
})
