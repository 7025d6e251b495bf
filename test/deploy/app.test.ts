import { randomUUID } from 'node:crypto'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { API_KEY_CLIENTS, apiKeyVariable } from '../../deploy/lib/constructs/secrets.ts'
import { CALLER_AUTH_PLACEHOLDERS } from '../../deploy/lib/constructs/connect-integration.ts'
import { substituteFlow } from '../../deploy/lib/constructs/contact-flow.ts'
import { APP_SET_VARIABLES, REDIS_MODE_VARIABLE } from '../../deploy/lib/constructs/service.ts'
import { CONFIG_VARIABLES, loadConfig, readApiKeyVariables } from '../../services/auth/src/config.ts'
import { DEFAULT_TIMEOUT_MS } from '../../shims/lib/timeouts.ts'
import { CONNECT_ACTION_TYPES, lintFlow } from './flow-lint.ts'
import { joined, resources, statements, synthesize, type Json, type Synthesized } from './support.ts'
import {
  BOT_LOCALES,
  FINISH_UTTERANCES,
  INTENTS,
  PIN_SLOT_TYPE,
  SLOTS,
} from '../../services/auth/src/channels/lex/bot-names.ts'
import { lexEvent } from '../support/events/lex-events.ts'
import { auth, useTestApp } from '../support/app/test-app.ts'
import { freePort } from '../support/app/free-port.ts'

// The whole CDK app, synthesised once in-process with the checked-in example context (Connect
// included), as `npm run synth` does: every resource the deployment depends on, with the
// properties that matter, read back from the CloudFormation templates.

let s: Synthesized
let data: Json
let app: Json

beforeAll(async () => {
  s = await synthesize()
  data = s.templates.data
  app = s.templates.app
}, 240_000)
afterAll(() => s?.remove())

const one = (template: Json, type: string) => {
  const found = resources(template, type)
  expect(found, type).toHaveLength(1)
  return found[0]!
}
/** The logical id an intrinsic (Ref / Fn::GetAtt / cross-stack import) points at. */
const ref = (v: Json): string => v?.Ref ?? v?.['Fn::GetAtt']?.[0] ?? v?.['Fn::ImportValue'] ?? JSON.stringify(v)
const exportedRef = (v: Json): string => {
  // A value from the data stack arrives as Fn::ImportValue of "<stack>:ExportsOutputRef<LogicalId><hash>".
  const name = v?.['Fn::ImportValue']
  if (typeof name !== 'string') return ref(v)
  const id = Object.keys(data.Resources).find(
    (logicalId) => name.includes(`Ref${logicalId}`) || name.includes(`FnGetAtt${logicalId}`),
  )
  return id ?? name
}
const secretId = (client: keyof typeof API_KEY_CLIENTS) =>
  Object.keys(data.Resources).find(
    (id) =>
      id.startsWith(`SecretsApiKey${client.replaceAll('-', '')}`) &&
      data.Resources[id].Type === 'AWS::SecretsManager::Secret',
  )!

describe('data: Redis and secrets', () => {
  it('ElastiCache replication group: Multi-AZ with automatic failover, TLS in transit, encrypted at rest, AUTH token from Secrets Manager', () => {
    const rg = one(data, 'AWS::ElastiCache::ReplicationGroup').Properties
    expect(rg).toMatchObject({
      MultiAZEnabled: true,
      AutomaticFailoverEnabled: true,
      TransitEncryptionEnabled: true,
      AtRestEncryptionEnabled: true,
      ClusterMode: 'disabled',
      // A primary and two replicas: approvals wait for one replica (REDIS_MIN_REPLICAS_ACK), so a
      // failover, an AZ outage or a node replaced leaves one to answer and verifies keep working.
      NumCacheClusters: 3,
      AutoMinorVersionUpgrade: true,
      PreferredMaintenanceWindow: 'sun:18:00-sun:19:00',
      Engine: 'valkey',
      CacheNodeType: 'cache.t4g.small',
      Port: 6379,
    })
    // A dynamic reference CloudFormation resolves at deploy: the token is never in the template.
    const token = JSON.stringify(rg.AuthToken)
    expect(token).toContain('{{resolve:secretsmanager:')
    expect(token).toContain('SecretsRedisAuthToken')
  })

  it('Redis never evicts (maxmemory-policy noeviction): its own parameter group, not the default volatile-lru one', () => {
    const rg = one(data, 'AWS::ElastiCache::ReplicationGroup').Properties
    const group = one(data, 'AWS::ElastiCache::ParameterGroup')
    expect(ref(rg.CacheParameterGroupName)).toBe(group.id)
    expect(group.Properties).toMatchObject({
      CacheParameterGroupFamily: 'valkey8',
      Properties: { 'maxmemory-policy': 'noeviction', 'cluster-enabled': 'no' },
    })
    expect(rg.EngineVersion).toBe('8.0')
  })

  it('what a restore needs outlives the stack: a final snapshot of Redis, a week of snapshots, the caller-hash and signing-seed secrets kept', () => {
    const rg = one(data, 'AWS::ElastiCache::ReplicationGroup')
    expect(rg).toMatchObject({ DeletionPolicy: 'Snapshot', UpdateReplacePolicy: 'Snapshot' })
    expect(rg.Properties.SnapshotRetentionLimit).toBe(7)
    const policies = Object.fromEntries(
      resources(data, 'AWS::SecretsManager::Secret').map((r) => [r.id.replace(/[0-9A-F]{8}$/, ''), r.DeletionPolicy]),
    )
    // KEY_HASH_SECRET keys every stored caller; relying parties verify assertions with the seed's key.
    expect(policies).toMatchObject({ SecretsKeyHashSecret: 'Retain', SecretsAssertionSigningSeed: 'Retain' })
    for (const [id, policy] of Object.entries(policies))
      if (!['SecretsKeyHashSecret', 'SecretsAssertionSigningSeed'].includes(id)) expect(policy, id).toBe('Delete')
  })

  it("the VPC's rejected-traffic flow log keeps logRetentionDays, like the other logs, and goes with the stack", () => {
    const flowLog = one(data, 'AWS::EC2::FlowLog').Properties
    expect(flowLog).toMatchObject({ TrafficType: 'REJECT', LogDestinationType: 'cloud-watch-logs' })
    const group = data.Resources[ref(flowLog.LogGroupName)]
    expect(group).toMatchObject({
      Type: 'AWS::Logs::LogGroup',
      DeletionPolicy: 'Delete',
      Properties: { RetentionInDays: s.settings.logRetentionDays },
    })
  })

  it('Redis lets in only the service tasks, on its port', () => {
    const rules = resources(app, 'AWS::EC2::SecurityGroupIngress').filter((r) =>
      exportedRef(r.Properties.GroupId).startsWith('RedisSecurityGroup'),
    )
    expect(rules).toHaveLength(1)
    expect(rules[0]!.Properties).toMatchObject({ IpProtocol: 'tcp', FromPort: 6379, ToPort: 6379 })
    expect(ref(rules[0]!.Properties.SourceSecurityGroupId)).toMatch(/^ServiceServiceSecurityGroup/)
    expect(one(data, 'AWS::EC2::SecurityGroup').Properties.SecurityGroupIngress).toBeUndefined()
  })

  it('every secret is generated by Secrets Manager at deploy: no value anywhere in the templates', () => {
    const secrets = resources(data, 'AWS::SecretsManager::Secret')
    // PIN_HMAC_SECRET, KEY_HASH_SECRET, REDIS_PASSWORD, ASSERTION_SIGNING_SEED, and the API keys
    expect(secrets).toHaveLength(4 + Object.keys(API_KEY_CLIENTS).length)
    for (const secret of secrets) {
      expect(secret.Properties.SecretString, secret.id).toBeUndefined()
      expect(secret.Properties.GenerateSecretString, secret.id).toMatchObject({ ExcludePunctuation: true })
    }
    expect(JSON.stringify([data, app])).not.toMatch(/"SecretString"/)
  })

  it('each client gets its own API key, with only its scopes: the shims channels, the operators admin and verify', () => {
    expect(API_KEY_CLIENTS).toEqual({
      'connect-shim': ['channels'],
      'lex-shim': ['channels'],
      ops: ['admin', 'verify'],
    })
    for (const [client, scopes] of Object.entries(API_KEY_CLIENTS) as unknown as Array<
      [keyof typeof API_KEY_CLIENTS, string[]]
    >) {
      const generate = data.Resources[secretId(client)].Properties.GenerateSecretString
      expect(generate.GenerateStringKey).toBe('key')
      // What the secret will hold once generated, read by the service as its variable.
      const value = JSON.stringify({
        ...JSON.parse(generate.SecretStringTemplate),
        key: 'g'.repeat(generate.PasswordLength),
      })
      expect(readApiKeyVariables({ [apiKeyVariable(client)]: value })).toEqual([
        { name: client, key: 'g'.repeat(generate.PasswordLength), scopes },
      ])
    }
  })
})

describe('service: Fargate behind an internal load balancer', () => {
  const container = () => one(app, 'AWS::ECS::TaskDefinition').Properties.ContainerDefinitions[0]

  it('arm64 task from the repository Dockerfile, the image staged without node_modules, dist, cdk.out, tests or docs', () => {
    const task = one(app, 'AWS::ECS::TaskDefinition').Properties
    expect(task).toMatchObject({
      RuntimePlatform: { CpuArchitecture: 'ARM64', OperatingSystemFamily: 'LINUX' },
      Cpu: '512',
      Memory: '1024',
      RequiresCompatibilities: ['FARGATE'],
    })
    const hash = JSON.stringify(container().Image).match(/:([0-9a-f]{64})"/)![1]!
    const staged = readdirSync(s.assetDir(hash)).sort()
    expect(staged).toEqual([
      '.dockerignore',
      'Dockerfile',
      'connect',
      'package-lock.json',
      'package.json',
      'scripts',
      'services',
      'shims',
      'tsconfig.build.json',
      'tsconfig.json',
      'web',
    ])
  })

  it("stages every path the Dockerfile copies from its build context (.dockerignore's allow-list and the COPY lines agree)", () => {
    const hash = JSON.stringify(container().Image).match(/:([0-9a-f]{64})"/)![1]!
    const dir = s.assetDir(hash)
    const copied = readFileSync(join(dir, 'Dockerfile'), 'utf8')
      .split('\n')
      .filter((line) => /^COPY\s/.test(line) && !/--from=/.test(line))
      .flatMap((line) => line.trim().split(/\s+/).slice(1, -1))
      .filter((arg) => !arg.startsWith('--'))
    expect(copied).toEqual(expect.arrayContaining(['package.json', 'services', 'web', 'connect']))
    for (const path of copied) expect(existsSync(join(dir, path)), `${path} is copied but not staged`).toBe(true)
  })

  it('at least two tasks, spread over the private subnets of two AZs, CPU autoscaling from 2 to 6', () => {
    const service = one(app, 'AWS::ECS::Service').Properties
    expect(service).toMatchObject({
      DesiredCount: 2,
      LaunchType: 'FARGATE',
      DeploymentConfiguration: {
        MinimumHealthyPercent: 100,
        DeploymentCircuitBreaker: { Enable: true, Rollback: true },
      },
    })
    expect(service.NetworkConfiguration.AwsvpcConfiguration).toMatchObject({ AssignPublicIp: 'DISABLED' })
    expect(service.NetworkConfiguration.AwsvpcConfiguration.Subnets).toHaveLength(2)
    expect(one(app, 'AWS::ApplicationAutoScaling::ScalableTarget').Properties).toMatchObject({
      MinCapacity: 2,
      MaxCapacity: 6,
    })
    expect(
      one(app, 'AWS::ApplicationAutoScaling::ScalingPolicy').Properties.TargetTrackingScalingPolicyConfiguration,
    ).toMatchObject({
      PredefinedMetricSpecification: { PredefinedMetricType: 'ECSServiceAverageCPUUtilization' },
      TargetValue: 60,
    })
    expect(data.Resources).toSatisfy(
      (r: Json) => Object.values(r).filter((x: Json) => x.Type === 'AWS::EC2::Subnet').length === 4,
    )
  })

  it('internal load balancer, health checks on /healthz (liveness, not Redis), to the service port', () => {
    expect(one(app, 'AWS::ElasticLoadBalancingV2::LoadBalancer').Properties).toMatchObject({ Scheme: 'internal' })
    expect(one(app, 'AWS::ElasticLoadBalancingV2::TargetGroup').Properties).toMatchObject({
      HealthCheckPath: '/healthz',
      Port: loadConfig({}).http.port,
      Protocol: 'HTTP',
      TargetType: 'ip',
      Matcher: { HttpCode: '200' },
    })
    expect(container().PortMappings).toEqual([{ ContainerPort: 3000, Protocol: 'tcp' }])
  })

  it("the health-check path is the service's liveness route: 200 with Redis down too, so a Redis failover replaces no task", async () => {
    const path = one(app, 'AWS::ElasticLoadBalancingV2::TargetGroup').Properties.HealthCheckPath
    const down = await useTestApp({
      REDIS_URL: `redis://127.0.0.1:${await freePort()}`,
      REDIS_COMMAND_TIMEOUT_MS: '300',
    })
    const res = await down.app.inject({ method: 'GET', url: path })
    expect(res.statusCode).toBe(200)
    expect(res.json()).toEqual({ status: 'ok' })
    // Readiness would have failed every task: that is why the load balancer does not use it.
    expect((await down.app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(503)
  })

  it('logs to CloudWatch with the retention from the context', () => {
    const group = ref(container().LogConfiguration.Options['awslogs-group'])
    expect(app.Resources[group].Properties.RetentionInDays).toBe(30)
  })

  it('the environment is what the service reads: its variables only, secrets from Secrets Manager, and it starts with it in production', () => {
    const env: Record<string, Json> = Object.fromEntries(container().Environment.map((e: Json) => [e.Name, e.Value]))
    const secrets: Record<string, Json> = Object.fromEntries(
      container().Secrets.map((e: Json) => [e.Name, e.ValueFrom]),
    )
    for (const name of Object.keys(env)) {
      // AWS_REGION is the SDK's; REDIS_MODE is set only with redisClusterMode.
      if (name !== 'AWS_REGION') expect(CONFIG_VARIABLES, name).toContain(name)
    }
    expect(env).not.toHaveProperty(REDIS_MODE_VARIABLE)
    // Besides serviceEnvironment, the task gets only what the app owns (the list serviceEnvironment may not
    // touch), and everything it owns and sets is in the task.
    const given = Object.keys(s.settings.service.environment)
    for (const name of [...Object.keys(env), ...Object.keys(secrets)]) {
      if (name === 'AWS_REGION' || name.startsWith('API_KEY_') || given.includes(name)) continue
      expect(APP_SET_VARIABLES, name).toContain(name)
    }
    expect(env).toMatchObject({ HOST: '0.0.0.0', REDIS_MIN_REPLICAS_ACK: '1' })
    expect(Object.keys(secrets).sort()).toEqual([
      'API_KEY_CONNECT_SHIM',
      'API_KEY_LEX_SHIM',
      'API_KEY_OPS',
      'ASSERTION_SIGNING_SEED',
      'KEY_HASH_SECRET',
      'PIN_HMAC_SECRET',
      'REDIS_PASSWORD',
    ])
    expect(exportedRef(secrets.PIN_HMAC_SECRET)).toMatch(/^SecretsPinHmacSecret/)
    expect(exportedRef(secrets.KEY_HASH_SECRET)).toMatch(/^SecretsKeyHashSecret/)
    expect(exportedRef(secrets.REDIS_PASSWORD)).toMatch(/^SecretsRedisAuthToken/)
    for (const client of Object.keys(API_KEY_CLIENTS) as Array<keyof typeof API_KEY_CLIENTS>)
      expect(exportedRef(secrets[apiKeyVariable(client)])).toBe(secretId(client))
    expect(env).toMatchObject({
      NODE_ENV: 'production',
      TRUST_PROXY: '1',
      SMS_ALLOWED_COUNTRIES: 'JP',
      REDIS_MIN_REPLICAS_ACK: '1',
    })
    expect(joined(env.REDIS_URL, () => 'primary.example')).toBe('rediss://primary.example:6379')
    expect(ref(env.KMS_KEY_ID)).toMatch(/^ClientAccessPinKey/)

    // The deployed environment, references and secrets filled in, passes the service's own checks.
    const deployed = Object.fromEntries(Object.entries(env).map(([k, v]) => [k, joined(v, () => 'resolved.example')]))
    const secretValues = Object.fromEntries(
      Object.keys(secrets).map((k) => [
        k,
        k.startsWith('API_KEY_')
          ? JSON.stringify({ key: `${k.toLowerCase()}-0123456789abcdef`, scopes: 'channels' })
          : 's'.repeat(64),
      ]),
    )
    const config = loadConfig({ ...deployed, ...secretValues })
    expect(config).toMatchObject({
      env: 'production',
      redis: { url: 'rediss://resolved.example:6379', password: 's'.repeat(64) },
      sms: { provider: 'sns' },
      kms: { keyId: 'resolved.example' },
    })
    expect(config.apiKeys).toHaveLength(3)
    // Without eventBus or End User Messaging settings: no events, no calls (app-variants.test.ts has them on).
    for (const name of [
      'EVENTS_EVENTBRIDGE_BUS',
      'VOICE_PROVIDER',
      'VOICE_ORIGINATION_IDENTITY',
      'EUM_ORIGINATION_IDENTITY',
      'EUM_CONFIGURATION_SET',
      'EUM_PROTECT_CONFIGURATION_ID',
    ])
      expect(env).not.toHaveProperty(name)
    expect(env.SMS_PROVIDER).toBe('sns')
    expect(config).toMatchObject({ voice: { provider: undefined }, events: { eventBridgeBus: undefined } })
    expect(resources(app, 'AWS::Events::EventBus')).toEqual([])
    expect(app.Outputs).not.toHaveProperty('EventBusArn')
  })

  it('task role: sns:Publish (no resource to name), kms:Decrypt on the PIN key only for a challenge, nothing else (no events, no End User Messaging)', () => {
    const role = Object.keys(app.Resources).find(
      (id) => id.startsWith('ServiceTaskRole') && app.Resources[id].Type === 'AWS::IAM::Role',
    )!
    const policies = resources(app, 'AWS::IAM::Policy').filter((p) =>
      p.Properties.Roles.some((r: Json) => ref(r) === role),
    )
    const granted = policies.flatMap((p) => p.Properties.PolicyDocument.Statement)
    expect(granted).toEqual([
      { Sid: 'SmsToPhoneNumbers', Effect: 'Allow', Action: 'sns:Publish', Resource: '*' },
      {
        Effect: 'Allow',
        Action: 'kms:Decrypt',
        Resource: { 'Fn::GetAtt': [expect.stringMatching(/^ClientAccessPinKey/), 'Arn'] },
        Condition: {
          'ForAllValues:StringEquals': { 'kms:EncryptionContextKeys': ['challengeId'] },
          Null: { 'kms:EncryptionContextKeys': 'false' },
        },
      },
    ])
  })
})

describe('shims', () => {
  const fn = (name: 'connect' | 'lex') =>
    resources(app, 'AWS::Lambda::Function').find((f) =>
      f.id.startsWith(name === 'connect' ? 'ChannelsConnectShim' : 'ChannelsLexShim'),
    )!

  it.each(['connect', 'lex'] as const)(
    '%s: nodejs24.x on arm64 from its bundle alone, in the private subnets, its timeout above AUTH_SERVICE_TIMEOUT_MS',
    (name) => {
      const p = fn(name).Properties
      expect(p).toMatchObject({ Runtime: 'nodejs24.x', Architectures: ['arm64'], Handler: `${name}.handler` })
      expect(p.VpcConfig.SubnetIds).toHaveLength(2)
      const waits = Number(p.Environment.Variables.AUTH_SERVICE_TIMEOUT_MS)
      expect(waits).toBe(DEFAULT_TIMEOUT_MS[name])
      // Room for a cold start and the shim's own fallback before Lambda would kill it.
      expect(p.Timeout * 1000 - waits).toBeGreaterThanOrEqual(1000)
      expect(readdirSync(s.assetDir(p.Code.S3Key.replace(/\.zip$/, '')))).toEqual([`${name}.mjs`])
      const group = ref(p.LoggingConfig.LogGroup)
      expect(app.Resources[group].Properties.RetentionInDays).toBe(30)
    },
  )

  it.each(['connect', 'lex'] as const)(
    '%s: the API key from its own secret, through the Parameters and Secrets extension; no key in the environment',
    (name) => {
      const p = fn(name).Properties
      const vars = p.Environment.Variables
      expect(vars).not.toHaveProperty('AUTH_SERVICE_API_KEY')
      expect(exportedRef(vars.AUTH_SERVICE_API_KEY_SECRET_ID)).toBe(secretId(`${name}-shim`))
      expect(joined(vars.AUTH_SERVICE_URL, () => 'internal-lb.example')).toBe('http://internal-lb.example')
      expect(p.Layers).toEqual([expect.stringMatching(/:layer:AWS-Parameters-and-Secrets-Lambda-Extension-Arm64:\d+$/)])
      const role = ref(p.Role)
      const granted = resources(app, 'AWS::IAM::Policy')
        .filter((x) => x.Properties.Roles.some((r: Json) => ref(r) === role))
        .flatMap((x) => x.Properties.PolicyDocument.Statement)
      expect(granted).toEqual([
        {
          Effect: 'Allow',
          Action: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'],
          Resource: vars.AUTH_SERVICE_API_KEY_SECRET_ID,
        },
      ])
    },
  )

  it('only the shims (and nothing else) may reach the load balancer', () => {
    const lbGroup = ref(one(app, 'AWS::ElasticLoadBalancingV2::LoadBalancer').Properties.SecurityGroups[0])
    const sources = resources(app, 'AWS::EC2::SecurityGroupIngress')
      .filter((r) => ref(r.Properties.GroupId) === lbGroup)
      .map((r) => ref(r.Properties.SourceSecurityGroupId))
      .sort()
    expect(sources).toEqual([
      expect.stringMatching(/^ChannelsConnectShimSecurityGroup/),
      expect.stringMatching(/^ChannelsLexShimSecurityGroup/),
    ])
    expect(app.Resources[lbGroup].Properties.SecurityGroupIngress).toBeUndefined()
  })
})

describe('Amazon Connect', () => {
  const instanceArn = () => s.settings.connect!.instanceArn
  const connectShim = () =>
    resources(app, 'AWS::Lambda::Function').find((f) => f.id.startsWith('ChannelsConnectShim'))!.id

  it('associates the Connect shim and the bot alias with the instance', () => {
    const associations = resources(app, 'AWS::Connect::IntegrationAssociation').map((a) => a.Properties)
    expect(associations).toHaveLength(2)
    expect(associations).toContainEqual({
      InstanceId: instanceArn(),
      IntegrationType: 'LAMBDA_FUNCTION',
      IntegrationArn: { 'Fn::GetAtt': [connectShim(), 'Arn'] },
    })
    expect(associations).toContainEqual({
      InstanceId: instanceArn(),
      IntegrationType: 'LEX_BOT',
      IntegrationArn: { 'Fn::GetAtt': [expect.stringMatching(/^ChannelsBotAlias/), 'Arn'] },
    })
  })

  it('lets connect.amazonaws.com invoke the shim only from this instance, in this account', () => {
    const permissions = resources(app, 'AWS::Lambda::Permission').filter(
      (p) => p.Properties.Principal === 'connect.amazonaws.com',
    )
    expect(permissions.map((p) => p.Properties)).toEqual([
      {
        Action: 'lambda:InvokeFunction',
        FunctionName: { 'Fn::GetAtt': [connectShim(), 'Arn'] },
        Principal: 'connect.amazonaws.com',
        SourceArn: instanceArn(),
        SourceAccount: '111122223333',
      },
    ])
  })

  const flowOf = (prefix: string) => resources(app, 'AWS::Connect::ContactFlow').find((f) => f.id.startsWith(prefix))!

  it('deploys connect/pinline-caller-auth.json with the shim and queue ARNs in place of its placeholders', () => {
    expect(resources(app, 'AWS::Connect::ContactFlow')).toHaveLength(2)
    const flow = flowOf('ChannelsConnectCallerAuthFlow')
    expect(flow.Properties).toMatchObject({ InstanceArn: instanceArn(), Type: 'CONTACT_FLOW', State: 'ACTIVE' })
    expect(flow.DependsOn).toContainEqual(expect.stringMatching(/^ChannelsConnectShimAssociation/))
    const content = JSON.parse(
      joined(flow.Properties.Content, (v) => `arn:aws:lambda:ap-northeast-1:111122223333:function:${ref(v)}`),
    )
    const lambdas = content.Actions.filter((a: Json) => a.Type === 'InvokeLambdaFunction').map(
      (a: Json) => a.Parameters.LambdaFunctionARN,
    )
    // lookup, sendPin, sendPin (press 1 for a call), verifyPin
    expect(lambdas).toEqual(Array(4).fill(`arn:aws:lambda:ap-northeast-1:111122223333:function:${connectShim()}`))
    expect(content.Actions.find((a: Json) => a.Type === 'UpdateContactTargetQueue').Parameters.QueueId).toBe(
      s.settings.connect!.queueArn,
    )
    expect(JSON.stringify(content)).not.toContain(CALLER_AUTH_PLACEHOLDERS.lambda)
    // The flow waits for the Lambda at least as long as the Lambda may run.
    const shimTimeout = app.Resources[connectShim()].Properties.Timeout
    for (const a of content.Actions.filter((x: Json) => x.Type === 'InvokeLambdaFunction'))
      expect(Number(a.Parameters.InvocationTimeLimitSeconds)).toBeGreaterThanOrEqual(shimTimeout)
  })

  it('deploys connect/pinline-lex-order.json handing the call to the live bot alias, after the bot is associated with the instance', () => {
    const flow = flowOf('ChannelsConnectLexOrderFlow')
    expect(flow.Properties).toMatchObject({ InstanceArn: instanceArn(), Type: 'CONTACT_FLOW', State: 'ACTIVE' })
    expect(flow.DependsOn).toContainEqual(expect.stringMatching(/^ChannelsConnectLexBotAssociation/))
    const content = JSON.parse(joined(flow.Properties.Content, (v) => `<${ref(v)}>`))
    const bot = content.Actions.filter((a: Json) => a.Type === 'ConnectParticipantWithLexBot')
    expect(bot.map((a: Json) => a.Parameters.LexV2Bot.AliasArn)).toEqual([
      expect.stringMatching(/^<ChannelsBotAlias\w+>$/),
    ])
    expect(Object.keys(app.Outputs)).toContain('LexOrderFlowArn')
  })

  it('contact-flow lint: the deployed content parses, every transition leads to an action, every action type is documented, no placeholder is left', () => {
    for (const flow of resources(app, 'AWS::Connect::ContactFlow')) {
      const text = joined(flow.Properties.Content, () => 'arn:aws:lambda:ap-northeast-1:111122223333:function:resolved')
      expect(lintFlow(text), flow.id).toEqual([])
      expect(() => substituteFlow(JSON.parse(text), {}), flow.id).not.toThrow()
      for (const placeholder of ['REGION', 'ACCOUNT_ID', 'QUEUE_ID', 'INSTANCE_ID'])
        expect(text, flow.id).not.toContain(placeholder)
      for (const action of JSON.parse(text).Actions)
        expect(CONNECT_ACTION_TYPES, action.Identifier).toContain(action.Type)
    }
  })
})

describe('the Lex V2 bot', () => {
  const bot = () => one(app, 'AWS::Lex::Bot').Properties
  const locale = (id: string) => bot().BotLocales.find((l: Json) => l.LocaleId === id)
  const lexShim = () => resources(app, 'AWS::Lambda::Function').find((f) => f.id.startsWith('ChannelsLexShim'))!.id
  const codeHook = () => ({
    Enabled: true,
    CodeHookSpecification: {
      LambdaCodeHook: { LambdaArn: { 'Fn::GetAtt': [lexShim(), 'Arn'] }, CodeHookInterfaceVersion: '1.0' },
    },
  })

  it('en_US and ja_JP, built on deploy, forgetting an idle conversation no later than the service (SESSION_TTL_SECONDS)', () => {
    expect(bot().BotLocales.map((l: Json) => l.LocaleId)).toEqual(Object.keys(BOT_LOCALES))
    expect(bot()).toMatchObject({ AutoBuildBotLocales: true, DataPrivacy: { ChildDirected: false } })
    expect(bot().IdleSessionTTLInSeconds).toBeLessThanOrEqual(loadConfig({}).sessions.idleTtlMs / 1000)
  })

  it.each(Object.keys(BOT_LOCALES) as Array<keyof typeof BOT_LOCALES>)(
    '%s: GetFoodMenu, OrderFood (Food, Pin), FinishOrder and FallbackIntent, with utterances, the code hooks on, Pin obfuscated',
    (id) => {
      const intents = locale(id).Intents
      expect(intents.map((i: Json) => i.Name)).toEqual([INTENTS.menu, INTENTS.order, INTENTS.finish, INTENTS.fallback])
      const [menu, order, finish, fallback] = intents
      for (const intent of [menu, order, finish]) {
        expect(intent.SampleUtterances.length, intent.Name).toBeGreaterThanOrEqual(4)
        expect(intent).toMatchObject({ DialogCodeHook: { Enabled: true }, FulfillmentCodeHook: { Enabled: true } })
      }
      expect(finish.SampleUtterances.map((u: Json) => u.Utterance)).toEqual(FINISH_UTTERANCES[id])
      expect(fallback).toMatchObject({
        ParentIntentSignature: 'AMAZON.FallbackIntent',
        FulfillmentCodeHook: { Enabled: true },
      })
      expect(order.Slots.map((x: Json) => x.Name)).toEqual([SLOTS.food, SLOTS.pin])
      expect(order.SampleUtterances.map((u: Json) => u.Utterance)).toContain(`{${SLOTS.food}}`)
      for (const slot of order.Slots) expect(slot.ValueElicitationSetting.SlotConstraint).toBe('Optional')
      const pin = order.Slots[1]
      expect(pin.ObfuscationSetting).toEqual({ ObfuscationSettingType: 'DefaultObfuscation' })
      expect(
        pin.ValueElicitationSetting.PromptSpecification.PromptAttemptsSpecification.Initial.AllowedInputTypes,
      ).toEqual({ AllowAudioInput: true, AllowDTMFInput: true })
    },
  )

  it('Pin: PinDigits, digits as said (AlphaNumeric with PIN_LENGTH digits) in en_US; the plain AlphaNumeric parent in ja_JP, which has no regex extension', () => {
    const pinSlot = (id: string) => locale(id).Intents[1].Slots[1].SlotTypeName
    expect(pinSlot('en_US')).toBe('PinDigits')
    expect(locale('en_US').SlotTypes.find((t: Json) => t.Name === 'PinDigits')).toEqual({
      Name: 'PinDigits',
      Description: expect.any(String),
      ParentSlotTypeSignature: 'AMAZON.AlphaNumeric',
      ValueSelectionSetting: { ResolutionStrategy: 'ORIGINAL_VALUE', RegexFilter: { Pattern: '[0-9]{6}' } },
    })
    // The example context keeps the service's default PIN_LENGTH, which the pattern follows.
    expect(PIN_SLOT_TYPE.regex(loadConfig({ ...s.settings.service.environment }).verification.pinLength)).toBe(
      '[0-9]{6}',
    )
    expect(pinSlot('ja_JP')).toBe('AMAZON.AlphaNumeric')
    expect(locale('ja_JP').SlotTypes.map((t: Json) => t.Name)).toEqual(['FoodItem'])
  })

  it('a version of the draft, and the live alias (and the test alias) with the Lex shim as code hook in every locale', () => {
    const version = one(app, 'AWS::Lex::BotVersion').Properties
    expect(
      version.BotVersionLocaleSpecification.map((l: Json) => [l.LocaleId, l.BotVersionLocaleDetails.SourceBotVersion]),
    ).toEqual(Object.keys(BOT_LOCALES).map((l) => [l, 'DRAFT']))
    const alias = one(app, 'AWS::Lex::BotAlias').Properties
    expect(alias.BotAliasLocaleSettings).toEqual(
      Object.keys(BOT_LOCALES).map((l) => ({ LocaleId: l, BotAliasLocaleSetting: codeHook() })),
    )
    expect(bot().TestBotAliasSettings.BotAliasLocaleSettings).toEqual(
      Object.keys(BOT_LOCALES).map((l) => ({ LocaleId: l, BotAliasLocaleSetting: codeHook() })),
    )
  })

  it('lets lexv2.amazonaws.com invoke the Lex shim only for the live and the test alias of this bot', () => {
    const permissions = resources(app, 'AWS::Lambda::Permission')
      .filter((p) => p.Properties.Principal === 'lexv2.amazonaws.com')
      .map((p) => p.Properties)
    expect(permissions).toHaveLength(2)
    for (const p of permissions)
      expect(p).toMatchObject({
        Action: 'lambda:InvokeFunction',
        FunctionName: { 'Fn::GetAtt': [lexShim(), 'Arn'] },
        SourceAccount: '111122223333',
      })
    expect(permissions[0]!.SourceArn).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^ChannelsBotAlias/), 'Arn'] })
    expect(joined(permissions[1]!.SourceArn, (v) => (v.Ref === 'AWS::Partition' ? 'aws' : `<${ref(v)}>`))).toMatch(
      /^arn:aws:lex:ap-northeast-1:111122223333:bot-alias\/<ChannelsBot\w+>\/TSTALIASID$/,
    )
  })

  it("agrees with the channel: the service handles every intent but the fallback, and its menu is the bot's dishes", async () => {
    const t = await useTestApp({}, { logs: true })
    const served = (await t.app.inject({ method: 'GET', url: '/v1/menu?locale=en', headers: auth })).json()
    for (const id of Object.keys(BOT_LOCALES)) {
      const foods = locale(id).SlotTypes.find((x: Json) => x.Name === 'FoodItem')
      expect(foods.SlotTypeValues.map((v: Json) => v.SampleValue.Value)).toEqual(served.items.map((i: Json) => i.id))
      for (const [i, item] of t.config.menu.entries()) {
        // Every word the service matches for a dish reaches the bot as that dish (Lex ignores case).
        const words = [
          foods.SlotTypeValues[i].SampleValue.Value,
          ...foods.SlotTypeValues[i].Synonyms.map((v: Json) => v.Value),
        ].map((w: string) => w.toLowerCase())
        expect(new Set(words).size, item.id).toBe(words.length)
        for (const word of [...Object.values(item.names), ...(item.aliases ?? [])])
          expect(words, item.id).toContain(word.toLowerCase())
      }
    }
    const intents = locale('en_US').Intents.map((i: Json) => i.Name)
    for (const intent of intents) {
      const event = lexEvent({
        intent,
        sessionId: randomUUID(),
        transcript: 'book a hotel',
        sessionAttributes: { email: 'nobody@example.com' },
      })
      const res = await t.app.inject({ method: 'POST', url: '/v1/channels/lex', headers: auth, payload: event })
      expect(res.statusCode).toBe(200)
    }
    const outcomes = t
      .logs()
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l))
      .filter((l) => l.msg === 'request completed' && l.lex !== undefined)
      .map((l) => l.lex.outcome)
    expect(outcomes).toHaveLength(intents.length)
    // Every intent of the bot reaches a handler of the channel; only the fallback is "not understood".
    expect(Object.fromEntries(intents.map((intent: string, i: number) => [intent, outcomes[i]]))).toEqual({
      GetFoodMenu: 'menu',
      OrderFood: expect.not.stringMatching(/unknown_intent|malformed/),
      FinishOrder: 'finished_empty',
      FallbackIntent: 'unknown_intent',
    })
  })
})

describe('client access: the PIN key and the Cognito identity pool', () => {
  const role = () =>
    Object.keys(app.Resources).find(
      (id) => id.startsWith('ClientAccessUnauthenticatedRole') && app.Resources[id].Type === 'AWS::IAM::Role',
    )!
  const taskRole = () =>
    Object.keys(app.Resources).find(
      (id) => id.startsWith('ServiceTaskRole') && app.Resources[id].Type === 'AWS::IAM::Role',
    )!
  const onlyChallenge = {
    'ForAllValues:StringEquals': { 'kms:EncryptionContextKeys': ['challengeId'] },
    Null: { 'kms:EncryptionContextKeys': 'false' },
  }

  it('a rotating KMS key whose policy lets browsers encrypt and the service decrypt, each only for a challenge', () => {
    const key = one(app, 'AWS::KMS::Key').Properties
    expect(key).toMatchObject({ EnableKeyRotation: true })
    expect(key.KeySpec ?? 'SYMMETRIC_DEFAULT').toBe('SYMMETRIC_DEFAULT')
    const byPrincipal = (id: string) => key.KeyPolicy.Statement.filter((st: Json) => ref(st.Principal?.AWS) === id)
    // Each role has one statement in the key's policy: its one action, only for a challenge.
    for (const [roleId, Sid, Action] of [
      [role(), 'Browsers may only encrypt, only for a challenge', 'kms:Encrypt'],
      [taskRole(), 'pinline may decrypt', 'kms:Decrypt'],
    ] as const) {
      expect(byPrincipal(roleId), Sid).toEqual([
        {
          Sid,
          Effect: 'Allow',
          Principal: { AWS: { 'Fn::GetAtt': [roleId, 'Arn'] } },
          Action,
          Resource: '*',
          Condition: onlyChallenge,
        },
      ])
    }
  })

  it('an identity pool with guests, whose role only unauthenticated identities of this pool assume, and may only encrypt and talk to the bot alias', () => {
    const pool = one(app, 'AWS::Cognito::IdentityPool')
    expect(pool.Properties).toMatchObject({ AllowUnauthenticatedIdentities: true, AllowClassicFlow: true })
    expect(one(app, 'AWS::Cognito::IdentityPoolRoleAttachment').Properties).toEqual({
      IdentityPoolId: { Ref: pool.id },
      Roles: { unauthenticated: { 'Fn::GetAtt': [role(), 'Arn'] } },
    })
    expect(app.Resources[role()].Properties.AssumeRolePolicyDocument.Statement).toEqual([
      {
        Effect: 'Allow',
        Action: 'sts:AssumeRoleWithWebIdentity',
        Principal: { Federated: 'cognito-identity.amazonaws.com' },
        Condition: {
          StringEquals: { 'cognito-identity.amazonaws.com:aud': { Ref: pool.id } },
          'ForAnyValue:StringLike': { 'cognito-identity.amazonaws.com:amr': 'unauthenticated' },
        },
      },
    ])
    const granted = resources(app, 'AWS::IAM::Policy')
      .filter((p) => p.Properties.Roles.some((r: Json) => ref(r) === role()))
      .flatMap((p) => p.Properties.PolicyDocument.Statement)
    expect(granted).toEqual([
      {
        Effect: 'Allow',
        Action: 'kms:Encrypt',
        Resource: { 'Fn::GetAtt': [expect.stringMatching(/^ClientAccessPinKey/), 'Arn'] },
        Condition: onlyChallenge,
      },
      {
        Effect: 'Allow',
        Action: 'lex:RecognizeText',
        Resource: { 'Fn::GetAtt': [expect.stringMatching(/^ChannelsBotAlias/), 'Arn'] },
      },
    ])
  })
})

describe('IAM across both stacks', () => {
  // Every statement granting on Resource "*", and why it must.
  const STAR_RESOURCES: Array<{ where: RegExp; action: string | string[]; why: string }> = [
    {
      where: /^ServiceTaskRoleDefaultPolicy/,
      action: 'sns:Publish',
      why: 'SMS to a phone number: no resource ARN, no condition key for the number',
    },
    {
      where: /^ServiceTaskExecutionRoleDefaultPolicy/,
      action: 'ecr:GetAuthorizationToken',
      why: 'IAM grants it only on "*"; needed to pull the image',
    },
    { where: /^ChannelsBotRoleDefaultPolicy/, action: 'polly:SynthesizeSpeech', why: 'Polly voices have no ARNs' },
    {
      where: /^ClientAccessPinKey/,
      action: 'kms:*',
      why: 'key policy: "*" is this key; the account keeps administering it through IAM (CDK default)',
    },
    {
      where: /^ClientAccessPinKey/,
      action: 'kms:Encrypt',
      why: 'key policy: "*" is this key (browsers, for a challenge)',
    },
    {
      where: /^ClientAccessPinKey/,
      action: 'kms:Decrypt',
      why: 'key policy: "*" is this key (the service, for a challenge)',
    },
    {
      where: /^CustomCDKBucketDeployment/,
      action: ['cloudfront:GetInvalidation', 'cloudfront:CreateInvalidation'],
      why: "CDK's BucketDeployment invalidating the web chat's distribution after a deploy",
    },
  ]

  it('no statement allows Action "*"', () => {
    const all = [...statements(data), ...statements(app)]
    expect(all.length).toBeGreaterThan(10)
    for (const { where, statement } of all) expect([statement.Action].flat(), where).not.toContain('*')
  })

  it('each Resource "*" is one of the named, explained statements', () => {
    const star = [...statements(data), ...statements(app)].filter(({ statement }) =>
      [statement.Resource].flat().includes('*'),
    )
    for (const { where, statement } of star) {
      const known = STAR_RESOURCES.find(
        (k) => k.where.test(where) && JSON.stringify(k.action) === JSON.stringify(statement.Action),
      )
      expect(known, `${where}: ${JSON.stringify(statement.Action)} on "*"`).toBeDefined()
    }
    expect(star.length).toBe(STAR_RESOURCES.length)
  })
})

describe('web chat: the page on S3 behind CloudFront, config.json from the stack', () => {
  it('a private, encrypted, TLS-only bucket that only this distribution reads, through origin access control', () => {
    const bucket = resources(app, 'AWS::S3::Bucket').find((b) => b.id.startsWith('WebPage'))!
    expect(bucket.Properties).toMatchObject({
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      },
    })
    const policy = resources(app, 'AWS::S3::BucketPolicy').find((p) => ref(p.Properties.Bucket) === bucket.id)!
      .Properties.PolicyDocument.Statement as Json[]
    expect(policy).toContainEqual(
      expect.objectContaining({
        Effect: 'Deny',
        Action: 's3:*',
        Condition: { Bool: { 'aws:SecureTransport': 'false' } },
      }),
    )
    const reads = policy.filter((st) => st.Effect === 'Allow')
    expect(reads).toEqual([
      expect.objectContaining({ Action: 's3:GetObject', Principal: { Service: 'cloudfront.amazonaws.com' } }),
    ])
    const distribution = one(app, 'AWS::CloudFront::Distribution')
    expect(JSON.stringify(reads[0].Condition)).toContain(distribution.id)

    const config = distribution.Properties.DistributionConfig
    expect(config).toMatchObject({
      DefaultRootObject: 'index.html',
      DefaultCacheBehavior: { ViewerProtocolPolicy: 'https-only', AllowedMethods: ['GET', 'HEAD'] },
    })
    expect(config.Origins).toHaveLength(1)
    expect(ref(config.Origins[0].DomainName)).toBe(bucket.id)
    expect(config.Origins[0].S3OriginConfig).toEqual({ OriginAccessIdentity: '' }) // no legacy OAI
    const oac = one(app, 'AWS::CloudFront::OriginAccessControl')
    expect(ref(config.Origins[0].OriginAccessControlId)).toBe(oac.id)
    expect(oac.Properties.OriginAccessControlConfig).toMatchObject({
      OriginAccessControlOriginType: 's3',
      SigningBehavior: 'always',
      SigningProtocol: 'sigv4',
    })
    expect(JSON.stringify(app.Outputs.WebChatUrl.Value)).toContain(distribution.id)
  })

  it("deploys the built page and a config.json naming this stack's pool, bot, alias and key, then invalidates the cache", () => {
    const deployment = one(app, 'Custom::CDKBucketDeployment').Properties
    expect(ref(deployment.DestinationBucketName)).toMatch(/^WebPage/)
    expect(deployment).toMatchObject({ Prune: true, DistributionPaths: ['/*'] })
    expect(ref(deployment.DistributionId)).toBe(one(app, 'AWS::CloudFront::Distribution').id)
    const assets = (deployment.SourceObjectKeys as string[]).map((key) => s.assetDir(key.replace(/\.zip$/, '')))
    const page = assets.find((dir) => existsSync(join(dir, 'index.html')))!
    expect(readdirSync(page)).toEqual(expect.arrayContaining(['index.html', 'app.js', 'app.css']))
    const i = assets.findIndex((dir) => existsSync(join(dir, 'config.json')))
    // Deploy-time values are markers in the file, each resolved by CloudFormation from the template.
    let text = readFileSync(join(assets[i]!, 'config.json'), 'utf8')
    for (const [marker, value] of Object.entries(deployment.SourceMarkers[i] as Record<string, Json>))
      text = text.replace(marker, `<${ref(value)}.${value['Fn::GetAtt']?.[1] ?? 'Ref'}>`)
    const config = JSON.parse(text)
    expect(config).toEqual({
      mode: 'aws',
      region: s.settings.region,
      localeId: 'ja_JP', // the example context's DEFAULT_LOCALE=ja
      identityPoolId: expect.stringMatching(/^<ClientAccessIdentityPool\w+\.Ref>$/),
      botId: expect.stringMatching(/^<ChannelsBot[0-9A-F]+\.Id>$/),
      botAliasId: expect.stringMatching(/^<ChannelsBotAlias\w+\.BotAliasId>$/),
      kmsKeyId: expect.stringMatching(/^<ClientAccessPinKey\w+\.Arn>$/),
      // The basic flow, on the one role that trusts the pool's guests.
      guestRoleArn: expect.stringMatching(/^<ClientAccessUnauthenticatedRole\w+\.Arn>$/),
    })
    // Every field the page reads in AWS mode (web/src/chat-aws.ts AwsConfig) is there.
    for (const field of ['region', 'identityPoolId', 'botId', 'botAliasId', 'localeId', 'kmsKeyId'])
      expect(config[field], field).toBeTruthy()
  })
})

describe('validation at synth', () => {
  it('CloudFormation schema validation and every other plugin: no finding left', () => {
    for (const report of s.validationReport.pluginReports) expect(report.violations, report.pluginName).toEqual([])
    expect(s.messages.filter((m) => m.level === 'error')).toEqual([])
  })
})

describe('cdk-nag (AwsSolutions)', () => {
  it('ran, found no unacknowledged violation, and every acknowledged one carries its reason', () => {
    const nag = s.validationReport.pluginReports.find((r: Json) => r.pluginName === 'AwsSolutions')
    expect(nag).toMatchObject({ conclusion: 'success', violations: [] })
    expect(nag.suppressedViolations.length).toBeGreaterThan(5)
    for (const v of nag.suppressedViolations) expect(v.reason, v.ruleName).toMatch(/\w{3,}.{40,}/)
  })
})

describe('outputs', () => {
  it('the service URL, the shims, the bot and alias ids, the identity pool and the KMS key', () => {
    expect(Object.keys(app.Outputs)).toEqual(
      expect.arrayContaining([
        'ServiceUrl',
        'ConnectShimArn',
        'LexShimArn',
        'BotId',
        'BotAliasId',
        'BotAliasArn',
        'IdentityPoolId',
        'PinKeyArn',
        'CallerAuthFlowArn',
      ]),
    )
  })
})

describe('the contact-flow lint itself', () => {
  it('finds what Connect would refuse', () => {
    const good = {
      Version: '2019-10-30',
      StartAction: 'a',
      Actions: [
        { Identifier: 'a', Type: 'MessageParticipant', Transitions: { NextAction: 'b' } },
        { Identifier: 'b', Type: 'DisconnectParticipant', Transitions: {} },
      ],
    }
    expect(lintFlow(JSON.stringify(good))).toEqual([])
    expect(lintFlow('{"Version":')).toEqual([expect.stringMatching(/does not parse/)])
    const bad = structuredClone(good)
    bad.Actions[0]!.Transitions.NextAction = 'c'
    bad.Actions[1]!.Type = 'PlayPrompt'
    expect(lintFlow(JSON.stringify(bad))).toEqual([
      'b: PlayPrompt is not a documented action type',
      'a -> c: no such action',
    ])
  })
})
