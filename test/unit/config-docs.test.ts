import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { CONFIG_VARIABLES } from '../../services/auth/src/config.ts'

// The README's configuration table is what operators read: it must name every variable the
// schema reads, and no other. The AWS SDK's own variables (its default chain) are not ours.
function documentedVariables(): string[] {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8')
  const section = readme.split(/^## /m).find((s) => s.startsWith('Configuration'))
  if (!section) throw new Error('README.md has no Configuration section')
  const firstCells = section
    .split('\n')
    .filter((l) => l.startsWith('| `'))
    .map((l) => l.split('|')[1] ?? '')
  const names = firstCells.flatMap((cell) => [...cell.matchAll(/`([A-Z][A-Z0-9_]*)`/g)].map((m) => m[1]!))
  return names.filter((name) => !name.startsWith('AWS_'))
}

describe('configuration documentation', () => {
  it('the README table and the schema list the same variables', () => {
    const documented = documentedVariables()
    expect(new Set(documented).size).toBe(documented.length)
    expect([...documented].sort()).toEqual([...CONFIG_VARIABLES].sort())
  })
})
