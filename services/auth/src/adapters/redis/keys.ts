import { createHmac } from 'node:crypto'

// The one place that builds Redis keys. Every key of one phone number shares the
// hash tag {<phone id>}, so each script touches a single Cluster slot. Keys hold a
// keyed hash (HMAC-SHA256 under KEY_HASH_SECRET) of the number or e-mail, not the value:
// SCAN and MONITOR output do not list customers, and since a challenge id starts with its
// phone id, the hash must be keyed or anyone holding an id could brute-force the number.

const ID_LEN = 16 // 96 bits: collisions are not a practical concern
const TOKEN_LEN = 22
const CHALLENGE_ID = new RegExp(`^[A-Za-z0-9_-]{${ID_LEN + TOKEN_LEN}}$`)
const SESSION_ID = new RegExp(`^[A-Za-z0-9_-]{${TOKEN_LEN}}$`)

export type Keys = ReturnType<typeof createKeys>

/** `secret` keys the hashes: changing it orphans every stored caller (see KEY_HASH_SECRET). */
export function createKeys(prefix: string, secret: string) {
  const digest = (input: string) => createHmac('sha256', secret).update(input).digest('base64url').slice(0, ID_LEN)
  const phoneId = (e164: string) => digest(`phone:${e164}`)
  const tag = (id: string) => `${prefix}{${id}}`
  return {
    phoneId,
    /** A challenge id starts with its phone's id, so verify can find the shard in one step. */
    challengeId: (e164: string, token: string) => `${phoneId(e164)}${token.slice(0, TOKEN_LEN)}`,
    isChallengeId: (id: string) => CHALLENGE_ID.test(id),
    /** The phone id a challenge id starts with: the keyed hash of its number. */
    phoneIdOf: (challengeId: string) => challengeId.slice(0, ID_LEN),
    challenge: (challengeId: string) => `${tag(challengeId.slice(0, ID_LEN))}:ch:${challengeId.slice(ID_LEN)}`,
    /** All keys a challenge script touches, given the challenge id. */
    forChallenge(challengeId: string) {
      const pid = challengeId.slice(0, ID_LEN)
      return {
        challenge: `${tag(pid)}:ch:${challengeId.slice(ID_LEN)}`,
        failures: `${tag(pid)}:fails`,
        sends: `${tag(pid)}:sends`,
        caller: `${tag(pid)}:caller`,
        streak: `${tag(pid)}:streak`,
      }
    },
    /** A number's failure counters: the window (fails) and the consecutive streak, one slot. */
    forPhone(e164: string) {
      const pid = phoneId(e164)
      return { failures: `${tag(pid)}:fails`, streak: `${tag(pid)}:streak` }
    },
    caller: (e164: string) => `${tag(phoneId(e164))}:caller`,
    email: (email: string) => `${tag(`e:${digest(`email:${email}`)}`)}:email`,
    /** An order session is one hash in a slot of its own. */
    session: (sessionId: string) => `${tag(`s:${sessionId}`)}:session`,
    /** A conversation's turn lock and the answer to its last turn: the session's slot. */
    forTurn: (sessionId: string) => ({ lock: `${tag(`s:${sessionId}`)}:turn-lock`, last: `${tag(`s:${sessionId}`)}:last-turn` }),
    isSessionId: (id: string) => SESSION_ID.test(id),
    /** Whether a challenge id was issued for this number (test numbers keep their fixed code on resend). */
    isChallengeFor: (challengeId: string, e164: string) => CHALLENGE_ID.test(challengeId) && challengeId.startsWith(phoneId(e164)),
    // Spend counters shared by many numbers: each is its own slot, with single-key scripts.
    /** SMS sent on behalf of one API key (its name): the attacker-controlled budget comes first. */
    clientSends: (keyName: string) => `${tag(`k:${digest(`client:${keyName}`)}`)}:sends`,
    /** Known (enrolled) callers have a counter of their own per prefix: a sweep of strangers does not block them. */
    prefixSends: (numberPrefix: string, known = false) => `${tag(`p:${digest(`${known ? 'prefix-known' : 'prefix'}:${numberPrefix}`)}`)}:sends`,
    dailySends: (day: string) => `${tag(`d:${day}`)}:sends`,
    dailyCalls: (day: string) => `${tag(`v:${day}`)}:calls`,
    /** Channel request counters (per key, conversation or number): single-key scripts, beside the HTTP ones. */
    channelHits: (dimension: string, id: string) => `${prefix}rl:ch:${digest(`channel:${dimension}:${id}`)}`,
    /** @fastify/rate-limit prepends a namespace to what a key generator returns; both come from here. */
    rateLimit: {
      namespace: `${prefix}rl:`,
      apiKey: (apiKey: string) => `k:${digest(`api-key:${apiKey}`)}`,
      ip: (ip: string) => `ip:${digest(`ip:${ip}`)}`,
    },
  }
}
