import { describe, expect, it } from 'vitest'
import * as callers from '../../services/auth/src/adapters/redis/callers/scripts.ts'
import * as challenges from '../../services/auth/src/adapters/redis/challenges/scripts.ts'
import * as counters from '../../services/auth/src/adapters/redis/counters/scripts.ts'
import * as sessions from '../../services/auth/src/adapters/redis/sessions/scripts.ts'

// Every script takes its inputs by name: the lines that open it bind each KEYS and ARGV slot
// to a local (generated from the wrapper's own list), and nothing after them reads a slot by
// position. So a new argument is one name in the wrapper and its use in the Lua.
const modules: Array<Record<string, unknown>> = [challenges, callers, sessions, counters]
const scripts = modules
  .flatMap((m) => Object.entries(m))
  .filter((entry): entry is [string, { lua: string }] => typeof entry[1] === 'function' && 'lua' in entry[1])
const INPUT = /^local \w+ = (?:tonumber\()?(?:KEYS|ARGV)\[\d+\]\)?$/

describe('Redis scripts', () => {
  it('are all found (21)', () => {
    expect(scripts.map(([name]) => name)).toHaveLength(21)
  })

  it.each(scripts)('%s reads KEYS and ARGV only in its opening lines, in order', (_, { lua }) => {
    const lines = lua.split('\n')
    const opening = lines.slice(
      0,
      lines.findIndex((l) => !INPUT.test(l)),
    )
    const positions = opening.map((l) => /(KEYS|ARGV)\[(\d+)\]/.exec(l)!.slice(1).join(''))
    const expected = [
      ...opening.filter((l) => l.includes('KEYS[')).map((_, i) => `KEYS${i + 1}`),
      ...opening.filter((l) => l.includes('ARGV[')).map((_, i) => `ARGV${i + 1}`),
    ]
    expect(positions).toEqual(expected)
    expect(lines.slice(opening.length).join('\n')).not.toMatch(/\b(KEYS|ARGV)\[/)
  })
})
