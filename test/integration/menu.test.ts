import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import defaultMenu from '../../services/auth/src/adapters/menu/default-menu.json' with { type: 'json' }
import { menuProblem } from '../../services/auth/src/adapters/menu/menu-file.ts'
import { ConfigError, loadConfig } from '../../services/auth/src/config.ts'
import { createMenu } from '../../services/auth/src/core/menu.ts'
import { auth, buildTestApp, type TestApp, useTestApp } from '../support/app/test-app.ts'

let t: TestApp
const dir = mkdtempSync(join(tmpdir(), 'pinline-menu-'))
const menuFile = (name: string, content: unknown) => {
  const path = join(dir, name)
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content))
  return path
}

beforeAll(async () => {
  t = await buildTestApp()
})
afterAll(async () => {
  await t.app.close()
  rmSync(dir, { recursive: true, force: true })
})

describe('GET /v1/menu', () => {
  it('lists the shipped menu, in English by default and in Japanese on request', async () => {
    const en = await t.app.inject({ url: '/v1/menu', headers: auth })
    expect(en.statusCode).toBe(200)
    expect(en.json().locale).toBe('en')
    expect(en.json().items[0]).toEqual({ id: 'pizza', name: 'Pizza', price: 1200, currency: 'JPY' })
    const ja = await t.app.inject({ url: '/v1/menu?locale=ja', headers: auth })
    expect(ja.json().items.map((i: { name: string }) => i.name)).toEqual([
      'ピザ',
      'パスタ',
      'チーズバーガー',
      'サラダ',
      '寿司',
      'ラーメン',
    ])
  })

  it('400 for an unsupported locale or unknown parameter; 401 without the API key', async () => {
    for (const url of ['/v1/menu?locale=fr', '/v1/menu?locale=ja&x=1']) {
      const res = await t.app.inject({ url, headers: auth })
      expect([res.statusCode, res.json().code]).toEqual([400, 'VALIDATION_FAILED'])
    }
    expect((await t.app.inject({ url: '/v1/menu' })).statusCode).toBe(401)
  })

  it('MENU_FILE replaces the menu; a missing Japanese name falls back to English', async () => {
    const path = menuFile('custom.json', {
      items: [
        { id: 'tacos', price: 9.5, currency: 'USD', names: { en: 'Tacos' }, aliases: ['taco'] },
        { id: 'mochi', price: 4, currency: 'USD', names: { en: 'Mochi', ja: '餅' } },
      ],
    })
    const custom = await useTestApp({ MENU_FILE: path })
    const res = await custom.app.inject({ url: '/v1/menu?locale=ja', headers: auth })
    expect(res.json().items).toEqual([
      { id: 'tacos', name: 'Tacos', price: 9.5, currency: 'USD' },
      { id: 'mochi', name: '餅', price: 4, currency: 'USD' },
    ])
  })
})

describe('MENU_FILE validation (at start, naming the variable)', () => {
  const item = { id: 'pizza', price: 1, currency: 'JPY', names: { en: 'Pizza' } }
  it.each([
    ['a missing file', join(dir, 'nope.json'), /MENU_FILE: cannot read .*nope\.json/],
    ['invalid JSON', menuFile('bad.json', '{"items": ['), /MENU_FILE: cannot read .* as JSON/],
    ['no items', menuFile('empty.json', { items: [] }), /MENU_FILE: .*\/items/],
    ['a bad id', menuFile('id.json', { items: [{ ...item, id: 'Pizza!' }] }), /MENU_FILE: .*\/items\/0\/id/],
    ['a negative price', menuFile('price.json', { items: [{ ...item, price: -1 }] }), /MENU_FILE: .*price/],
    ['an unknown field', menuFile('extra.json', { items: [{ ...item, spicy: true }] }), /MENU_FILE: /],
    [
      'a word naming two dishes',
      menuFile('dup.json', { items: [item, { ...item, id: 'pie', names: { en: 'Pie' }, aliases: ['ＰＩＺＺＡ'] }] }),
      /"pizza" names both pizza and pie/,
    ],
  ])('refuses %s', (_name, path, message) => {
    expect(() => loadConfig({ NODE_ENV: 'test', MENU_FILE: path })).toThrow(ConfigError)
    expect(() => loadConfig({ NODE_ENV: 'test', MENU_FILE: path })).toThrow(message)
  })

  // The service trusts the shipped menu without checking it at start: this is its check.
  it('passes the shipped menu, which a MENU_FILE with the same content would be', () => {
    expect(menuProblem(defaultMenu)).toBeUndefined()
    expect(menuProblem({ items: [...defaultMenu.items, defaultMenu.items[0]] })).toMatch(/names both/)
  })
})

describe('menu matching', () => {
  const menu = createMenu(loadConfig({ NODE_ENV: 'test' }).menu)
  it('finds a dish by id, name in any language or alias, ignoring case, width and spacing', () => {
    for (const said of ['pizza', 'Pizza', ' PIZZAS ', 'ピザ', 'ﾋﾟｻﾞ', 'Ｐｉｚｚａ', 'margherita'])
      expect(menu.find(said)?.id).toBe('pizza')
    expect(menu.find('green  salad')?.id).toBe('salad')
    expect(menu.find('lobster')).toBeUndefined()
    expect(menu.find('')).toBeUndefined()
  })
})
