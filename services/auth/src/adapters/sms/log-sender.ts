import { channel } from 'node:diagnostics_channel'
import type { Logger } from 'pino'
import { maskPhone } from '../../core/phone.ts'
import type { SmsSender, VoiceSender } from '../../core/ports.ts'

/** Each SMS the log sender writes, number masked as in the log: the playground's outbox listens. */
export const logSmsChannel = channel('pinline:sms:log')
export type LoggedSms = { to: string; body: string; at: string }

/**
 * Development only (refused when NODE_ENV=production): writes the SMS to the log
 * instead of sending it. The only place a PIN is ever logged.
 */
export function createLogSender(log: Pick<Logger, 'warn'>): SmsSender {
  return {
    async send({ to, body }) {
      log.warn({ sms: { to: maskPhone(to), body } }, 'SMS_PROVIDER=log: SMS written to the log instead of sent')
      if (logSmsChannel.hasSubscribers)
        logSmsChannel.publish({ to: maskPhone(to), body, at: new Date().toISOString() } satisfies LoggedSms)
    },
  }
}

/** Development only, like the SMS one: writes the call's SSML (PIN included) to the log. */
export function createLogVoiceSender(log: Pick<Logger, 'warn'>): VoiceSender {
  return {
    async call({ to, ssml, locale }) {
      log.warn(
        { call: { to: maskPhone(to), locale, ssml } },
        'VOICE_PROVIDER=log: PIN call written to the log instead of placed',
      )
    },
  }
}
