import { describe, expect, it } from 'vitest'
import { parseLexEvent } from '../../services/auth/src/channels/lex/event.ts'
import { contactFlowEvent } from '../../web/src/flow/contact-flow-event.ts'
import { codeHookEvent, nextState, playgroundBot, recognize } from '../../web/src/lex/dialog.ts'
import { loadEvent } from '../support/events/load.ts'

// The playground builds the events Connect and Lex would send (web/src/flow, web/src/lex): they
// must keep the shape of the real ones (test/events/, copied from AWS), or the page would test a
// contract nobody sends.

/** Every key path of a JSON value, array items by their first element. */
function paths(value: unknown, prefix = ''): string[] {
  if (Array.isArray(value)) return value.length ? paths(value[0], `${prefix}[]`) : [`${prefix}[]`]
  if (typeof value !== 'object' || value === null) return [prefix]
  return Object.entries(value).flatMap(([k, v]) => [`${prefix}.${k}`, ...paths(v, `${prefix}.${k}`)])
}

const bot = playgroundBot('ja_JP')

describe('ContactFlowEvent', () => {
  it("has every field of the Connect guide's example, with the contact's number, attributes and the block's parameters", () => {
    const event = contactFlowEvent(
      { contactId: 'c-1', phone: '+819012345678', languageCode: 'ja-JP' },
      { action: 'lookup' },
      { CallerID: '+819012345678' },
    )
    const real = loadEvent('connect', 'connect-lambda-devguide-example')
    // Queue is null before the flow sets one (as in the Powertools sample); its sub-keys go with it.
    const expected = paths(real).filter(
      (p) => !p.startsWith('.Details.ContactData.Queue.') && !p.startsWith('.Details.Parameters.'),
    )
    expect(paths(event)).toEqual(expect.arrayContaining(expected))
    expect(event.Details).toMatchObject({
      ContactData: {
        CustomerEndpoint: { Address: '+819012345678', Type: 'TELEPHONE_NUMBER' },
        Attributes: { CallerID: '+819012345678' },
        LanguageCode: 'ja-JP',
      },
      Parameters: { action: 'lookup' },
    })
    expect(contactFlowEvent({ contactId: 'c-2', phone: null }, {}, {}).Details.ContactData.CustomerEndpoint).toBeNull()
  })
})

describe('Lex V2 DialogCodeHook event', () => {
  it("has every field of AWS's sample text event, and the channel reads the turn from it", () => {
    const event = codeHookEvent({
      bot,
      sessionId: 'session-1',
      text: 'ピザを注文したいのですが',
      state: { sessionAttributes: { email: 'a@example.com' } },
    })
    const real = loadEvent('lex', 'lexv2-dialogcodehook-text-bookhotel')
    // Slots and the proposed next state are the bot's own (BookHotel's); the envelope must match.
    const envelope = (p: string) => !p.includes('.slots.') && !p.startsWith('.proposedNextState')
    expect(paths(event)).toEqual(expect.arrayContaining(paths(real).filter(envelope)))
    const turn = parseLexEvent(event, 'en')
    expect(turn).toMatchObject({
      conversation: ['PLAYGROUND', 'TSTALIASID', 'session-1'],
      locale: 'ja',
      email: 'a@example.com',
      intent: { name: 'OrderFood' },
    })
    expect(turn.intent?.slots.Food?.value).toEqual({
      originalValue: 'ピザを注文したいのですが',
      interpretedValue: 'ピザ',
      resolvedValues: [],
    })
  })

  it('follows the dialog: the menu, a dish, then the PIN slot the bot asked for; Close ends the intent', () => {
    expect(recognize("What's on the menu?", { sessionAttributes: {} }).name).toBe('GetFoodMenu')
    expect(recognize("I'd like to order a pizza", { sessionAttributes: {} }).slots.Food?.value.interpretedValue).toBe(
      'pizza',
    )
    const asked = nextState(
      {
        sessionState: {
          sessionAttributes: { uuid: 'c1' },
          dialogAction: { type: 'ElicitSlot', slotToElicit: 'Pin' },
          intent: recognize('Pizza', { sessionAttributes: {} }),
        },
      },
      { sessionAttributes: {} },
    )
    const pin = recognize('123 456', asked)
    expect(pin.name).toBe('OrderFood')
    expect(pin.slots.Pin?.value).toMatchObject({ originalValue: '123 456', interpretedValue: '123456' })
    expect(pin.slots.Food?.value.originalValue).toBe('Pizza')
    expect(nextState({ sessionState: { dialogAction: { type: 'Close' } } }, asked)).toEqual({
      sessionAttributes: { uuid: 'c1' },
    })
  })

  it('"that\'s all" and "以上です" are FinishOrder, as the bot\'s sample utterances make them; "no pizza" is still a dish', () => {
    for (const said of ["That's all.", 'no thanks', '以上です。'])
      expect(recognize(said, { sessionAttributes: {} }).name, said).toBe('FinishOrder')
    expect(recognize('no pizza', { sessionAttributes: {} }).name).toBe('OrderFood')
  })

  it("a turn on a call, as Connect hands it to Lex: Speech or DTMF, an audio response, the flow's callerPhone; the channel reads it as a voice turn by number", () => {
    const state = { sessionAttributes: { callerPhone: '+819012345678', 'x-amz-lex:dtmf:end-character:*:*': '#' } }
    const speech = codeHookEvent({
      bot: playgroundBot('en_US'),
      sessionId: 'contact-1',
      text: 'pizza',
      state,
      inputMode: 'Speech',
    })
    expect(speech).toMatchObject({ inputMode: 'Speech', responseContentType: 'audio/pcm', inputTranscript: 'pizza' })
    expect(parseLexEvent(speech, 'ja')).toMatchObject({
      voice: true,
      inputMode: 'Speech',
      callerPhone: '+819012345678',
      email: undefined,
      locale: 'en',
    })
    const asked = { ...state, intent: recognize('pizza', state), slotToElicit: 'Pin' }
    const dtmf = codeHookEvent({
      bot: playgroundBot('en_US'),
      sessionId: 'contact-1',
      text: '042719',
      state: asked,
      inputMode: 'DTMF',
    })
    expect(parseLexEvent(dtmf, 'ja')).toMatchObject({ inputMode: 'DTMF', intent: { name: 'OrderFood' } })
    expect((dtmf.sessionState as { intent: { slots: Record<string, unknown> } }).intent.slots.Pin).toMatchObject({
      value: { interpretedValue: '042719' },
    })
  })
})
