import { describe, expect, it } from 'vitest'
import { parseLexEvent, slotPin, slotReadings } from '../../services/auth/src/channels/lex/event.ts'
import { slot } from '../support/events/lex-events.ts'
import { loadEvent } from '../support/events/load.ts'

describe('parseLexEvent on the AWS samples, unmodified', () => {
  it('FulfillmentCodeHook (BankingBot): conversation, locale, intent and its filled slots', () => {
    const turn = parseLexEvent(loadEvent('lex', 'lexv2-fulfillmentcodehook-text-bankingbot'), 'ja')
    expect(turn.conversation).toEqual(['J866BA0UQC', 'TSTALIASID', '254688924456798'])
    expect(turn.locale).toBe('en')
    expect(turn.intent).toMatchObject({ name: 'CheckBalance', confirmationState: 'None' })
    expect(slotReadings(turn.intent!.slots.accountType)).toEqual(['Savings', 'savings'])
    expect(turn.attributes).toEqual({})
    expect(turn.email).toBeUndefined()
  })

  it('DialogCodeHook (BookHotel): no sessionAttributes at all, every slot null', () => {
    const turn = parseLexEvent(loadEvent('lex', 'lexv2-dialogcodehook-text-bookhotel'), 'en')
    expect(turn.intent).toEqual({
      name: 'BookHotel',
      confirmationState: 'None',
      slots: { RoomType: null, CheckInDate: null, Nights: null, Location: null },
    })
    expect(turn.attributes).toEqual({})
    expect(slotReadings(turn.intent!.slots.Location)).toEqual([])
  })
})

describe('parseLexEvent leniency', () => {
  it('falls back to the top interpretation, stringifies odd attributes, and keeps encryptedPin out of the echo', () => {
    const e = loadEvent('lex', 'lexv2-dialogcodehook-text-bookhotel')
    delete e.sessionState.intent
    e.sessionState.sessionAttributes = {
      email: ' A@Example.com ',
      n: 7,
      o: { a: 1 },
      gone: null,
      encryptedPin: ' AQID ',
    }
    const turn = parseLexEvent(e, 'en')
    expect(turn.intent?.name).toBe('BookHotel')
    expect(turn.attributes).toEqual({ email: ' A@Example.com ', n: '7', o: '{"a":1}' })
    expect(turn.email).toBe('A@Example.com')
    expect(turn.encryptedPin).toBe('AQID')
  })

  it('no conversation without a valid sessionId and bot id; unknown locales use the default', () => {
    const e = loadEvent('lex', 'lexv2-dialogcodehook-text-bookhotel')
    e.sessionId = 'has spaces'
    e.bot.localeId = 'fr_FR'
    expect(parseLexEvent(e, 'ja')).toMatchObject({ conversation: undefined, locale: 'ja' })
    expect(parseLexEvent(null, 'en')).toMatchObject({ conversation: undefined, intent: undefined, attributes: {} })
  })
})

describe('slotPin', () => {
  it('keeps leading zeros that AMAZON.Number drops, from spoken or keyed digits', () => {
    expect(slotPin(slot('0 4 2 7 1 9', '42719'))).toBe('042719')
    expect(slotPin(slot('042-719', '42719'))).toBe('042719')
    expect(slotPin(slot('042719', '42719'))).toBe('042719')
  })

  it("uses Lex's interpretation when the words are not digits, and never folds full-width digits itself", () => {
    expect(slotPin(slot('four two seven one nine eight', '427198'))).toBe('427198')
    expect(slotPin(slot('１２３４５６', '１２３４５６'))).toBe('１２３４５６')
    expect(slotPin(null)).toBeUndefined()
    expect(slotPin({ shape: 'List', values: [slot('123456')] })).toBe('123456')
  })
})

describe('slots a client that is not Lex made', () => {
  it('values of the wrong type read as nothing, and never throw (a number PIN once answered "something went wrong")', () => {
    const odd = [
      { shape: 'Scalar', value: { originalValue: 123456, interpretedValue: 123456 } },
      { shape: 'Scalar', value: { originalValue: false, interpretedValue: ['123456'], resolvedValues: 'pizza' } },
      { shape: 'List', values: 'pizza' },
      { shape: 'List', values: { value: { originalValue: '123456' } } },
      { shape: 'List', values: [null, 7, { value: 'x' }] },
      { shape: 'Scalar', value: '123456' },
    ] as never[]
    for (const s of odd) {
      expect(slotPin(s)).toBeUndefined()
      expect(slotReadings(s)).toEqual([])
    }
    // A string beside a wrong-typed field still counts.
    expect(slotPin({ shape: 'Scalar', value: { originalValue: 42 as never, interpretedValue: '123456' } })).toBe(
      '123456',
    )
  })
})
