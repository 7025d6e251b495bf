import { Type } from 'typebox'

/** A pending challenge as every route that sends a PIN reports it. */
export const Challenge = Type.Object(
  {
    challengeId: Type.String(),
    status: Type.Literal('pending'),
    channel: Type.Union([Type.Literal('sms'), Type.Literal('voice')], { description: 'How the PIN went' }),
    expiresAt: Type.String({ format: 'date-time' }),
    resendAvailableAt: Type.String({ format: 'date-time' }),
    sendsLeft: Type.Integer(),
  },
  { title: 'Challenge' },
)
