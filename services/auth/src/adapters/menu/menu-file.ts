import { readFileSync } from 'node:fs'
import { Type } from 'typebox'
import { Value } from 'typebox/value'
import { fold, type MenuItem } from '../../core/menu.ts'
import defaultMenu from './default-menu.json' with { type: 'json' }

const Name = Type.String({ minLength: 1, maxLength: 80 })

// The menu file format. Strict: a typo in a replacement menu fails at start, not at order time.
export const MenuFile = Type.Object(
  {
    items: Type.Array(
      Type.Object(
        {
          id: Type.String({ pattern: '^[a-z0-9][a-z0-9_-]{0,39}$' }),
          price: Type.Number({ minimum: 0, maximum: 1_000_000 }),
          currency: Type.String({ pattern: '^[A-Z]{3}$', description: 'ISO 4217' }),
          names: Type.Object({ en: Name, ja: Type.Optional(Name) }, { additionalProperties: false }),
          aliases: Type.Optional(Type.Array(Name, { maxItems: 20 })),
        },
        { additionalProperties: false },
      ),
      { minItems: 1, maxItems: 100 },
    ),
  },
  { additionalProperties: false },
)

/** Validates a parsed menu; returns the problem, or undefined when it is usable. */
export function menuProblem(data: unknown): string | undefined {
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

/** The shipped menu, or the one at `path` (MENU_FILE). Throws a message naming the problem. */
export function loadMenu(path: string | undefined): MenuItem[] {
  let data: unknown = defaultMenu
  if (path !== undefined) {
    try {
      data = JSON.parse(readFileSync(path, 'utf8'))
    } catch (err) {
      throw new Error(`cannot read ${path} as JSON: ${(err as Error).message}`)
    }
  }
  const problem = menuProblem(data)
  if (problem) throw new Error(`${path ?? 'the default menu'}: ${problem}`)
  return (data as { items: MenuItem[] }).items
}
