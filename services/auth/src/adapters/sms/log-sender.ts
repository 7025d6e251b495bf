import type { Logger } from 'pino'
import { maskPhone } from '../../core/phone.ts'
import type { SmsSender, VoiceSender } from '../../core/ports.ts'

/**
 * Development only (refused when NODE_ENV=production): writes the SMS to the log
 * instead of sending it. The only place a PIN is ever logged.
 */
export function createLogSender(log: Pick<Logger, 'warn'>): SmsSender {
  return {
    async send({ to, body }) {
      log.warn({ sms: { to: maskPhone(to), body } }, 'SMS_PROVIDER=log: SMS written to the log instead of sent')
    },
  }
}

/** Development only, like the SMS one: writes the call's SSML (PIN included) to the log. */
export function createLogVoiceSender(log: Pick<Logger, 'warn'>): VoiceSender {
  return {
    async call({ to, ssml, locale }) {
      log.warn({ call: { to: maskPhone(to), locale, ssml } }, 'VOICE_PROVIDER=log: PIN call written to the log instead of placed')
    },
  }
}
