// The ports order sessions need from the outside world (Redis, KMS). Kept beside
// ports.ts rather than in it so the verification ports stay as they are.
import type { Locale } from './ports.ts'

export interface OrderLine {
  item: string
  quantity: number
}

/** A session as the store holds it. The server's copy is the only truth about `authenticated`. */
export interface OrderSession {
  id: string
  /** Random per incarnation: a session re-created under the same id is a different session. */
  nonce: string
  email: string | undefined
  /** The number given when the session was created (REST), if any. */
  phone: string | undefined
  /** Where the current challenge's PIN went (E.164). */
  sentTo: string | undefined
  locale: Locale
  authenticated: boolean
  challengeId: string | undefined
  /** Counts challenges bound so far; makes issuing a PIN idempotent per session. */
  generation: number
  items: OrderLine[]
  createdAt: number
  expiresAt: number
}

export interface NewSession {
  id: string
  nonce: string
  email: string | undefined
  phone: string | undefined
  locale: Locale
}

/** How long a session lives: a sliding idle TTL, capped by a maximum age counted from creation. */
export interface SessionLifetime {
  idleTtlMs: number
  maxAgeMs: number
}

/** The lifetime as of `now`, handed to every store call. */
export interface SessionTiming extends SessionLifetime {
  now: number
}

export type AddItemOutcome =
  | { kind: 'added'; session: OrderSession }
  | { kind: 'not_found' }
  | { kind: 'not_authenticated' }
  | { kind: 'limit' }

/** A conversation turn about to run: the answer to an identical turn just given, or the turn's lock, or neither yet. */
export type TurnStart = { kind: 'replay'; answer: string } | { kind: 'go' } | { kind: 'busy' }

/** Every method refreshes the session's TTL; undefined = missing, expired or another incarnation. */
export interface SessionStore {
  isSessionId(id: string): boolean
  /** Creates a new session; undefined if the id is taken. */
  create(session: NewSession, t: SessionTiming): Promise<OrderSession | undefined>
  /** For channels: the session under `id` if it belongs to the same `email` and `phone`, else a fresh one replacing it. */
  openForContact(session: NewSession, t: SessionTiming): Promise<OrderSession>
  get(id: string, t: SessionTiming): Promise<OrderSession | undefined>
  /** Binds a challenge if `generation` is still current (else returns the session unchanged). */
  bindChallenge(
    id: string,
    nonce: string,
    generation: number,
    challengeId: string,
    sentTo: string,
    t: SessionTiming,
  ): Promise<OrderSession | undefined>
  /** Marks the session authenticated (and forgets the spent challenge) if it is still `nonce`. */
  authenticate(id: string, nonce: string, t: SessionTiming): Promise<OrderSession | undefined>
  addItem(
    id: string,
    item: string,
    quantity: number,
    limits: { maxQuantity: number; maxLines: number },
    t: SessionTiming,
  ): Promise<AddItemOutcome>
  /**
   * One turn of a conversation at a time (`id` is its session id, whether or not the session
   * exists yet): the kept answer if the last turn had this `fingerprint`, else the lock under
   * `token` for `lockMs`, else busy.
   */
  beginTurn(id: string, fingerprint: string, token: string, lockMs: number): Promise<TurnStart>
  /** Releases the lock if it is still `token`'s, keeping `answer` for an identical turn for `keepMs` (undefined: keep nothing). */
  endTurn(id: string, token: string, fingerprint: string, answer: string | undefined, keepMs: number): Promise<void>
}

export type DecryptOutcome = { kind: 'plaintext'; value: Uint8Array } | { kind: 'invalid' }

/**
 * Decrypts a client-encrypted PIN. `invalid` means the ciphertext was tampered with or made
 * for another key or context; any failure of the service itself throws (DEPENDENCY_UNAVAILABLE).
 */
export interface PinDecryptor {
  decrypt(ciphertext: Uint8Array, context: { challengeId: string }): Promise<DecryptOutcome>
}
