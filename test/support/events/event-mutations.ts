import fc from 'fast-check'
import type { InjectOptions } from 'fastify'
import { hostileValue, nasty } from '../property/rest-arbitraries.ts'
import { TEST_API_KEY } from '../app/test-app.ts'

// Mutations of real channel events: start from what AWS sends and break it at any depth,
// so the fuzzer spends its runs near the shape the service parses, not on random noise.

type Path = Array<string | number>

export interface Mutation {
  /** Which node: an index into the event's paths, modulo their number. */
  at: number
  op: 'delete' | 'null' | 'set' | 'add'
  /** For add: the key added to the object at (or above) the node. */
  key: string
  value: unknown
}

/** Keys a client should never be able to use: prototype pollution, and our own answer's keys. */
const forgedKey = fc.oneof(
  fc.constantFrom(
    '__proto__',
    'constructor',
    'prototype',
    'pinVerified',
    'lambdaResult',
    'auth',
    'uuid',
    'challengeId',
    'pin',
    'admin',
  ),
  fc.string({ maxLength: 12 }),
)

/** Odd strings, short enough to put anywhere. */
export const oddString: fc.Arbitrary<string> = fc.oneof(
  { weight: 6, arbitrary: nasty },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  fc.constantFrom('\u0000\u0007\u001b[2J', '\r\n\t', ''),
)

/** Mostly what a working flow or bot sends, now and then anything: each field breaks on its own. */
export const mostly = <T>(
  valid: fc.Arbitrary<T>,
  odd: fc.Arbitrary<unknown> = fc.oneof(oddString, hostileValue),
): fc.Arbitrary<unknown> => fc.oneof({ weight: 20, arbitrary: valid as fc.Arbitrary<unknown> }, odd)

export const sixDigits = fc.stringMatching(/^[0-9]{6}$/)
export const fullWidth = (s: string) => s.replace(/[0-9]/g, (d) => String.fromCharCode(0xff10 + Number(d)))

/** Only the shims call the channels, with the right key; now and then someone else does. */
export const shimAuthorization = fc.oneof(
  { weight: 12, arbitrary: fc.constant<Record<string, string>>({ authorization: `Bearer ${TEST_API_KEY}` }) },
  fc.constantFrom<Record<string, string>>({}, { authorization: 'Bearer wrong-key-0123456789abcd' }),
)

/** Over Connect's attribute limit (32 KB), the Lex route's body limit (32 KB) and Connect's (256 KB). */
const hugeString = fc.constantFrom('x'.repeat(40_000), '9'.repeat(300_000))

const value: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 12, arbitrary: hostileValue },
  { weight: 4, arbitrary: oddString },
  hugeString,
)

export const mutation: fc.Arbitrary<Mutation> = fc.record({
  at: fc.nat(),
  op: fc.constantFrom('delete', 'null', 'set', 'add'),
  key: forgedKey,
  value,
})

/** A few mutations, none in two cases of three. */
export const mutations = fc.oneof(
  { weight: 2, arbitrary: fc.constant([] as Mutation[]) },
  fc.array(mutation, { minLength: 1, maxLength: 3 }),
)

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)

function pathsOf(v: unknown, at: Path = [], out: Path[] = []): Path[] {
  if (at.length > 0) out.push(at)
  if (Array.isArray(v)) for (const [i, item] of v.entries()) pathsOf(item, [...at, i], out)
  else if (isObject(v)) for (const k of Object.keys(v)) pathsOf(v[k], [...at, k], out)
  return out
}

/** Own and enumerable, so a `__proto__` key survives as it would arrive on the wire. */
const put = (o: object, k: string | number, v: unknown) =>
  Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true })

/** A copy of `event` with the mutations applied in turn (each sees the previous ones' result). */
export function mutate<T>(event: T, ms: readonly Mutation[]): T {
  const copy = structuredClone(event)
  for (const m of ms) {
    const paths = pathsOf(copy)
    if (paths.length === 0) break
    const path = paths[m.at % paths.length]!
    const parent = path.slice(0, -1).reduce<any>((node, k) => node[k], copy)
    const last = path.at(-1)!
    if (m.op === 'add') {
      const target = isObject(parent[last]) ? parent[last] : parent
      if (isObject(target)) put(target, m.key, m.value)
    } else if (m.op === 'delete') {
      if (Array.isArray(parent)) parent.splice(Number(last), 1)
      else delete parent[last]
    } else {
      put(parent, last, m.op === 'null' ? null : m.value)
    }
  }
  return copy
}

/**
 * Whether any string or number in `v` (keys included) holds `digits` once spaces and dashes
 * are gone: the ways a PIN can be read out of an event (Lex joins "0 4 2-7 1 9").
 */
export function carries(v: unknown, digits: string): boolean {
  if (typeof v === 'string' || typeof v === 'number') return String(v).replace(/[\s-]/g, '').includes(digits)
  if (Array.isArray(v)) return v.some((x) => carries(x, digits))
  if (isObject(v)) return Object.entries(v).some(([k, x]) => carries(k, digits) || carries(x, digits))
  return false
}

export type Payload = { body: string; headers: Record<string, string> }

/** How an event travels: mostly as JSON, sometimes cut short or under another content type. */
export function payloadOf(event: fc.Arbitrary<unknown>): fc.Arbitrary<Payload> {
  const json = { 'content-type': 'application/json' }
  return fc.oneof(
    { weight: 12, arbitrary: event.map((e) => ({ body: JSON.stringify(e) ?? 'null', headers: json })) },
    fc.tuple(event, fc.nat()).map(([e, cut]) => {
      const text = JSON.stringify(e) ?? ''
      return { body: text.slice(0, cut % (text.length + 1)), headers: json }
    }),
    fc
      .tuple(
        event,
        fc.constantFrom(
          'text/plain',
          'application/x-www-form-urlencoded',
          'application/json; charset=utf-16',
          'application/xml',
        ),
      )
      .map(([e, type]) => ({ body: JSON.stringify(e) ?? '', headers: { 'content-type': type } })),
  )
}

/**
 * What a channel route gets from a fuzzer, sent as the shim sends it: mostly a real event broken
 * by mutations, sometimes any JSON at all, and never one that carries a right PIN.
 */
export function shimRequests(
  url: string,
  event: fc.Arbitrary<unknown>,
  pins: readonly string[],
): fc.Arbitrary<InjectOptions> {
  const events = fc
    .oneof(
      { weight: 10, arbitrary: fc.tuple(event, mutations).map(([e, ms]) => mutate(e, ms)) },
      fc.jsonValue({ maxDepth: 4 }),
    )
    .filter((e) => !pins.some((pin) => carries(e, pin)))
  return fc.tuple(payloadOf(events), shimAuthorization).map(([p, auth]) => ({
    method: 'POST',
    url,
    body: p.body,
    headers: { ...p.headers, ...auth },
  }))
}
