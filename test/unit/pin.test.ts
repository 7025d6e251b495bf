import { describe, expect, it } from 'vitest'
import { generatePin, keyedToken, pinDigest, randomToken } from '../../services/auth/src/core/pin.ts'

describe('generatePin', () => {
  it('gives exactly `length` ASCII digits, keeping leading zeros', () => {
    for (const length of [4, 6, 10]) {
      for (let i = 0; i < 200; i++) expect(generatePin(length)).toMatch(new RegExp(`^[0-9]{${length}}$`))
    }
  })

  it('uses every digit in every position about equally (no modulo bias, no Math.random pattern)', () => {
    const counts = Array.from({ length: 6 }, () => new Array(10).fill(0))
    const n = 20_000
    for (let i = 0; i < n; i++) for (const [pos, d] of [...generatePin(6)].entries()) counts[pos]![Number(d)]++
    // Chi-square with 9 degrees of freedom: 50 is exceeded with p ≈ 1e-7 for a uniform source, so six
    // checks flake about once in 1.6 million runs; a digit missing or doubled scores in the thousands.
    for (const row of counts) {
      const expected = n / 10
      const chi2 = row.reduce((s: number, c: number) => s + (c - expected) ** 2 / expected, 0)
      expect(chi2).toBeLessThan(50)
    }
  })
})

describe('pinDigest', () => {
  it('is bound to the challenge and the secret, and does not contain the PIN', () => {
    const d = pinDigest('s'.repeat(32), 'challenge-a', '123456')
    expect(d).toMatch(/^[A-Za-z0-9_-]{22}$/)
    expect(d).not.toContain('123456')
    expect(pinDigest('s'.repeat(32), 'challenge-b', '123456')).not.toBe(d)
    expect(pinDigest('t'.repeat(32), 'challenge-a', '123456')).not.toBe(d)
    expect(pinDigest('s'.repeat(32), 'challenge-a', '123456')).toBe(d)
  })
})

describe('tokens', () => {
  it('random tokens carry 128 bits and do not repeat', () => {
    const seen = new Set(Array.from({ length: 1000 }, randomToken))
    expect(seen.size).toBe(1000)
    expect([...seen][0]).toMatch(/^[A-Za-z0-9_-]{22}$/)
  })

  it('keyed tokens are stable for one key and secret, and differ otherwise', () => {
    expect(keyedToken('k'.repeat(32), 'connect:abc')).toBe(keyedToken('k'.repeat(32), 'connect:abc'))
    expect(keyedToken('k'.repeat(32), 'connect:abd')).not.toBe(keyedToken('k'.repeat(32), 'connect:abc'))
    expect(keyedToken('j'.repeat(32), 'connect:abc')).not.toBe(keyedToken('k'.repeat(32), 'connect:abc'))
  })
})
