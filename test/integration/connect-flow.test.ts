import { randomUUID } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { INTENTS, SESSION_ATTRIBUTES } from '../../services/auth/src/channels/lex/bot-names.ts'
import { connectEvent } from '../support/events/connect-events.ts'
import { callTurn, slot, type Json } from '../support/events/lex-events.ts'
import { FLOW_FILES, loadFlow, runFlow, type Flow, type FlowAction } from '../support/events/flow-runner.ts'
import { auth, type TestApp, useTestApp, shareTestApp } from '../support/app/test-app.ts'
import { phoneSequence } from '../support/app/phones.ts'
import { registerCaller } from '../support/app/callers.ts'

// connect/pinline-caller-auth.json, the contact flow docs/connect.md tells people to import:
// its structure, and whole calls through it against the real channel.

const flow: Flow = loadFlow()
let t: TestApp
const nextPhone = phoneSequence('80', 30000000)
const wrong = (pin: string) => pin.replace(/^./, (d) => String((Number(d) + 1) % 10))

shareTestApp({}, (app) => (t = app))

/** One call from `phone`: the flow's Lambda is the channel, reached as the shim reaches it. */
function dial(phone: string | null, keys: Array<string | (() => string)> = [], app: TestApp = t) {
  const contactId = randomUUID()
  return runFlow(flow, {
    phone,
    keys,
    async invoke(parameters, attributes) {
      const event = connectEvent({ phone, contactId, parameters, attributes })
      return (
        await app.app.inject({ method: 'POST', url: '/v1/channels/connect', headers: auth, payload: event })
      ).json()
    },
  })
}

const targetsOf = (a: FlowAction) =>
  [
    a.Transitions.NextAction,
    ...(a.Transitions.Conditions ?? []).map((c) => c.NextAction),
    ...(a.Transitions.Errors ?? []).map((e) => e.NextAction),
  ].filter((x): x is string => Boolean(x))
const ENDS = new Set(['DisconnectParticipant', 'TransferContactToQueue'])

// Every flow in connect/: the same structural lint, so a broken import is found here, not in the console.
describe.each(FLOW_FILES)('connect/%s', (file) => {
  const f = loadFlow(file)

  it('is Flow language 2019-10-30: unique identifiers, every transition to an action it defines, every action reached', () => {
    expect(f.Version).toBe('2019-10-30')
    const ids = new Set(f.Actions.map((a) => a.Identifier))
    expect(ids.size).toBe(f.Actions.length)
    expect(ids).toContain(f.StartAction)
    for (const a of f.Actions) {
      expect(a.Identifier).not.toMatch(/[%:(\\/)=$,;[\]{}]/)
      for (const target of targetsOf(a)) expect(ids, `${a.Identifier} -> ${target}`).toContain(target)
    }
    const reached = new Set([f.StartAction])
    for (const id of reached)
      for (const next of targetsOf(f.Actions.find((a) => a.Identifier === id)!)) reached.add(next)
    expect([...ids].filter((id) => !reached.has(id))).toEqual([])
  })

  it('never leaves a caller hanging: every action but the last ones goes somewhere, and every path can end the call', () => {
    for (const a of f.Actions) {
      if (ENDS.has(a.Type)) continue
      expect(targetsOf(a).length, a.Identifier).toBeGreaterThan(0)
    }
    expect(f.Actions.some((a) => a.Type === 'DisconnectParticipant')).toBe(true)
  })
})

describe('connect/pinline-lex-order.json: the call handed to the Lex bot', () => {
  const f = loadFlow('pinline-lex-order.json')
  const bots = f.Actions.filter((a) => a.Type === 'ConnectParticipantWithLexBot')

  it('hands the call to one Lex V2 bot alias, whose ARN the deploy app fills in', () => {
    expect(bots).toHaveLength(1)
    expect(bots[0]!.Parameters.LexV2Bot.AliasArn).toMatch(/^arn:aws:lex:REGION:ACCOUNT_ID:bot-alias\/BOT_ID\/ALIAS_ID$/)
    expect(bots[0]!.Parameters.Text).toMatch(/./)
    expect(f.Actions.filter((a) => a.Type === 'InvokeLambdaFunction')).toEqual([])
  })

  it("passes the caller's number in the session attribute the channel reads, and nothing pinline writes", () => {
    const attributes = bots[0]!.Parameters.LexSessionAttributes as Record<string, string>
    expect(attributes[SESSION_ATTRIBUTES.callerPhone]).toBe('$.CustomerEndpoint.Address')
    for (const owned of [
      SESSION_ATTRIBUTES.auth,
      SESSION_ATTRIBUTES.uuid,
      SESSION_ATTRIBUTES.currentOrder,
      SESSION_ATTRIBUTES.encryptedPin,
      SESSION_ATTRIBUTES.email,
    ]) {
      expect(attributes).not.toHaveProperty(owned)
    }
  })

  it("branches on the bot's own intents, and handles the bot failing and an unmatched end", () => {
    const intents: string[] = Object.values(INTENTS)
    for (const c of bots[0]!.Transitions.Conditions ?? [])
      for (const op of c.Condition.Operands) expect(intents).toContain(op)
    expect(bots[0]!.Transitions.Errors?.map((e) => e.ErrorType).sort()).toEqual([
      'NoMatchingCondition',
      'NoMatchingError',
    ])
    const onError = f.Actions.find(
      (a) => a.Identifier === bots[0]!.Transitions.Errors!.find((e) => e.ErrorType === 'NoMatchingError')!.NextAction,
    )!
    expect(onError.Parameters.Text).toMatch(/Nothing was ordered/)
  })
})

describe('the flow file', () => {
  it('is Flow language 2019-10-30 whose every transition leads to an action it defines', () => {
    expect(flow).toMatchObject({ Version: '2019-10-30', StartAction: 'set-caller-id' })
    const ids = new Set(flow.Actions.map((a) => a.Identifier))
    expect(ids.size).toBe(flow.Actions.length)
    for (const a of flow.Actions) {
      const targets = [
        a.Transitions.NextAction,
        ...(a.Transitions.Conditions ?? []).map((c) => c.NextAction),
        ...(a.Transitions.Errors ?? []).map((e) => e.NextAction),
      ]
      for (const target of targets.filter(Boolean)) expect(ids, `${a.Identifier} -> ${target}`).toContain(target)
      expect(a.Identifier).not.toMatch(/[%:(\\/)=$,;[\]{}]/)
    }
  })

  it('sets pinlineVerified True only together with pinlineAuthMethod PIN, and only after verifyPin', () => {
    const setters = flow.Actions.filter((a) => a.Type === 'UpdateContactAttributes')
    for (const a of setters) {
      const { pinlineVerified, pinlineAuthMethod } = a.Parameters.Attributes
      expect(['PIN', 'CALLER_ID', 'NONE'], a.Identifier).toContain(pinlineAuthMethod)
      expect(pinlineVerified === 'True', a.Identifier).toBe(pinlineAuthMethod === 'PIN')
    }
    // Every way into the PIN setter passes a verify-pin that answered pinVerified = True.
    const into = (id: string) =>
      flow.Actions.filter((a) =>
        [
          a.Transitions.NextAction,
          ...(a.Transitions.Conditions ?? []).map((c) => c.NextAction),
          ...(a.Transitions.Errors ?? []).map((e) => e.NextAction),
        ].includes(id),
      )
    const pinSetter = setters.find((a) => a.Parameters.Attributes.pinlineAuthMethod === 'PIN')!
    expect(into(pinSetter.Identifier).map((a) => a.Identifier)).toEqual(['say-verified'])
    expect(into('say-verified').map((a) => a.Identifier)).toEqual(['check-pin-verified'])
    expect(flow.Actions.find((a) => a.Identifier === 'check-pin-verified')!.Transitions.Conditions).toContainEqual({
      NextAction: 'say-verified',
      Condition: { Operator: 'Equals', Operands: ['True'] },
    })
  })

  it("invokes the Lambda synchronously with STRING_MAP validation, inside the 8 s limit, with the channel's actions only", () => {
    const invokes = flow.Actions.filter((a) => a.Type === 'InvokeLambdaFunction')
    expect(invokes.map((a) => a.Parameters.LambdaInvocationAttributes.action)).toEqual([
      'lookup',
      'sendPin',
      'sendPin',
      'verifyPin',
    ]) // the second sendPin: press 1 for a call
    for (const a of invokes) {
      expect(a.Parameters).toMatchObject({
        InvocationType: 'SYNCHRONOUS',
        ResponseValidation: { ResponseType: 'STRING_MAP' },
      })
      expect(Number(a.Parameters.InvocationTimeLimitSeconds)).toBeLessThanOrEqual(8)
      expect(a.Transitions.Errors).toEqual([{ NextAction: 'say-unavailable', ErrorType: 'NoMatchingError' }])
    }
  })

  it('reads only attributes the channel documents in its OpenAPI response', () => {
    const spec = JSON.parse(readFileSync(new URL('../../openapi/openapi.json', import.meta.url), 'utf8'))
    const documented = Object.keys(
      spec.paths['/v1/channels/connect'].post.responses['200'].content['application/json'].schema.properties,
    )
    const read = [...JSON.stringify(flow).matchAll(/\$\.External\.(\w+)/g)].map((m) => m[1])
    expect(read.length).toBeGreaterThan(0)
    for (const key of read) expect(documented).toContain(key)
  })
})

describe('calls through the flow', () => {
  it('a new caller: SMS, right code with #, verified and enrolled; the next call goes straight to an agent', async () => {
    const phone = nextPhone()
    const first = await dial(phone, [() => `${t.sms.lastPin(phone)}#`])
    expect(first.said).toEqual([expect.stringContaining('sending a code'), 'Thank you, you are verified.'])
    expect(first.attributes).toMatchObject({
      pinlineVerified: 'True',
      pinlineAuthMethod: 'PIN',
      firstName: 'New',
      lastName: 'Customer',
      custLevel: 'Welcome',
    })
    expect(first).toMatchObject({ transferred: true, queue: expect.stringContaining('/queue/') })
    expect(t.sms.sent).toHaveLength(1)

    const second = await dial(phone)
    expect(second.said).toEqual([])
    expect(second.invocations.map((p) => p.action)).toEqual(['lookup'])
    // Recognised by caller ID alone (CALLER_ID_AUTH=trust): routed with the profile, but not
    // verified, so the agent can tell a spoofable number from a PIN approved on this contact.
    expect(second.attributes).toMatchObject({
      pinlineVerified: 'False',
      pinlineAuthMethod: 'CALLER_ID',
      firstName: 'New',
    })
    expect(t.sms.sent).toHaveLength(1)
  })

  it('silence, then a wrong code, then the right one: three tries are enough', async () => {
    const phone = nextPhone()
    const call = await dial(phone, ['Timeout', () => wrong(t.sms.lastPin(phone)), () => t.sms.lastPin(phone)])
    expect(call.said.slice(1)).toEqual([
      'We did not receive a code.',
      'That code is not right.',
      'Thank you, you are verified.',
    ])
    expect(call.attributes).toMatchObject({ pinlineVerified: 'True', pinlineAuthMethod: 'PIN' })
  })

  it('three wrong codes: not verified, handed to an agent as unverified, nobody enrolled', async () => {
    const phone = nextPhone()
    const bad = () => wrong(t.sms.lastPin(phone))
    const call = await dial(phone, [bad, bad, bad])
    expect(call.said.at(-1)).toBe('We could not verify you. An agent will help you.')
    expect(call).toMatchObject({
      transferred: true,
      attributes: { pinlineVerified: 'False', pinlineAuthMethod: 'NONE' },
    })
    expect((await dial(phone)).invocations.map((p) => p.action)).toContain('sendPin')
  })

  it('a withheld number: no SMS, an agent, unverified', async () => {
    const call = await dial('anonymous')
    expect(call.said).toEqual(['We cannot verify callers right now. An agent will help you.'])
    expect(call).toMatchObject({
      transferred: true,
      attributes: { pinlineVerified: 'False', pinlineAuthMethod: 'NONE' },
    })
    expect(t.sms.sent).toHaveLength(0)
  })

  it('CALLER_ID_AUTH=verify: a known caller is asked for a code too', async () => {
    const strict = await useTestApp({ CALLER_ID_AUTH: 'verify' })
    const phone = nextPhone()
    await registerCaller(strict, phone, { firstName: 'Taro', lastName: 'Yamada', custLevel: 'Gold', language: 'ja' })
    const call = await dial(phone, [() => strict.sms.lastPin(phone)], strict)
    expect(call.invocations.map((p) => p.action)).toEqual(['lookup', 'sendPin', 'verifyPin'])
    expect(call.attributes).toMatchObject({
      pinlineVerified: 'True',
      pinlineAuthMethod: 'PIN',
      firstName: 'Taro',
      custLevel: 'Gold',
    })
  })
})

describe('calls through connect/pinline-lex-order.json: the flow hands the call to the bot and ends as the bot did', () => {
  const orderFlow = loadFlow('pinline-lex-order.json')
  const GREETING = 'Welcome to pinline food ordering.'

  type Turn = { intent: string; said: string; slots?: Record<string, Json>; inputMode?: 'DTMF' }

  /**
   * A call whose bot session is the Lex channel, turn by turn as Connect hands the caller to Lex:
   * the session attributes are the ones the flow passed (callerPhone among them), each turn
   * carries what the last answer left, and the session ends on the first Close, with its intent.
   */
  async function callBot(phone: string | null, turns: Array<Turn | (() => Turn)>) {
    const contactId = randomUUID()
    const sessions: Array<{ prompt: string; sessionAttributes: Record<string, string> }> = []
    const answers: Json[] = []
    const call = await runFlow(orderFlow, {
      phone,
      keys: [],
      invoke: () => Promise.reject(new Error('the order flow invokes no Lambda')),
      async bot(session) {
        sessions.push(session)
        let attributes = session.sessionAttributes
        for (const next of turns) {
          const turn = typeof next === 'function' ? next() : next
          const event = callTurn({ ...turn, contactId, attributes })
          const res = await t.app.inject({ method: 'POST', url: '/v1/channels/lex', headers: auth, payload: event })
          expect(res.statusCode, res.body).toBe(200)
          const answer = res.json()
          answers.push(answer)
          attributes = answer.sessionState.sessionAttributes
          if (answer.sessionState.dialogAction.type === 'Close') return answer.sessionState.intent.name
        }
        throw new Error('the caller ran out of things to say before the bot closed')
      },
    })
    return { call, sessions, answers }
  }

  it("order by voice, the SMS PIN keyed as DTMF, that's all: the bot closes on FinishOrder and the flow disconnects", async () => {
    const phone = nextPhone()
    await registerCaller(t, phone, { firstName: 'Aiko', lastName: 'Sato', custLevel: 'Gold', language: 'en' })
    const { call, sessions, answers } = await callBot(phone, [
      { intent: 'OrderFood', said: 'I would like a pizza', slots: { Food: slot('pizza') } },
      () => ({
        intent: 'OrderFood',
        said: t.sms.lastPin(phone),
        slots: { Food: slot('pizza'), Pin: slot(t.sms.lastPin(phone)) },
        inputMode: 'DTMF',
      }),
      { intent: INTENTS.finish, said: "that's all" },
    ])
    expect(sessions).toEqual([
      {
        prompt: 'What would you like to order? You can also ask for the menu.',
        sessionAttributes: {
          [SESSION_ATTRIBUTES.callerPhone]: phone,
          'x-amz-lex:dtmf:end-character:*:*': '#',
          'x-amz-lex:dtmf:end-timeout-ms:*:*': '5000',
        },
      },
    ])
    expect(answers.map((a) => a.sessionState.dialogAction.type)).toEqual(['ElicitSlot', 'ElicitIntent', 'Close'])
    expect(answers[2].sessionState.intent.state).toBe('Fulfilled')
    expect(answers[2].messages[0].content).toContain('Your order: 1 Pizza')
    expect(t.sms.sent).toHaveLength(1)
    expect(call).toMatchObject({ botIntents: [INTENTS.finish], end: 'DisconnectParticipant', said: [GREETING] })
  })

  it('an unknown number: the bot closes OrderFood as Failed, no SMS, and the flow disconnects', async () => {
    const sent = t.sms.sent.length
    const { call, answers } = await callBot(nextPhone(), [
      { intent: 'OrderFood', said: 'pizza', slots: { Food: slot('pizza') } },
    ])
    expect(answers[0].sessionState).toMatchObject({ dialogAction: { type: 'Close' }, intent: { state: 'Failed' } })
    expect(t.sms.sent).toHaveLength(sent)
    expect(call).toMatchObject({ botIntents: [INTENTS.order], end: 'DisconnectParticipant', said: [GREETING] })
  })

  it('a withheld number: no callerPhone reaches the bot, which cannot identify the caller', async () => {
    const { call, sessions, answers } = await callBot(null, [
      { intent: 'OrderFood', said: 'pizza', slots: { Food: slot('pizza') } },
    ])
    expect(sessions[0]!.sessionAttributes).not.toHaveProperty(SESSION_ATTRIBUTES.callerPhone)
    expect(answers[0].sessionState.dialogAction.type).toBe('Close')
    expect(call.end).toBe('DisconnectParticipant')
  })

  const scripted = (bot: () => Promise<string>) =>
    runFlow(orderFlow, { phone: '+819000000000', keys: [], invoke: () => Promise.reject(new Error('no')), bot })

  it("branches on the bot's ending: GetFoodMenu and an intent without a condition say goodbye, a failing bot says nothing was ordered", async () => {
    const goodbye = 'Thank you for calling. Goodbye.'
    expect((await scripted(async () => 'GetFoodMenu')).said).toEqual([GREETING, goodbye])
    expect((await scripted(async () => 'BookHotel')).said).toEqual([GREETING, goodbye])
    const failed = await scripted(() => Promise.reject(new Error('the code hook did not answer')))
    expect(failed.botIntents).toEqual([''])
    expect(failed.said).toEqual([GREETING, expect.stringContaining('Nothing was ordered.')])
    expect(failed.end).toBe('DisconnectParticipant')
  })

  it('a host without a bot cannot run the block: the call stops saying so', async () => {
    await expect(
      runFlow(orderFlow, { phone: null, keys: [], invoke: () => Promise.reject(new Error('no')) }),
    ).rejects.toThrow(/Lex bot/)
  })
})
