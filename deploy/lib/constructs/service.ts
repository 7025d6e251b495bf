import { CfnOutput, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib'
import * as ec2 from 'aws-cdk-lib/aws-ec2'
import { Platform } from 'aws-cdk-lib/aws-ecr-assets'
import * as ecs from 'aws-cdk-lib/aws-ecs'
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2'
import * as iam from 'aws-cdk-lib/aws-iam'
import * as logs from 'aws-cdk-lib/aws-logs'
import { Construct } from 'constructs'
import type { ConfigVariable } from '../../../services/auth/src/config.ts'
import { loadConfig } from '../../../services/auth/src/config.ts'
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager'
import { API_KEY_CLIENTS, apiKeyVariable, type ApiKeyClient, type ServiceSecrets } from './secrets.ts'
import type { Redis } from './redis.ts'
import { Notifications } from './notifications.ts'
import type { Settings } from '../settings.ts'

export interface ServiceProps {
  vpc: ec2.IVpc
  redis: Redis
  redisClusterMode: boolean
  secrets: ServiceSecrets
  /** The repository root: the Dockerfile's build context. */
  repoRoot: string
  settings: Settings['service']
  logRetentionDays: number
  kmsKeyArn: string
  events: Settings['events']
  messaging: Settings['messaging']
}

/** How the service reaches Redis (`standalone` | `cluster`): set with the redisClusterMode switch. */
export const REDIS_MODE_VARIABLE = 'REDIS_MODE' satisfies ConfigVariable

/** What the app's own values come from. */
interface AppValues {
  port: number
  redis: Redis
  redisClusterMode: boolean
  kmsKeyArn: string
  secrets: ServiceSecrets
  /** The messaging and events variables, from the settings that also shape the task role's grants. */
  notifications: Partial<Record<ConfigVariable, string>>
}

const fromSecret = (secret: ISecret) => ecs.Secret.fromSecretsManager(secret)

/**
 * Every service variable the deploy app owns, with the value it gives it (a string, a secret, or
 * undefined: deliberately left unset). The task's environment and secrets are made from this
 * table, and serviceEnvironment may set none of its names (APP_SET_VARIABLES, which settings.ts
 * refuses): one source for both, so nothing the app sets can be set or overridden from the context.
 */
const APP_ENVIRONMENT = {
  NODE_ENV: () => 'production',
  // The load balancer reaches each task on its own interface.
  HOST: () => '0.0.0.0',
  PORT: (v) => String(v.port),
  // The address the load balancer appended to X-Forwarded-For: only the ALB's security group
  // reaches the tasks, so the socket peer is always the ALB (SECURITY.md, behind an AWS load balancer).
  TRUST_PROXY: () => '1',
  REDIS_URL: (v) => v.redis.url,
  [REDIS_MODE_VARIABLE]: (v) => (v.redisClusterMode ? 'cluster' : undefined),
  // ElastiCache's AUTH token is the default user's password: no ACL user.
  REDIS_USERNAME: () => undefined,
  REDIS_PASSWORD: (v) => fromSecret(v.secrets.redisAuth),
  // Every shard has replicas with automatic failover, in both modes: an approval is answered
  // only once a replica holds it, so a failover cannot approve the same PIN twice (SECURITY.md).
  // Two replicas by default (settings.ts): one can be missing without stopping verifies.
  REDIS_MIN_REPLICAS_ACK: () => '1',
  PIN_HMAC_SECRET: (v) => fromSecret(v.secrets.pinHmac),
  KEY_HASH_SECRET: (v) => fromSecret(v.secrets.keyHash),
  KMS_KEY_ID: (v) => v.kmsKeyArn,
  // One API_KEY_<NAME> secret per client instead (ECS cannot join secrets into one string).
  API_KEYS: () => undefined,
  // The assertions' signing key is derived from a generated secret (ASSERTION_PREVIOUS_KEY stays settable for a rotation).
  ASSERTION_SIGNING_SEED: (v) => fromSecret(v.secrets.assertionSeed),
  ASSERTION_SIGNING_KEY: () => undefined,
  // The bot's dishes are generated from the shipped menu: edit default-menu.json to change both.
  MENU_FILE: () => undefined,
  // Set from the events and messaging context values, with the task role's grants to match.
  EVENTS_EVENTBRIDGE_BUS: (v) => v.notifications.EVENTS_EVENTBRIDGE_BUS,
  SMS_PROVIDER: (v) => v.notifications.SMS_PROVIDER,
  EUM_ORIGINATION_IDENTITY: (v) => v.notifications.EUM_ORIGINATION_IDENTITY,
  EUM_CONFIGURATION_SET: (v) => v.notifications.EUM_CONFIGURATION_SET,
  EUM_PROTECT_CONFIGURATION_ID: (v) => v.notifications.EUM_PROTECT_CONFIGURATION_ID,
  VOICE_PROVIDER: (v) => v.notifications.VOICE_PROVIDER,
  VOICE_ORIGINATION_IDENTITY: (v) => v.notifications.VOICE_ORIGINATION_IDENTITY,
} satisfies { [K in ConfigVariable]?: (v: AppValues) => string | ecs.Secret | undefined }

/** Variables the app sets itself (from its own resources and secrets): serviceEnvironment may not set them. */
export const APP_SET_VARIABLES = Object.keys(APP_ENVIRONMENT) as Array<keyof typeof APP_ENVIRONMENT>

// The service's own defaults, read from its config rather than retyped here.
const serviceDefaults = loadConfig({})
/**
 * The load balancer's health check: liveness (the process answers), not readiness. /readyz pings
 * Redis: a Redis failover longer than the check's 30 s would mark every task unhealthy at once and
 * ECS would replace the whole fleet. Redis trouble shows as 503 DEPENDENCY_UNAVAILABLE instead.
 */
export const HEALTH_CHECK_PATH = '/healthz'

/**
 * pinline on ECS Fargate (arm64), from the repository's Dockerfile, behind an internal
 * Application Load Balancer that checks /healthz: at least two tasks across AZs, CPU autoscaling,
 * logs to CloudWatch with a retention, secrets injected by ECS from Secrets Manager.
 */
export class PinlineService extends Construct {
  readonly loadBalancer: elbv2.ApplicationLoadBalancer
  readonly targetGroup: elbv2.ApplicationTargetGroup
  readonly url: string
  readonly taskRole: iam.Role
  readonly service: ecs.FargateService
  readonly taskDefinition: ecs.FargateTaskDefinition
  readonly notifications: Notifications

  constructor(scope: Construct, id: string, props: ServiceProps) {
    super(scope, id)
    const { vpc, redis, secrets, settings } = props
    const stack = Stack.of(this)
    const cluster = new ecs.Cluster(this, 'Cluster', { vpc, containerInsightsV2: ecs.ContainerInsights.ENABLED })

    this.taskRole = new iam.Role(this, 'TaskRole', {
      assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com'),
      description: 'pinline service: send PINs (SMS, calls) and events, decrypt PINs under the PIN key',
    })
    // SMS, PIN calls and verification events: their grants on this role, their variables below.
    this.notifications = new Notifications(this, 'Notifications', {
      events: props.events,
      messaging: props.messaging,
      taskRole: this.taskRole,
    })

    const taskDefinition = (this.taskDefinition = new ecs.FargateTaskDefinition(this, 'Task', {
      cpu: settings.cpu,
      memoryLimitMiB: settings.memoryMiB,
      runtimePlatform: {
        cpuArchitecture: ecs.CpuArchitecture.ARM64,
        operatingSystemFamily: ecs.OperatingSystemFamily.LINUX,
      },
      taskRole: this.taskRole,
    }))
    const logGroup = new logs.LogGroup(this, 'Logs', {
      retention: props.logRetentionDays as logs.RetentionDays,
      removalPolicy: RemovalPolicy.DESTROY,
    })

    const port = serviceDefaults.http.port
    const values: AppValues = {
      port,
      redis,
      redisClusterMode: props.redisClusterMode,
      kmsKeyArn: props.kmsKeyArn,
      secrets,
      notifications: this.notifications.environment,
    }
    for (const name of Object.keys(values.notifications))
      if (!(APP_SET_VARIABLES as string[]).includes(name))
        throw new Error(`${name}: a variable the app sets must be in APP_ENVIRONMENT (service.ts)`)
    const environment: Record<string, string> = { ...settings.environment, AWS_REGION: stack.region }
    const secretEnv: Record<string, ecs.Secret> = {}
    for (const [name, valueFor] of Object.entries(APP_ENVIRONMENT) as Array<
      [string, (v: AppValues) => string | ecs.Secret | undefined]
    >) {
      const value = valueFor(values)
      if (typeof value === 'string') environment[name] = value
      else if (value) secretEnv[name] = value
    }
    for (const client of Object.keys(API_KEY_CLIENTS) as ApiKeyClient[])
      secretEnv[apiKeyVariable(client)] = ecs.Secret.fromSecretsManager(secrets.apiKeys[client])

    taskDefinition.addContainer('pinline', {
      image: ecs.ContainerImage.fromAsset(props.repoRoot, { file: 'Dockerfile', platform: Platform.LINUX_ARM64 }),
      environment,
      secrets: secretEnv,
      portMappings: [{ containerPort: port }],
      logging: ecs.LogDrivers.awsLogs({ logGroup, streamPrefix: 'pinline' }),
      readonlyRootFilesystem: true,
      user: 'node',
      stopTimeout: Duration.seconds(30),
    })

    const lbSecurityGroup = new ec2.SecurityGroup(this, 'LoadBalancerSecurityGroup', {
      vpc,
      description: 'pinline internal load balancer',
      allowAllOutbound: false,
    })
    this.loadBalancer = new elbv2.ApplicationLoadBalancer(this, 'LoadBalancer', {
      vpc,
      internetFacing: false,
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
      securityGroup: lbSecurityGroup,
      dropInvalidHeaderFields: true,
    })
    const serviceSecurityGroup = new ec2.SecurityGroup(this, 'ServiceSecurityGroup', {
      vpc,
      description: 'pinline tasks',
    })
    this.service = new ecs.FargateService(this, 'Service', {
      cluster,
      taskDefinition,
      desiredCount: settings.desiredCount,
      minHealthyPercent: 100,
      maxHealthyPercent: 200,
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
      securityGroups: [serviceSecurityGroup],
      circuitBreaker: { enable: true, rollback: true },
      // Fargate spreads tasks across the subnets' AZs.
      availabilityZoneRebalancing: ecs.AvailabilityZoneRebalancing.ENABLED,
    })
    // Redis lets the tasks in. The rule lives here, beside the tasks, not in the data stack,
    // which the app stack depends on.
    new ec2.CfnSecurityGroupIngress(this, 'RedisFromTasks', {
      groupId: redis.securityGroup.securityGroupId,
      sourceSecurityGroupId: serviceSecurityGroup.securityGroupId,
      ipProtocol: 'tcp',
      fromPort: redis.port,
      toPort: redis.port,
      description: 'pinline tasks',
    })

    const listener = this.loadBalancer.addListener('Http', {
      port: 80,
      protocol: elbv2.ApplicationProtocol.HTTP,
      open: false,
    })
    this.targetGroup = listener.addTargets('Tasks', {
      port,
      protocol: elbv2.ApplicationProtocol.HTTP,
      targets: [this.service],
      deregistrationDelay: Duration.seconds(15),
      healthCheck: {
        path: HEALTH_CHECK_PATH,
        interval: Duration.seconds(10),
        timeout: Duration.seconds(5),
        healthyThresholdCount: 2,
        unhealthyThresholdCount: 3,
        healthyHttpCodes: '200',
      },
    })

    const scaling = this.service.autoScaleTaskCount({
      minCapacity: settings.desiredCount,
      maxCapacity: settings.maxCount,
    })
    scaling.scaleOnCpuUtilization('Cpu', {
      targetUtilizationPercent: 60,
      scaleInCooldown: Duration.minutes(5),
      scaleOutCooldown: Duration.minutes(1),
    })

    for (const cidr of settings.operatorCidrs)
      this.loadBalancer.connections.allowFrom(ec2.Peer.ipv4(cidr), ec2.Port.tcp(80), 'operators')
    this.url = `http://${this.loadBalancer.loadBalancerDnsName}`
    new CfnOutput(stack, 'ServiceUrl', {
      value: this.url,
      description: 'pinline inside the VPC (internal load balancer); shims and operators call it',
    })
  }

  /** Lets `peer` (a shim, an operator's bastion) reach the load balancer. */
  allowFrom(peer: ec2.IConnectable, description: string): void {
    this.loadBalancer.connections.allowFrom(peer, ec2.Port.tcp(80), description)
  }
}
