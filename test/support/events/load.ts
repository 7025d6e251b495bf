import { readFileSync } from 'node:fs'

// Real events under test/events/<source>/ (copied verbatim from AWS documentation and
// samples), loaded by name; tests build variants from them rather than writing
// events by hand.
const EVENTS = {
  connect: ['connect-lambda-devguide-example', 'connect-powertools-min-nulls'],
  lex: ['lexv2-dialogcodehook-text-bookhotel', 'lexv2-fulfillmentcodehook-text-bankingbot'],
} as const

export type EventSource = keyof typeof EVENTS
export type EventName<S extends EventSource> = (typeof EVENTS)[S][number]
export type ConnectFixture = EventName<'connect'>
export type LexFixture = EventName<'lex'>

/** Events are free-form JSON, edited freely; tests reach into them by path. */
export type Json = any

/** A fresh copy of a recorded event. */
export function loadEvent<S extends EventSource>(source: S, name: EventName<S>): Json {
  return JSON.parse(readFileSync(new URL(`../../events/${source}/${name}.json`, import.meta.url), 'utf8'))
}

/** Every recorded event of a source, by name. */
export const eventNames = <S extends EventSource>(source: S): ReadonlyArray<EventName<S>> => EVENTS[source]
