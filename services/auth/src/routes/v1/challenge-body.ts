import type { ChallengeView } from '../../core/verification.ts'

/** A pending challenge as every route that sends a PIN reports it (schemas/challenge.ts). */
export const challengeBody = (c: ChallengeView) => ({
  challengeId: c.challengeId,
  status: c.status,
  channel: c.channel,
  expiresAt: new Date(c.expiresAt).toISOString(),
  resendAvailableAt: new Date(c.resendAvailableAt).toISOString(),
  sendsLeft: c.sendsLeft,
})
