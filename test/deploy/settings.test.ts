import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { App, Stack } from 'aws-cdk-lib'
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions'
import * as ec2 from 'aws-cdk-lib/aws-ec2'
import * as iam from 'aws-cdk-lib/aws-iam'
import * as lambda from 'aws-cdk-lib/aws-lambda'
import { Secret } from 'aws-cdk-lib/aws-secretsmanager'
import { describe, expect, it } from 'vitest'
import { ContactFlowFile, substituteFlow } from '../../deploy/lib/constructs/contact-flow.ts'
import { Notifications } from '../../deploy/lib/constructs/notifications.ts'
import { LexBot } from '../../deploy/lib/constructs/lex-bot.ts'
import { Redis } from '../../deploy/lib/constructs/redis.ts'
import { APP_SET_VARIABLES, REDIS_MODE_VARIABLE } from '../../deploy/lib/constructs/service.ts'
import { readSettings, unknownContextKeys } from '../../deploy/lib/settings.ts'
import { loadMenu } from '../../services/auth/src/adapters/menu/menu-file.ts'
import { snsSendDeadlineMs } from '../../services/auth/src/adapters/sms/send-deadline.ts'
import { DEFAULT_TIMEOUT_MS } from '../../shims/lib/timeouts.ts'
import { exampleContext } from './support.ts'

// The deploy app's pieces that need no whole synth: context checking, the flow loader, and
// Redis in cluster mode.

/** SMS settings whose send deadline fits the shims' wait (the example context's). */
const FITS_SHIMS = { SMS_TIMEOUT_MS: '1500', SMS_MAX_ATTEMPTS: '1' }

const settingsOf = (overrides: Record<string, unknown>) => {
  const context: Record<string, unknown> = { ...exampleContext(), ...overrides }
  return readSettings((key) => context[key])
}

describe('context values', () => {
  it('the example context gives the documented defaults', () => {
    expect(settingsOf({})).toMatchObject({
      account: '111122223333',
      region: 'ap-northeast-1',
      stackPrefix: 'Pinline',
      availabilityZones: ['ap-northeast-1a', 'ap-northeast-1c'],
      redis: {
        clusterMode: false,
        numNodeGroups: 1,
        // Two replicas: approvals wait for one (REDIS_MIN_REPLICAS_ACK=1), so one lost replica stops nothing.
        replicasPerNodeGroup: 2,
        nodeType: 'cache.t4g.small',
        maintenanceWindow: 'sun:18:00-sun:19:00',
      },
      service: { desiredCount: 2, maxCount: 6, cpu: 512, memoryMiB: 1024, operatorCidrs: [] },
      logRetentionDays: 30,
      connect: { instanceArn: expect.stringMatching(/:instance\//), queueArn: expect.stringMatching(/\/queue\//) },
    })
  })

  it('values from -c arrive as strings and are read as numbers and booleans', () => {
    expect(
      settingsOf({
        redisClusterMode: 'true',
        redisNumNodeGroups: '3',
        serviceDesiredCount: '3',
        operatorCidrs: '10.1.0.0/16, 192.168.0.0/24',
      }),
    ).toMatchObject({
      redis: { clusterMode: true, numNodeGroups: 3 },
      service: { desiredCount: 3, maxCount: 6, operatorCidrs: ['10.1.0.0/16', '192.168.0.0/24'] },
    })
  })

  it('redisMaintenanceWindow: a weekly UTC window of 60 minutes to a day, across the week end too', () => {
    expect(settingsOf({ redisMaintenanceWindow: 'sat:23:30-sun:00:30' }).redis.maintenanceWindow).toBe(
      'sat:23:30-sun:00:30',
    )
    expect(settingsOf({ redisMaintenanceWindow: 'wed:02:00-wed:05:00' }).redis.maintenanceWindow).toBe(
      'wed:02:00-wed:05:00',
    )
  })

  it('the example file has only known keys; a misspelt key is named', () => {
    expect(unknownContextKeys(exampleContext())).toEqual([])
    expect(unknownContextKeys({ ...exampleContext(), conectInstanceArn: 'x' })).toEqual(['conectInstanceArn'])
  })

  it('Connect is optional: without an instance, no Connect resources are asked for', () => {
    expect(settingsOf({ connectInstanceArn: undefined, connectQueueArn: undefined }).connect).toBeUndefined()
  })

  it.each([
    ['account', { account: '1234' }],
    ['region', { region: 'Tokyo' }],
    ['connectQueueArn', { connectQueueArn: undefined }],
    [
      'connectQueueArn',
      {
        connectQueueArn:
          'arn:aws:connect:ap-northeast-1:111122223333:instance/22222222-2222-4222-8222-222222222222/queue/11111111-1111-4111-8111-111111111111',
      },
    ],
    ['connectInstanceArn', { account: '444455556666' }],
    ['serviceDesiredCount', { serviceDesiredCount: 1 }],
    ['redisReplicasPerNodeGroup', { redisReplicasPerNodeGroup: 0 }],
    ['redisMaintenanceWindow', { redisMaintenanceWindow: 'sunday 03:00' }],
    ['redisMaintenanceWindow', { redisMaintenanceWindow: 'sun:18:00-sun:18:30' }],
    ['redisMaintenanceWindow', { redisMaintenanceWindow: 'sun:18:00-tue:18:00' }],
    ['redisClusterMode', { redisClusterMode: 'yes' }],
    ['availabilityZones', { availabilityZones: ['ap-northeast-1a'] }],
    ['availabilityZones', { availabilityZones: ['us-east-1a', 'us-east-1b'] }],
    ['operatorCidrs', { operatorCidrs: ['0.0.0.0/0'] }],
    ['operatorCidrs', { operatorCidrs: 'bastion' }],
  ])('a bad %s stops the synth, naming the key', (key, overrides) => {
    expect(() => settingsOf(overrides)).toThrow(new RegExp(`context ${key}:`))
  })

  it('events and End User Messaging are off unless asked for: SNS SMS, no calls, no event bus', () => {
    expect(settingsOf({})).toMatchObject({
      events: undefined,
      messaging: {
        smsProvider: 'sns',
        eum: { originationIdentity: undefined, configurationSet: undefined, protectConfigurationId: undefined },
        voiceOriginationIdentity: undefined,
      },
    })
  })

  it('eventBus: create, an existing bus name, or a bus ARN in the region', () => {
    expect(settingsOf({ eventBus: 'create' }).events).toEqual({ eventBus: 'create' })
    expect(settingsOf({ eventBus: 'contact-centre' }).events).toEqual({ eventBus: 'contact-centre' })
    const arn = 'arn:aws:events:ap-northeast-1:444455556666:event-bus/central'
    expect(settingsOf({ eventBus: arn }).events).toEqual({ eventBus: arn })
  })

  it('End User Messaging: SMS from an origination identity, calls from a voice-capable number or pool, with the configuration set and protect configuration', () => {
    const pool = 'pool-0123456789abcdef0123456789abcdef'
    const phone = 'arn:aws:sms-voice:ap-northeast-1:111122223333:phone-number/phone-0123456789abcdef0123456789abcdef'
    expect(
      settingsOf({
        smsProvider: 'eum',
        eumOriginationIdentity: pool,
        eumConfigurationSet: 'pinline-otp',
        eumProtectConfigurationId: 'protect-0123456789abcdef0123456789abcdef',
        voiceOriginationIdentity: phone,
        serviceEnvironment: { LEX_PIN_CHANNEL: 'voice', ...FITS_SHIMS },
      }).messaging,
    ).toEqual({
      smsProvider: 'eum',
      eum: {
        originationIdentity: pool,
        configurationSet: 'pinline-otp',
        protectConfigurationId: 'protect-0123456789abcdef0123456789abcdef',
      },
      voiceOriginationIdentity: phone,
    })
    // Without a voice identity the service has no VOICE_PROVIDER, and LEX_PIN_CHANNEL=voice cannot start.
    expect(() => settingsOf({ serviceEnvironment: { LEX_PIN_CHANNEL: 'voice' } })).toThrow(
      /serviceEnvironment: .*LEX_PIN_CHANNEL=voice needs VOICE_PROVIDER/,
    )
  })

  it.each([
    ['eventBus', { eventBus: 'arn:aws:events:us-east-1:111122223333:event-bus/central' }],
    ['eventBus', { eventBus: 'two words' }],
    ['smsProvider', { smsProvider: 'log' }],
    ['eumOriginationIdentity', { smsProvider: 'eum' }],
    ['eumOriginationIdentity', { smsProvider: 'eum', eumOriginationIdentity: '+815012345678' }],
    ['eumOriginationIdentity', { eumOriginationIdentity: 'pool-0123456789abcdef0123456789abcdef' }],
    ['eumConfigurationSet', { eumConfigurationSet: 'has space' }],
    ['eumProtectConfigurationId', { eumProtectConfigurationId: 'pinline' }],
    ['voiceOriginationIdentity', { voiceOriginationIdentity: '+815012345678' }],
    [
      'voiceOriginationIdentity',
      { voiceOriginationIdentity: 'arn:aws:sms-voice:ap-northeast-1:111122223333:sender-id/PINLINE/JP' },
    ],
  ])('a bad %s (End User Messaging, events) stops the synth, naming the key', (key, overrides) => {
    expect(() => settingsOf(overrides)).toThrow(new RegExp(`context ${key}:`))
  })

  it('serviceEnvironment: only variables the service reads, not ones the app sets, valid as the service checks them', () => {
    expect(
      settingsOf({ serviceEnvironment: { CALLER_ID_AUTH: 'verify', PIN_LENGTH: '8', ...FITS_SHIMS } }).service
        .environment,
    ).toEqual({ CALLER_ID_AUTH: 'verify', PIN_LENGTH: '8', ...FITS_SHIMS })
    expect(() => settingsOf({ serviceEnvironment: { CALLER_ID_AUTH: 'maybe' } })).toThrow(
      /serviceEnvironment: .*CALLER_ID_AUTH/,
    )
    expect(() => settingsOf({ serviceEnvironment: { VOICE_ID_JA: 'mizuki' } })).toThrow(
      /serviceEnvironment: .*VOICE_ID_JA/,
    )
    expect(() => settingsOf({ serviceEnvironment: { SMS_PROVIDER: 'log' } })).toThrow(
      /SMS_PROVIDER is set by the deploy app/,
    )
    expect(() => settingsOf({ serviceEnvironment: { CALLER_ID_AUTHS: 'verify' } })).toThrow(
      /CALLER_ID_AUTHS is not a variable the service reads/,
    )
    for (const name of ['PIN_HMAC_SECRET', 'REDIS_URL', 'API_KEYS', 'KMS_KEY_ID', 'MENU_FILE']) {
      expect(() => settingsOf({ serviceEnvironment: { [name]: 'x'.repeat(40) } })).toThrow(
        new RegExp(`${name} is set by the deploy app`),
      )
    }
    expect(() => settingsOf({ serviceEnvironment: { API_KEY_EXTRA: '{}' } })).toThrow(/API_KEY_EXTRA is not a variable/)
  })

  it("a PIN send that can outlast a shim's wait for the service stops the synth, with the numbers (the caller would hear the fallback while the SMS still arrives)", () => {
    // The service's defaults: 3 attempts of 3 s plus 1 s and 2 s of backoff, 12 s.
    expect(() => settingsOf({ serviceEnvironment: {} })).toThrow(
      /serviceEnvironment: a PIN send may take 12000 ms .* the replica wait 250 ms .* with 500 ms for the rest of the request, do not fit in the connect shim's 2500 ms/,
    )
    // What the example context once had: 1000 × 2 + 1000 = 3000 ms.
    expect(() => settingsOf({ serviceEnvironment: { SMS_TIMEOUT_MS: '1000', SMS_MAX_ATTEMPTS: '2' } })).toThrow(
      /a PIN send may take 3000 ms/,
    )
    // A send that fits alone, with a replica wait that does not.
    expect(() =>
      settingsOf({
        serviceEnvironment: { ...FITS_SHIMS, REDIS_REPLICA_ACK_TIMEOUT_MS: '1000', REDIS_COMMAND_TIMEOUT_MS: '2000' },
      }),
    ).toThrow(/the replica wait 1000 ms/)
    // A send that fits with the replica wait, but leaves no time for the rest of the request (the
    // hop to a task, the Redis round trips before the send): 2200 + 250 of the Connect shim's 2500 ms.
    expect(() => settingsOf({ serviceEnvironment: { SMS_TIMEOUT_MS: '2200', SMS_MAX_ATTEMPTS: '1' } })).toThrow(
      /a PIN send may take 2200 ms .* with 500 ms for the rest of the request/,
    )
    // Within the shorter of the two shims' waits (the Connect shim's), with that margin, it passes.
    const sendMs = snsSendDeadlineMs({ timeoutMs: 1500, maxAttempts: 1 })
    expect(sendMs + 250 + 500).toBeLessThanOrEqual(Math.min(...Object.values(DEFAULT_TIMEOUT_MS)))
    expect(settingsOf({}).service.environment).toMatchObject(FITS_SHIMS)
  })

  it("serviceEnvironment: every variable the app sets is refused, the Redis and listener ones included (one list, the task environment's)", () => {
    // REDIS_MIN_REPLICAS_ACK was once silently overwritten, and REDIS_MODE=cluster passed with cluster mode off.
    expect(APP_SET_VARIABLES).toEqual(
      expect.arrayContaining(['REDIS_MIN_REPLICAS_ACK', 'REDIS_MODE', 'REDIS_USERNAME', 'HOST', 'REDIS_URL']),
    )
    for (const name of APP_SET_VARIABLES) {
      expect(() => settingsOf({ serviceEnvironment: { [name]: '1' } }), name).toThrow(
        new RegExp(`serviceEnvironment: ${name} is set by the deploy app`),
      )
    }
  })
})

describe('ContactFlowFile', () => {
  const flow = {
    Version: '2019-10-30',
    StartAction: 'invoke',
    Actions: [
      {
        Identifier: 'invoke',
        Type: 'InvokeLambdaFunction',
        Parameters: {
          LambdaFunctionARN: 'arn:aws:lambda:REGION:ACCOUNT_ID:function:x',
          Text: 'pinlineAuthMethod CALLER_ID',
        },
        Transitions: { NextAction: 'bot' },
      },
      {
        Identifier: 'bot',
        Type: 'ConnectParticipantWithLexBot',
        Parameters: { LexV2Bot: { AliasArn: 'arn:aws:lex:REGION:ACCOUNT_ID:bot-alias/BOT_ID/BOT_ALIAS_ID' } },
        Transitions: {},
      },
    ],
  }
  const subs = {
    'arn:aws:lambda:REGION:ACCOUNT_ID:function:x': 'arn:aws:lambda:ap-northeast-1:111122223333:function:real',
    'arn:aws:lex:REGION:ACCOUNT_ID:bot-alias/BOT_ID/BOT_ALIAS_ID':
      'arn:aws:lex:ap-northeast-1:111122223333:bot-alias/B/A',
  }

  it('replaces whole string values; words like CALLER_ID outside ARNs are values, not placeholders', () => {
    const out = substituteFlow(flow, subs) as typeof flow
    expect(out.Actions[0]!.Parameters).toEqual({
      LambdaFunctionARN: 'arn:aws:lambda:ap-northeast-1:111122223333:function:real',
      Text: 'pinlineAuthMethod CALLER_ID',
    })
    expect((out.Actions[1]!.Parameters as { LexV2Bot: { AliasArn: string } }).LexV2Bot.AliasArn).toBe(
      'arn:aws:lex:ap-northeast-1:111122223333:bot-alias/B/A',
    )
  })

  it('fails when a placeholder is left, or when a substitution is never used (the file and the app drifted)', () => {
    const { 'arn:aws:lex:REGION:ACCOUNT_ID:bot-alias/BOT_ID/BOT_ALIAS_ID': _lex, ...withoutLex } = subs
    expect(() => substituteFlow(flow, withoutLex, 'f.json')).toThrow(
      /f\.json: placeholder REGION left at \$\.Actions\[1\]\.Parameters\.LexV2Bot\.AliasArn/,
    )
    expect(() =>
      substituteFlow(flow, { ...subs, 'arn:aws:connect:REGION:ACCOUNT_ID:instance/INSTANCE_ID/queue/QUEUE_ID': 'q' }),
    ).toThrow(/never used: arn:aws:connect/)
    expect(() => substituteFlow({ Text: 'arn:aws:lex:ap-northeast-1:111122223333:bot-alias/BOT_ID/live' }, {})).toThrow(
      /placeholder BOT_ID/,
    )
  })

  it('deploys a flow file as AWS::Connect::ContactFlow with tokens in it, and fails synth on a leftover', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pinline-flow-'))
    try {
      const file = join(dir, 'flow.json')
      writeFileSync(file, JSON.stringify(flow))
      const stack = new Stack(new App(), 'Flows', { env: { account: '111122223333', region: 'ap-northeast-1' } })
      const alias = new Secret(stack, 'StandsForAnyResource')
      new ContactFlowFile(stack, 'Order', {
        instanceArn: 'arn:aws:connect:ap-northeast-1:111122223333:instance/i',
        file,
        name: 'order',
        substitutions: { ...subs, 'arn:aws:lex:REGION:ACCOUNT_ID:bot-alias/BOT_ID/BOT_ALIAS_ID': alias.secretArn },
      })
      const content = Template.fromStack(stack).findResources('AWS::Connect::ContactFlow')
      const json = JSON.stringify(Object.values(content)[0])
      expect(json).toMatch(/"Ref":"StandsForAnyResource/)
      expect(
        () =>
          new ContactFlowFile(stack, 'Broken', { instanceArn: 'i', file, name: 'broken', substitutions: withoutOne() }),
      ).toThrow(/placeholder/)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
    function withoutOne() {
      const { 'arn:aws:lambda:REGION:ACCOUNT_ID:function:x': _l, ...rest } = subs
      return rest
    }
  })
})

describe('Redis cluster mode (the redisClusterMode switch)', () => {
  it('a sharded, cluster-mode-enabled replication group, reached at its configuration endpoint', () => {
    const stack = new Stack(new App(), 'Data', { env: { account: '111122223333', region: 'ap-northeast-1' } })
    const vpc = new ec2.Vpc(stack, 'Vpc', { availabilityZones: ['ap-northeast-1a', 'ap-northeast-1c'], natGateways: 1 })
    const redis = new Redis(stack, 'Redis', {
      vpc,
      settings: settingsOf({ redisClusterMode: true, redisNumNodeGroups: 3 }).redis,
      authToken: new Secret(stack, 'Token'),
    })
    Template.fromStack(stack).hasResourceProperties('AWS::ElastiCache::ReplicationGroup', {
      ClusterMode: 'enabled',
      NumNodeGroups: 3,
      ReplicasPerNodeGroup: 2,
      PreferredMaintenanceWindow: 'sun:18:00-sun:19:00',
      MultiAZEnabled: true,
      AutomaticFailoverEnabled: true,
      TransitEncryptionEnabled: true,
      AtRestEncryptionEnabled: true,
      CacheParameterGroupName: { Ref: stack.getLogicalId(redis.parameterGroup) },
    })
    // A cluster-mode group needs cluster-enabled in its parameter group, and still never evicts.
    Template.fromStack(stack).hasResourceProperties('AWS::ElastiCache::ParameterGroup', {
      CacheParameterGroupFamily: 'valkey8',
      Properties: { 'maxmemory-policy': 'noeviction', 'cluster-enabled': 'yes' },
    })
    expect(stack.resolve(redis.url)).toEqual({
      'Fn::Join': [
        '',
        [
          'rediss://',
          { 'Fn::GetAtt': [expect.stringMatching(/^RedisReplicationGroup/), 'ConfigurationEndPoint.Address'] },
          ':6379',
        ],
      ],
    })
    expect(REDIS_MODE_VARIABLE).toBe('REDIS_MODE')
  })
})

describe('Redis replicas (redisReplicasPerNodeGroup)', () => {
  const redisWith = (replicas: number) => {
    const stack = new Stack(new App(), 'Data', { env: { account: '111122223333', region: 'ap-northeast-1' } })
    const vpc = new ec2.Vpc(stack, 'Vpc', { availabilityZones: ['ap-northeast-1a', 'ap-northeast-1c'], natGateways: 1 })
    new Redis(stack, 'Redis', {
      vpc,
      settings: settingsOf({ redisReplicasPerNodeGroup: replicas }).redis,
      authToken: new Secret(stack, 'Token'),
    })
    return Annotations.fromStack(stack)
  }

  it('one replica synthesises with a warning that a missing replica stops every send and verify; two, without', () => {
    redisWith(1).hasWarning('/Data/Redis', Match.stringLikeRegexp('every PIN send and verify is 503'))
    redisWith(2).hasNoWarning('/Data/Redis', Match.anyValue())
  })
})

describe('Notifications with an existing event bus (the eventBus key)', () => {
  const existing = (eventBus: string) => {
    const stack = new Stack(new App(), 'Events', { env: { account: '111122223333', region: 'ap-northeast-1' } })
    const taskRole = new iam.Role(stack, 'TaskRole', { assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com') })
    const settings = settingsOf({ eventBus })
    const notifications = new Notifications(stack, 'Notifications', {
      events: settings.events,
      messaging: settings.messaging,
      taskRole,
    })
    const template = Template.fromStack(stack)
    const statements = Object.values(template.findResources('AWS::IAM::Policy')).flatMap(
      (p: any) => p.Properties.PolicyDocument.Statement,
    )
    return {
      template,
      statements,
      env: stack.resolve(notifications.environment),
      output: template.toJSON().Outputs.EventBusArn.Value,
    }
  }

  it('a bus name: no bus created, PutEvents on that bus of this account and region only, its ARN to the service', () => {
    const { template, statements, env } = existing('contact-centre')
    template.resourceCountIs('AWS::Events::EventBus', 0)
    const busArn = {
      'Fn::Join': [
        '',
        ['arn:', { Ref: 'AWS::Partition' }, ':events:ap-northeast-1:111122223333:event-bus/contact-centre'],
      ],
    }
    expect(statements.find((st) => st.Action === 'events:PutEvents')).toEqual({
      Effect: 'Allow',
      Action: 'events:PutEvents',
      Resource: busArn,
    })
    expect(env.EVENTS_EVENTBRIDGE_BUS).toEqual(busArn)
  })

  it("a bus ARN (another account's bus): PutEvents on exactly that ARN, which the service gets and the stack outputs", () => {
    const arn = 'arn:aws:events:ap-northeast-1:444455556666:event-bus/central'
    const { template, statements, env, output } = existing(arn)
    template.resourceCountIs('AWS::Events::EventBus', 0)
    expect(statements.find((st) => st.Action === 'events:PutEvents')).toEqual({
      Effect: 'Allow',
      Action: 'events:PutEvents',
      Resource: arn,
    })
    expect(env.EVENTS_EVENTBRIDGE_BUS).toBe(arn)
    expect(output).toBe(arn)
  })
})

describe('the Lex bot version (LexBot)', () => {
  const versionOf = (idleSessionTtlSeconds: number) => {
    const stack = new Stack(new App(), 'Bot', { env: { account: '111122223333', region: 'ap-northeast-1' } })
    const codeHook = new lambda.Function(stack, 'Hook', {
      runtime: lambda.Runtime.NODEJS_24_X,
      handler: 'index.handler',
      code: lambda.Code.fromInline('export const handler = async () => ({})'),
    })
    new LexBot(stack, 'Bot', { menu: loadMenu(undefined), codeHook, idleSessionTtlSeconds, pinLength: 6 })
    const template = Template.fromStack(stack)
    const [id, version] = Object.entries(template.findResources('AWS::Lex::BotVersion'))[0]!
    const alias = Object.values(template.findResources('AWS::Lex::BotAlias'))[0]!
    expect(alias.Properties.BotVersion).toEqual({ 'Fn::GetAtt': [id, 'BotVersion'] })
    return { id, description: version.Properties.Description as string }
  }

  it('a new session TTL (SESSION_TTL_SECONDS) makes a new version the live alias moves to; the same definition keeps its version', () => {
    expect(versionOf(900)).toEqual(versionOf(900))
    const [before, after] = [versionOf(900), versionOf(600)]
    expect(after.id).not.toBe(before.id)
    expect(after.description).not.toBe(before.description)
  })
})
