import { createHmac } from 'node:crypto'

// The one place that builds Redis keys. Every key of one phone number shares the
// hash tag {<phone id>}, so each script touches a single Cluster slot. Keys hold a
// keyed hash (HMAC-SHA256 under KEY_HASH_SECRET) of the number or e-mail, not the value:
// SCAN and MONITOR output do not list customers, and since a challenge id starts with its
// phone id, the hash must be keyed or anyone holding an id could brute-force the number.

const ID_LEN = 16 // 96 bits: collisions are not a practical concern
const TOKEN_LEN = 22
const CHALLENGE_ID = new RegExp(`^[A-Za-z0-9_-]{${ID_LEN + TOKEN_LEN}}$`)
// Memoised digests per kind (client addresses, channel counters), oldest dropped first: a few hundred KB at most.
const MEMO_SIZE = 4096
const SESSION_ID = new RegExp(`^[A-Za-z0-9_-]{${TOKEN_LEN}}$`)

export type Keys = ReturnType<typeof createKeys>

/** `map.get(input)`, else `make()` kept under it: bounded, the oldest entry dropped first. */
function memo(map: Map<string, string>, input: string, make: () => string): string {
  let value = map.get(input)
  if (value === undefined) {
    value = make()
    if (map.size >= MEMO_SIZE) map.delete(map.keys().next().value as string)
    map.set(input, value)
  }
  return value
}

/** `secret` keys the hashes: changing it orphans every stored caller (see KEY_HASH_SECRET). */
export function createKeys(prefix: string, secret: string) {
  const digest = (input: string) => createHmac('sha256', secret).update(input).digest('base64url').slice(0, ID_LEN)
  // Not memoised: a cache keyed by the number would keep customers' numbers in the process's
  // memory (heap snapshots, core dumps) long after their requests; one HMAC is about a microsecond.
  const phoneId = (e164: string) => digest(`phone:${e164}`)
  const tag = (id: string) => `${prefix}{${id}}`
  const keyTags = new Map<string, string>()
  const ipIds = new Map<string, string>()
  const channelKeys = new Map<string, string>()
  const clientIds = new Map<string, string>()
  const prefixIds = new Map<string, string>()
  const spendTag = tag('spend')
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
    forTurn: (sessionId: string) => ({
      lock: `${tag(`s:${sessionId}`)}:turn-lock`,
      last: `${tag(`s:${sessionId}`)}:last-turn`,
    }),
    isSessionId: (id: string) => SESSION_ID.test(id),
    /** Whether a challenge id was issued for this number (test numbers keep their fixed code on resend). */
    isChallengeFor: (challengeId: string, e164: string) =>
      CHALLENGE_ID.test(challengeId) && challengeId.startsWith(phoneId(e164)),
    // Spend counters shared by many numbers (per client, per prefix, per day): they share one hash
    // tag, so the ones an SMS counts against are taken in one single-slot script. Every SMS already
    // counted on the day's one key, so the shard holding them sees no more scripts than before.
    /** SMS sent on behalf of one API key (its name): the attacker-controlled budget comes first. */
    clientSends: (keyName: string) =>
      `${spendTag}:k:${memo(clientIds, keyName, () => digest(`client:${keyName}`))}:sends`,
    /** Known (enrolled) callers have a counter of their own per prefix: a sweep of strangers does not block them. */
    prefixSends: (numberPrefix: string, known = false) =>
      `${spendTag}:p:${memo(prefixIds, `${known ? 'k' : 's'}${numberPrefix}`, () => digest(`${known ? 'prefix-known' : 'prefix'}:${numberPrefix}`))}:sends`,
    dailySends: (day: string) => `${spendTag}:d:${day}:sends`,
    dailyCalls: (day: string) => `${spendTag}:v:${day}:calls`,
    /**
     * The day's counters as versions before the {spend} tag named them (each in a slot of its own),
     * and the mark that today's count was carried over from them once.
     */
    legacyDaily: (day: string) => ({
      day: { legacy: `${tag(`d:${day}`)}:sends`, mark: `${spendTag}:d:${day}:adopted` },
      voice_day: { legacy: `${tag(`v:${day}`)}:calls`, mark: `${spendTag}:v:${day}:adopted` },
    }),
    /**
     * Channel request counters of one API key (its name): the key's own, and per conversation or
     * caller number under it. All share the key's hash tag, so one script takes them together (one
     * slot, one round trip); the Lambda shims use one channels key, so per conversation and per
     * number under it is per conversation and per number. Memoised (bounded): a Connect contact or
     * Lex conversation calls several times, the key always; a number is not (see phoneId).
     */
    channelHits(keyName: string, dimension: 'key' | 'conversation' | 'number', id: string) {
      const tagged = memo(
        channelKeys,
        `${keyName}\nkey`,
        () => `${prefix}rl:ch:{k:${digest(`channel-key:${keyName}`)}}`,
      )
      if (dimension === 'key') return tagged
      // A caller's number is hashed each time, never kept as a cache key (see phoneId).
      if (dimension === 'number') return `${tagged}:${digest(`channel:number:${id}`)}`
      return memo(
        channelKeys,
        `${keyName}\n${dimension}:${id}`,
        () => `${tagged}:${digest(`channel:${dimension}:${id}`)}`,
      )
    },
    /**
     * The HTTP rate-limit counters of one request: its API key's, and its client address's
     * under that key. Both share the key's hash tag, so one single-slot script checks both (one
     * round trip); the per-address counter is per key, which is what it defends (one noisy host
     * on a shared key), and every key has its own per-key cap. Digests are memoised: key names
     * are few, addresses are kept in a bounded map.
     */
    rateLimit: {
      namespace: `${prefix}rl:`,
      forRequest(keyName: string, ip: string) {
        const k = memo(keyTags, keyName, () => `${prefix}rl:{k:${digest(`api-key:${keyName}`)}}`)
        const a = memo(ipIds, ip, () => digest(`ip:${ip}`))
        return { perKey: k, perIp: `${k}:ip:${a}` }
      },
    },
  }
}
