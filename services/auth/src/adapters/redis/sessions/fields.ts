/**
 * The fields of an order session hash, declared once. `sentTo` is where the current PIN went,
 * `generation` counts the challenges bound so far, `items` is the order as JSON [{i, q}].
 */
export const SESSION = {
  nonce: 'n',
  email: 'em',
  phone: 'ph',
  sentTo: 'to',
  locale: 'lo',
  authenticated: 'au',
  challengeId: 'ch',
  generation: 'g',
  items: 'it',
  createdAt: 'c',
} as const

/** A conversation's last turn (beside its session, in the session's slot): what it was and its answer. */
export const LAST_TURN = {
  fingerprint: 'h',
  answer: 'a',
} as const

/** A session as the scripts answer it: its fields by name, as stored (strings). */
export type StoredSession = Partial<Record<keyof typeof SESSION, string>>
