import type { RedisClient } from './client.ts'

// One Lua script and the one typed function that runs it. The names of its KEYS and ARGV are
// listed once, here: they fix the positions, and they open the Lua as locals
// (`local now = tonumber(ARGV[2])`), so the script reads its inputs by name. Scripts answer
// with cjson.encode of a table, and the wrapper gets that table back as a named object.
// Registered with ioredis defineCommand on first use (EVALSHA, falling back to EVAL on NOSCRIPT),
// as @fastify/rate-limit's Redis store does.

type ArgType = 'string' | 'number'
type ArgValues<A extends Record<string, ArgType>> = {
  [K in keyof A]: A[K] extends 'number' ? number : string
}

export interface ScriptSpec<K extends string, A extends Record<string, ArgType>> {
  /** The ioredis command name; unique per script. */
  name: string
  /** KEYS, in order. Every key a script touches is one of them, and all share a hash tag. */
  keys: readonly K[]
  /** ARGV, in order: 'number' arguments arrive in Lua as numbers. */
  argv: A
  /** Lua that comes first: shared functions, hash field tables. */
  prelude?: string
  /** The script, using its keys and arguments by name. */
  lua: string
}

export type Script<K extends string, A extends Record<string, ArgType>, R> = (
  redis: RedisClient,
  keys: Record<K, string>,
  args: ArgValues<A>,
) => Promise<R>

/** The Lua table `local NAME = {field = 'x', ...}`: hash field names, declared once in TypeScript. */
export function luaTable(name: string, fields: Readonly<Record<string, string>>): string {
  const entries = Object.entries(fields).map(([k, v]) => `${k} = '${v}'`)
  return `local ${name} = {${entries.join(', ')}}\n`
}

/** The Lua that opens a script: one local per key and argument, named as in TypeScript. */
export function luaInputs(keys: readonly string[], argv: Record<string, ArgType>): string {
  const k = keys.map((name, i) => `local ${name} = KEYS[${i + 1}]`)
  const a = Object.entries(argv).map(([name, type], i) =>
    type === 'number' ? `local ${name} = tonumber(ARGV[${i + 1}])` : `local ${name} = ARGV[${i + 1}]`,
  )
  return `${[...k, ...a].join('\n')}\n`
}

/**
 * Defines a script whose reply is cjson-encoded: the wrapper builds KEYS and ARGV from named
 * fields and parses the reply into `R` (which the store's switch then checks). Curried so that
 * `R` is written and the keys and arguments are inferred: `defineScript<Reply>()({...})`.
 */
export function defineScript<R>() {
  return <const K extends string, const A extends Record<string, ArgType>>(spec: ScriptSpec<K, A>) => {
    const argNames = Object.keys(spec.argv) as Array<keyof A & string>
    const lua = `${luaInputs(spec.keys, spec.argv)}${spec.prelude ?? ''}${spec.lua}`
    const run: Script<K, A, R> = async (redis, keys, args) => {
      if (!(spec.name in redis)) redis.defineCommand(spec.name, { numberOfKeys: spec.keys.length, lua })
      const command = (redis as unknown as Record<string, (...a: Array<string | number>) => Promise<string>>)[
        spec.name
      ]!
      const reply = await command.call(redis, ...spec.keys.map((k) => keys[k]), ...argNames.map((a) => args[a]))
      return JSON.parse(reply) as R
    }
    return Object.assign(run, { lua })
  }
}

/** Lua: `hash(key)` -> the whole hash as a table (HGETALL's pairs), {} when there is none. */
export const luaHash = `
local function hash(key)
  local flat, out = redis.call('HGETALL', key), {}
  for i = 1, #flat, 2 do out[flat[i]] = flat[i + 1] end
  return out
end
`
