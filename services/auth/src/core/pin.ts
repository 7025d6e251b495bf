import { createHmac, randomBytes, randomInt } from 'node:crypto'

/** A PIN of `length` decimal digits from the CSPRNG; randomInt has no modulo bias. */
export function generatePin(length: number): string {
  let pin = ''
  for (let i = 0; i < length; i++) pin += String(randomInt(0, 10))
  return pin
}

/**
 * What we store instead of the PIN: HMAC-SHA256 keyed by the server secret and bound
 * to the challenge id, truncated to 128 bits. A stored digest is useless for another
 * challenge and cannot be brute-forced offline without the secret. Because the
 * attacker cannot compute these digests, comparing them in Redis needs no
 * constant-time compare: timing reveals nothing about the PIN.
 */
export function pinDigest(secret: string, challengeId: string, pin: string): string {
  return createHmac('sha256', secret).update(`${challengeId}\0${pin}`).digest('base64url').slice(0, 22)
}

/** 128 random bits, URL-safe. */
export function randomToken(): string {
  return randomBytes(16).toString('base64url')
}

/** A deterministic token, keyed by the server secret: for idempotent challenges. */
export function keyedToken(secret: string, input: string): string {
  return createHmac('sha256', secret).update(`idem\0${input}`).digest('base64url').slice(0, 22)
}
