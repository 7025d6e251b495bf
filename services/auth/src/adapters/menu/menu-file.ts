import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { fold, type MenuItem } from '../../core/menu.ts'
import { MenuFile } from '../../schemas/menu-file.ts'
import defaultMenu from './default-menu.json' with { type: 'json' }

/** Validates a parsed menu; returns the problem, or undefined when it is usable. */
export function menuProblem(data: unknown): string | undefined {
  // typebox/value adds about 9 MB to the process: loaded only when a menu is checked (a MENU_FILE
  // at start, or a test checking the shipped one), not by every service start.
  const { Value } = createRequire(import.meta.url)('typebox/value') as typeof import('typebox/value')
  if (!Value.Check(MenuFile, data)) {
    const first = Value.Errors(MenuFile, data)[0]
    return `${first?.instancePath || '/'} ${first?.message ?? 'is invalid'}`
  }
  // Every id, name and alias must lead to one dish, or "burger" could mean two things.
  const owner = new Map<string, string>()
  for (const item of data.items) {
    for (const word of new Set([item.id, ...Object.values(item.names), ...(item.aliases ?? [])].map(fold))) {
      const other = owner.get(word)
      if (other !== undefined) return `"${word}" names both ${other} and ${item.id}`
      owner.set(word, item.id)
    }
  }
  return undefined
}

/** The shipped menu (checked by its test), or the one at `path` (MENU_FILE). Throws a message naming the problem. */
export function loadMenu(path: string | undefined): MenuItem[] {
  if (path === undefined) return (defaultMenu as { items: MenuItem[] }).items
  let data: unknown
  try {
    data = JSON.parse(readFileSync(path, 'utf8'))
  } catch (err) {
    throw new Error(`cannot read ${path} as JSON: ${(err as Error).message}`)
  }
  const problem = menuProblem(data)
  if (problem) throw new Error(`${path}: ${problem}`)
  return (data as { items: MenuItem[] }).items
}
