import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { APP_SET_VARIABLES, REDIS_MODE_VARIABLE } from '../../deploy/lib/constructs/service.ts'
import { loadConfig } from '../../services/auth/src/config.ts'
import { joined, resources, synthesize, type Json, type Synthesized } from './support.ts'

// The other shape of the app, in one more synth: no Connect instance, Redis Cluster, verification
// events on a bus the app creates, SMS and PIN calls through End User Messaging.

const POOL = 'pool-0123456789abcdef0123456789abcdef'
const VOICE_NUMBER = 'phone-fedcba9876543210fedcba9876543210'
const PROTECT = 'protect-00112233445566778899aabbccddeeff'

let s: Synthesized

beforeAll(async () => {
  s = await synthesize({
    connectInstanceArn: undefined,
    connectQueueArn: undefined,
    redisClusterMode: true,
    redisNumNodeGroups: 2,
    operatorCidrs: ['10.20.0.0/16'],
    eventBus: 'create',
    smsProvider: 'eum',
    eumOriginationIdentity: POOL,
    eumConfigurationSet: 'pinline-otp',
    eumProtectConfigurationId: PROTECT,
    voiceOriginationIdentity: VOICE_NUMBER,
    serviceEnvironment: {
      SMS_ALLOWED_COUNTRIES: 'JP',
      LEX_PIN_CHANNEL: 'auto',
      VOICE_MAX_PRICE_PER_MINUTE: '0.10',
      SMS_TIMEOUT_MS: '1500',
      SMS_MAX_ATTEMPTS: '1',
    },
  })
}, 240_000)
afterAll(() => s?.remove())

describe('without Connect, with redisClusterMode', () => {
  it('makes no Connect resource, and keeps everything else (bot, shims, outputs)', () => {
    expect(JSON.stringify(s.templates.app)).not.toContain('AWS::Connect::')
    // The two shims (CDK's BucketDeployment handler, which uploads the web chat, aside).
    expect(
      resources(s.templates.app, 'AWS::Lambda::Function').filter((f) => !f.id.startsWith('CustomCDKBucketDeployment')),
    ).toHaveLength(2)
    expect(resources(s.templates.app, 'AWS::Lex::Bot')).toHaveLength(1)
    expect(Object.keys(s.templates.app.Outputs)).not.toContain('CallerAuthFlowArn')
  })

  it('a sharded replication group, and the service told REDIS_MODE=cluster with the configuration endpoint', () => {
    const rg = resources(s.templates.data, 'AWS::ElastiCache::ReplicationGroup')[0]!.Properties
    expect(rg).toMatchObject({
      ClusterMode: 'enabled',
      NumNodeGroups: 2,
      ReplicasPerNodeGroup: 2,
      MultiAZEnabled: true,
      AutomaticFailoverEnabled: true,
    })
    const env: Record<string, Json> = Object.fromEntries(
      resources(s.templates.app, 'AWS::ECS::TaskDefinition')[0]!.Properties.ContainerDefinitions[0].Environment.map(
        (e: Json) => [e.Name, e.Value],
      ),
    )
    expect(env[REDIS_MODE_VARIABLE]).toBe('cluster')
    for (const name of Object.keys(env))
      if (name !== 'AWS_REGION' && !Object.keys(s.settings.service.environment).includes(name))
        expect(APP_SET_VARIABLES, name).toContain(name)
    expect(joined(env.REDIS_URL, (v) => String(v['Fn::ImportValue']))).toMatch(
      /^rediss:\/\/.*ConfigurationEndPointAddress.*:6379$/,
    )
  })

  it('operatorCidrs: those networks may reach the load balancer too', () => {
    const lb = resources(s.templates.app, 'AWS::ElasticLoadBalancingV2::LoadBalancer')[0]!.Properties.SecurityGroups[0][
      'Fn::GetAtt'
    ][0]
    expect(s.templates.app.Resources[lb].Properties.SecurityGroupIngress).toEqual([
      { CidrIp: '10.20.0.0/16', Description: 'operators', FromPort: 80, IpProtocol: 'tcp', ToPort: 80 },
    ])
  })
})

describe('with eventBus create, smsProvider eum and voiceOriginationIdentity', () => {
  const env = (): Record<string, Json> =>
    Object.fromEntries(
      resources(s.templates.app, 'AWS::ECS::TaskDefinition')[0]!.Properties.ContainerDefinitions[0].Environment.map(
        (e: Json) => [e.Name, e.Value],
      ),
    )
  const taskRole = () =>
    Object.keys(s.templates.app.Resources).find(
      (id) => id.startsWith('ServiceTaskRole') && s.templates.app.Resources[id].Type === 'AWS::IAM::Role',
    )!
  const granted = (): Json[] =>
    resources(s.templates.app, 'AWS::IAM::Policy')
      .filter((p) => p.Properties.Roles.some((r: Json) => r.Ref === taskRole()))
      .flatMap((p) => p.Properties.PolicyDocument.Statement)
  /** An ARN as deployed to the example account and region. */
  const arn = (v: Json) =>
    joined(v, (i) =>
      i.Ref === 'AWS::Partition'
        ? 'aws'
        : i.Ref === 'AWS::Region'
          ? 'ap-northeast-1'
          : i.Ref === 'AWS::AccountId'
            ? '111122223333'
            : JSON.stringify(i),
    )

  it('creates a custom event bus, names it to the service, outputs its ARN', () => {
    const bus = resources(s.templates.app, 'AWS::Events::EventBus')
    expect(bus).toHaveLength(1)
    expect(env().EVENTS_EVENTBRIDGE_BUS).toEqual({ 'Fn::GetAtt': [bus[0]!.id, 'Arn'] })
    expect(s.templates.app.Outputs.EventBusArn.Value).toEqual({ 'Fn::GetAtt': [bus[0]!.id, 'Arn'] })
  })

  it('the service sends SMS and calls through End User Messaging, from the given identities', () => {
    expect(env()).toMatchObject({
      SMS_PROVIDER: 'eum',
      EUM_ORIGINATION_IDENTITY: POOL,
      EUM_CONFIGURATION_SET: 'pinline-otp',
      EUM_PROTECT_CONFIGURATION_ID: PROTECT,
      VOICE_PROVIDER: 'eum',
      VOICE_ORIGINATION_IDENTITY: VOICE_NUMBER,
      VOICE_MAX_PRICE_PER_MINUTE: '0.10',
      LEX_PIN_CHANNEL: 'auto',
    })
  })

  it('and starts with that environment in production: events to the bus, SMS and calls through End User Messaging', () => {
    const deployed = Object.fromEntries(Object.entries(env()).map(([k, v]) => [k, joined(v, () => 'resolved.example')]))
    const config = loadConfig({
      ...deployed,
      EVENTS_EVENTBRIDGE_BUS: 'arn:aws:events:ap-northeast-1:111122223333:event-bus/pinline',
      API_KEY_OPS: JSON.stringify({ key: 'ops-0123456789abcdef', scopes: 'admin' }),
      PIN_HMAC_SECRET: 's'.repeat(64),
      ASSERTION_SIGNING_SEED: 's'.repeat(64),
    })
    expect(config).toMatchObject({
      sms: { provider: 'eum' },
      eum: { originationIdentity: POOL, configurationSet: 'pinline-otp', protectConfigurationId: PROTECT },
      voice: { provider: 'eum', originationIdentity: VOICE_NUMBER },
      lexPinChannel: 'auto',
      events: { eventBridgeBus: 'arn:aws:events:ap-northeast-1:111122223333:event-bus/pinline' },
    })
  })

  it('task role: PutEvents on that bus only, SendTextMessage and SendVoiceMessage on their identity, configuration set and protect configuration only, no sns:Publish', () => {
    const bus = resources(s.templates.app, 'AWS::Events::EventBus')[0]!.id
    const byAction = Object.fromEntries(granted().map((st) => [st.Action, st]))
    expect(Object.keys(byAction).sort()).toEqual([
      'events:PutEvents',
      'kms:Decrypt',
      'sms-voice:SendTextMessage',
      'sms-voice:SendVoiceMessage',
    ])
    expect(byAction['events:PutEvents'].Resource).toEqual({ 'Fn::GetAtt': [bus, 'Arn'] })
    const shared = [
      'arn:aws:sms-voice:ap-northeast-1:111122223333:configuration-set/pinline-otp',
      `arn:aws:sms-voice:ap-northeast-1:111122223333:protect-configuration/${PROTECT}`,
    ]
    expect(byAction['sms-voice:SendTextMessage'].Resource.map(arn)).toEqual([
      `arn:aws:sms-voice:ap-northeast-1:111122223333:pool/${POOL}`,
      ...shared,
    ])
    expect(byAction['sms-voice:SendVoiceMessage'].Resource.map(arn)).toEqual([
      `arn:aws:sms-voice:ap-northeast-1:111122223333:phone-number/${VOICE_NUMBER}`,
      ...shared,
    ])
    for (const st of granted()) expect([st.Resource].flat(), st.Action).not.toContain('*')
  })
})
