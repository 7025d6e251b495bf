import { createHash } from 'node:crypto'
import { CfnOutput, Stack } from 'aws-cdk-lib'
import * as iam from 'aws-cdk-lib/aws-iam'
import type * as lambda from 'aws-cdk-lib/aws-lambda'
import { CfnBot, CfnBotAlias, CfnBotVersion } from 'aws-cdk-lib/aws-lex'
import { Construct } from 'constructs'
import {
  BOT_LOCALES,
  FINISH_UTTERANCES,
  INTENTS,
  PIN_SLOT_TYPE,
  SLOTS,
} from '../../../services/auth/src/channels/lex/bot-names.ts'
import type { MenuItem } from '../../../services/auth/src/core/menu.ts'

export type BotLocaleId = keyof typeof BOT_LOCALES

export const FOOD_SLOT_TYPE = 'FoodItem'

/** Sample utterances and prompts, per locale (the seed's, docs/lex.md). `{Food}` is the slot. */
const LANGUAGE: Record<
  BotLocaleId,
  { menu: string[]; order: string[]; askFood: string; askPin: string; voice: string }
> = {
  en_US: {
    menu: ["What's on the menu", 'Show me the menu', 'Do you have any recommendations', 'What food do you have'],
    order: [
      "I'd like to order {Food}",
      '{Food}',
      'I want to eat {Food}',
      'Order {Food}',
      'Can I order food',
      'Can I order {Food}',
    ],
    askFood: 'What would you like to order?',
    askPin: 'Please say or key in the code we sent you.',
    voice: 'Joanna',
  },
  ja_JP: {
    menu: [
      '何かおすすめはありますか',
      'メニューを見せてください',
      'メニューには何がありますか',
      'どんな料理がありますか',
    ],
    order: [
      '{Food}を注文したいのですが',
      '{Food}',
      '{Food}を食べたいです',
      '{Food}を注文する',
      '料理を注文できますか',
      '{Food}を注文できますか',
    ],
    askFood: '何を注文しますか。',
    askPin: 'お送りしたコードをおっしゃるか、入力してください。',
    voice: 'Takumi',
  },
}

export interface LexBotProps {
  /** The dishes, from the menu file the service serves. */
  menu: readonly MenuItem[]
  /** The Lex code hook: the Lex shim. */
  codeHook: lambda.IFunction
  /** Lex forgets a conversation after this long idle: at most the service's SESSION_TTL_SECONDS. */
  idleSessionTtlSeconds: number
  /** The service's PIN_LENGTH: the Pin slot's pattern takes exactly that many digits. */
  pinLength: number
}

/**
 * The FoodItem values: one per dish, the value its id, the synonyms its names and aliases
 * (each once, ignoring case, and not the id again: Lex refuses duplicates).
 */
export function foodSlotValues(menu: readonly MenuItem[]): CfnBot.SlotTypeValueProperty[] {
  return menu.map((item) => {
    const seen = new Set([item.id.toLowerCase()])
    const words = [...Object.values(item.names), ...(item.aliases ?? [])].filter(
      (w) => w && !seen.has(w.toLowerCase()) && seen.add(w.toLowerCase()),
    )
    return { sampleValue: { value: item.id }, synonyms: words.map((value) => ({ value })) }
  })
}

/**
 * PinDigits (bot-names.ts): AMAZON.AlphaNumeric narrowed to PIN_LENGTH digits by a regular
 * expression, which keeps the digits as said (AMAZON.Number makes "zero four two" 42). Lex
 * supports the regex extension in English locales only; ja_JP uses the plain parent, and the
 * channel reads the digits from the slot's originalValue and the transcript (spoken-digits.ts).
 */
function pinSlotType(
  locale: BotLocaleId,
  pinLength: number,
): { types: CfnBot.SlotTypeProperty[]; slotTypeName: string } {
  if (!locale.startsWith('en_')) return { types: [], slotTypeName: PIN_SLOT_TYPE.parent }
  return {
    types: [
      {
        name: PIN_SLOT_TYPE.name,
        description: 'The PIN from the SMS: digits only, leading zeros kept',
        parentSlotTypeSignature: PIN_SLOT_TYPE.parent,
        valueSelectionSetting: {
          resolutionStrategy: 'ORIGINAL_VALUE',
          regexFilter: { pattern: PIN_SLOT_TYPE.regex(pinLength) },
        },
      },
    ],
    slotTypeName: PIN_SLOT_TYPE.name,
  }
}

const prompt = (text: string, dtmf: boolean): CfnBot.PromptSpecificationProperty => ({
  maxRetries: 1,
  allowInterrupt: true,
  messageGroupsList: [{ message: { plainTextMessage: { value: text } } }],
  ...(dtmf
    ? {
        promptAttemptsSpecification: Object.fromEntries(
          ['Initial', 'Retry1'].map((attempt) => [
            attempt,
            {
              allowedInputTypes: { allowAudioInput: true, allowDtmfInput: true },
              allowInterrupt: true,
              audioAndDtmfInputSpecification: {
                startTimeoutMs: 4000,
                dtmfSpecification: { maxLength: 10, endCharacter: '#', endTimeoutMs: 5000, deletionCharacter: '*' },
              },
            },
          ]),
        ),
      }
    : {}),
})

/** One locale of the bot: the intents and slots the Lex channel handles (bot-names.ts), nothing else. */
export function botLocale(locale: BotLocaleId, menu: readonly MenuItem[], pinLength: number): CfnBot.BotLocaleProperty {
  const words = LANGUAGE[locale]
  const pin = pinSlotType(locale, pinLength)
  const hooks = { dialogCodeHook: { enabled: true }, fulfillmentCodeHook: { enabled: true } }
  return {
    localeId: locale,
    nluConfidenceThreshold: 0.4,
    voiceSettings: { voiceId: words.voice, engine: 'neural' },
    slotTypes: [
      {
        name: FOOD_SLOT_TYPE,
        description: 'Dishes on the menu (generated from the menu file)',
        slotTypeValues: foodSlotValues(menu),
        valueSelectionSetting: { resolutionStrategy: 'TOP_RESOLUTION' },
      },
      ...pin.types,
    ],
    intents: [
      { name: INTENTS.menu, sampleUtterances: words.menu.map((utterance) => ({ utterance })), ...hooks },
      {
        name: INTENTS.order,
        sampleUtterances: words.order.map((utterance) => ({
          utterance: utterance.replaceAll('{Food}', `{${SLOTS.food}}`),
        })),
        ...hooks,
        // Both optional: pinline decides when to ask for each, with its own prompts.
        slots: [
          {
            name: SLOTS.food,
            slotTypeName: FOOD_SLOT_TYPE,
            valueElicitationSetting: { slotConstraint: 'Optional', promptSpecification: prompt(words.askFood, false) },
          },
          {
            name: SLOTS.pin,
            slotTypeName: pin.slotTypeName,
            // PINs never appear in conversation logs.
            obfuscationSetting: { obfuscationSettingType: 'DefaultObfuscation' },
            valueElicitationSetting: { slotConstraint: 'Optional', promptSpecification: prompt(words.askPin, true) },
          },
        ],
        slotPriorities: [
          { priority: 1, slotName: SLOTS.food },
          { priority: 2, slotName: SLOTS.pin },
        ],
      },
      // "No", "that's all" after "anything else?": pinline sums up the order.
      {
        name: INTENTS.finish,
        sampleUtterances: FINISH_UTTERANCES[locale].map((utterance) => ({ utterance })),
        ...hooks,
      },
      // pinline also reads the finishing words on fallback turns, and answers the rest.
      {
        name: INTENTS.fallback,
        parentIntentSignature: 'AMAZON.FallbackIntent',
        fulfillmentCodeHook: { enabled: true },
      },
    ],
  }
}

/**
 * The Lex V2 food-ordering bot (docs/lex.md) as code: en_US and ja_JP, the dish slot type
 * generated from the menu, a version of the draft, and a `live` alias whose code hook is the
 * Lex shim in every locale (the test alias too). Lex may invoke the shim only for these aliases.
 */
export class LexBot extends Construct {
  readonly bot: CfnBot
  readonly alias: CfnBotAlias
  readonly aliasArn: string
  readonly testAliasArn: string

  constructor(scope: Construct, id: string, props: LexBotProps) {
    super(scope, id)
    const stack = Stack.of(this)
    const locales = (Object.keys(BOT_LOCALES) as BotLocaleId[]).map((locale) =>
      botLocale(locale, props.menu, props.pinLength),
    )
    const role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lexv2.amazonaws.com'),
      description: 'pinline bot: speech for voice conversations',
    })
    // Polly voices are not resources with ARNs: SynthesizeSpeech takes Resource "*".
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({ sid: 'Speech', actions: ['polly:SynthesizeSpeech'], resources: ['*'] }),
    )

    const codeHook = {
      enabled: true,
      codeHookSpecification: {
        lambdaCodeHook: { lambdaArn: props.codeHook.functionArn, codeHookInterfaceVersion: '1.0' },
      },
    }
    // What a bot version keeps besides the locales: the idle session TTL (SESSION_TTL_SECONDS),
    // data privacy and the role. A change to any of them must make a new version, or the live
    // alias keeps the old one.
    const versioned = {
      roleArn: role.roleArn,
      dataPrivacy: { ChildDirected: false },
      idleSessionTtlInSeconds: props.idleSessionTtlSeconds,
    }
    this.bot = new CfnBot(this, 'Bot', {
      name: `${stack.stackName}-food`,
      description: 'pinline: food orders with an SMS PIN',
      ...versioned,
      autoBuildBotLocales: true,
      botLocales: locales,
      testBotAliasSettings: {
        botAliasLocaleSettings: locales.map((l) => ({ localeId: l.localeId, botAliasLocaleSetting: codeHook })),
      },
    })
    // A version is made once per definition: a changed bot gets a new version (its description
    // carries the definition's hash), and the alias moves to it.
    // The role's ARN is a token: its resolved form (a reference to the role) is what is hashed.
    const digest = createHash('sha256')
      .update(JSON.stringify(stack.resolve({ ...versioned, botLocales: locales })))
      .digest('hex')
      .slice(0, 16)
    const version = new CfnBotVersion(this, `Version${digest}`, {
      botId: this.bot.attrId,
      description: `pinline bot definition ${digest}`,
      botVersionLocaleSpecification: locales.map((l) => ({
        localeId: l.localeId,
        botVersionLocaleDetails: { sourceBotVersion: 'DRAFT' },
      })),
    })
    this.alias = new CfnBotAlias(this, 'Alias', {
      botId: this.bot.attrId,
      botAliasName: 'live',
      botVersion: version.attrBotVersion,
      botAliasLocaleSettings: locales.map((l) => ({ localeId: l.localeId, botAliasLocaleSetting: codeHook })),
    })
    this.aliasArn = this.alias.attrArn
    this.testAliasArn = stack.formatArn({
      service: 'lex',
      resource: 'bot-alias',
      resourceName: `${this.bot.attrId}/TSTALIASID`,
    })
    for (const [name, arn] of [
      ['LexLiveAlias', this.aliasArn],
      ['LexTestAlias', this.testAliasArn],
    ] as const) {
      props.codeHook.addPermission(name, {
        principal: new iam.ServicePrincipal('lexv2.amazonaws.com'),
        action: 'lambda:InvokeFunction',
        sourceArn: arn,
        sourceAccount: stack.account,
      })
    }
    new CfnOutput(stack, 'BotId', { value: this.bot.attrId, description: 'Lex V2 bot id' })
    new CfnOutput(stack, 'BotAliasId', {
      value: this.alias.attrBotAliasId,
      description: 'Lex V2 alias id (live) for RecognizeText / Connect',
    })
    new CfnOutput(stack, 'BotAliasArn', { value: this.aliasArn, description: 'Lex V2 alias ARN (live)' })
  }
}
