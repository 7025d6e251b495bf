import { describe, expect, it } from 'vitest'
import { createLexChannel } from '../../../services/auth/src/channels/lex/channel.ts'
import { botTexts } from '../../../services/auth/src/channels/lex/messages.ts'
import { message } from '../../../services/auth/src/channels/lex/response.ts'
import { type ErrorCode, PinlineError } from '../../../services/auth/src/core/errors.ts'
import { createMenu } from '../../../services/auth/src/core/menu.ts'
import type { OrderSessions } from '../../../services/auth/src/core/sessions.ts'
import { defaults } from '../../support/core/fakes.ts'
import { lexEvent } from '../../support/events/lex-events.ts'

// The Lex channel's failure table: whatever the order sessions refuse or fail with, Lex gets a
// well-formed Close/Failed with the message for it, and only the service's own faults are logged.

const en = botTexts.en

function channelFailingWith(err: unknown) {
  const fail = async () => {
    throw err
  }
  const sessions = {
    openChannel: fail,
    peekChannel: fail,
    requestPin: fail,
    verifyPin: fail,
    addItem: fail,
    // One turn at a time is the store's business: here every turn simply runs.
    channelTurn: async (_c: string, _p: string[], _f: string, run: () => Promise<{ answer: string }>) => ({
      kind: 'ran',
      answer: (await run()).answer,
    }),
  } as unknown as OrderSessions
  const logged: object[] = []
  const log = { info: () => undefined, error: (obj: object) => void logged.push(obj) }
  const channel = createLexChannel({ menu: createMenu(defaults.menu), sessions, defaultLocale: 'en' })
  const order = lexEvent({
    intent: 'OrderFood',
    sessionId: 'unit-session',
    sessionAttributes: { email: 'a@example.com' },
  })
  return { turn: () => channel.handle(order, log), logged }
}

describe('Lex: what the user is told when a call fails', () => {
  it.each<[ErrorCode, number | undefined, string]>([
    ['CONTACT_NOT_FOUND', undefined, en.noContact],
    ['CHALLENGE_LOCKED', 600, en.locked(600)],
    ['PHONE_LOCKED', 3600, en.locked(3600)],
    ['MAX_SENDS_REACHED', 60, en.sendLimit(60)],
    ['PHONE_SEND_LIMIT', 900, en.sendLimit(900)],
    ['PREFIX_SEND_LIMIT', 3600, en.sendLimit(3600)],
    ['DESTINATION_NOT_ALLOWED', undefined, en.destinationNotAllowed],
    ['SMS_SEND_FAILED', undefined, en.smsFailed],
    ['SMS_BUDGET_EXCEEDED', 100, en.smsFailed],
    ['INVALID_EMAIL', undefined, en.noEmail],
    ['ENCRYPTION_NOT_CONFIGURED', undefined, en.encryptionOff],
    ['ORDER_LIMIT_REACHED', undefined, en.orderLimit],
    ['DEPENDENCY_UNAVAILABLE', undefined, en.unavailable],
    ['VALIDATION_FAILED', undefined, en.unavailable],
  ])('%s (retry after %s s): Close/Failed saying so', async (code, retryAfter, text) => {
    const { turn, logged } = channelFailingWith(new PinlineError(code, retryAfter ? { retryAfter } : {}))
    const { response, outcome } = await turn()
    expect(outcome).toBe(code)
    expect(response.sessionState.dialogAction).toEqual({ type: 'Close' })
    expect(response.sessionState.intent.state).toBe('Failed')
    // A text turn: the message as plain text (the texts carry marks for speech).
    expect(response.messages).toEqual([message(text, false)])
    expect(response.sessionState.sessionAttributes.auth).toBe('false')
    // Refusals are the user's; only a failure of the service (5xx) is logged as an error.
    expect(logged).toHaveLength(new PinlineError(code).statusCode >= 500 ? 1 : 0)
  })

  it('anything else (a bug, a driver error): the apology, outcome "error", logged', async () => {
    const { turn, logged } = channelFailingWith(new TypeError('boom'))
    const { response, outcome } = await turn()
    expect(outcome).toBe('error')
    expect(response.messages).toEqual([message(en.unavailable, false)])
    expect(logged).toHaveLength(1)
  })

  it('the menu needs no session: a failing session lookup still shows it (and is logged)', async () => {
    const logged: object[] = []
    const sessions = { peekChannel: async () => Promise.reject(new Error('redis gone')) } as unknown as OrderSessions
    const channel = createLexChannel({ menu: createMenu(defaults.menu), sessions, defaultLocale: 'en' })
    const log = { info: () => undefined, error: (obj: object) => void logged.push(obj) }
    const { outcome, response } = await channel.handle(
      lexEvent({ intent: 'GetFoodMenu', sessionId: 'unit-session' }),
      log,
    )
    expect(outcome).toBe('menu')
    expect(response.sessionState.dialogAction).toEqual({ type: 'ElicitSlot', slotToElicit: 'Food' })
    expect(logged).toHaveLength(1)
  })
})
