import { describe, expect, it } from 'vitest'
import { formatPrice } from '../../services/auth/src/core/menu.ts'

describe('formatPrice', () => {
  it('formats in the reader locale and the item currency, the same each time a formatter is reused', () => {
    for (let round = 0; round < 2; round++) {
      expect(formatPrice(1200, 'JPY', 'en')).toBe('¥1,200')
      expect(formatPrice(1200, 'JPY', 'ja')).toBe('￥1,200')
      expect(formatPrice(9.5, 'USD', 'en')).toBe('$9.50')
      expect(formatPrice(9.5, 'USD', 'ja')).toBe('$9.50')
    }
  })
})
