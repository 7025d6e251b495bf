import { RemovalPolicy, Stack, Validations, type StackProps } from 'aws-cdk-lib'
import * as ec2 from 'aws-cdk-lib/aws-ec2'
import * as logs from 'aws-cdk-lib/aws-logs'
import type { Construct } from 'constructs'
import { Alarms } from './constructs/alarms.ts'
import { Redis } from './constructs/redis.ts'
import { ServiceSecrets } from './constructs/secrets.ts'
import type { Settings } from './settings.ts'

/** Network and data: the VPC, Redis, and every generated secret. Changes rarely; the other stacks build on it. */
export class DataStack extends Stack {
  readonly vpc: ec2.IVpc
  readonly redis: Redis
  readonly secrets: ServiceSecrets
  /** The alarm topic (both stacks' alarms notify it) and Redis's alarms. */
  readonly alarms: Alarms
  private readonly zones: string[] | undefined

  constructor(scope: Construct, id: string, settings: Settings, props: StackProps) {
    super(scope, id, props)
    this.zones = settings.availabilityZones
    this.vpc = settings.vpcId
      ? ec2.Vpc.fromLookup(this, 'Vpc', { vpcId: settings.vpcId })
      : new ec2.Vpc(this, 'Vpc', {
          ...(settings.availabilityZones ? { availabilityZones: settings.availabilityZones } : { maxAzs: 2 }),
          // One NAT gateway: the tasks and shims reach SNS, KMS, Secrets Manager, ECR and CloudWatch
          // through it. One per AZ survives an AZ outage for egress too, at ~33 USD a month each.
          natGateways: 1,
          subnetConfiguration: [
            { name: 'public', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24 },
            { name: 'private', subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS, cidrMask: 22 },
          ],
          flowLogs: {
            rejected: {
              trafficType: ec2.FlowLogTrafficType.REJECT,
              // Kept as long as the other logs (logRetentionDays), and gone with the stack like them.
              destination: ec2.FlowLogDestination.toCloudWatchLogs(
                new logs.LogGroup(this, 'FlowLogs', {
                  retention: settings.logRetentionDays as logs.RetentionDays,
                  removalPolicy: RemovalPolicy.DESTROY,
                }),
              ),
            },
          },
        })
    if (settings.availabilityZones && !settings.vpcId) {
      Validations.of(this.vpc).acknowledge({
        id: 'CloudFormation-Validate::W3010',
        reason:
          "The zones are named in the context (availabilityZones) so that synth needs no AWS lookup; they are the deployer's choice, not a hard-coded default.",
      })
    }
    this.secrets = new ServiceSecrets(this, 'Secrets')
    this.redis = new Redis(this, 'Redis', {
      vpc: this.vpc,
      settings: settings.redis,
      authToken: this.secrets.redisAuth,
    })
    this.alarms = new Alarms(this, 'Alarms', { email: settings.alarms.email })
    this.alarms.watchRedis(this.redis, settings.redis)
  }

  /** The zones named in the settings, so that synth makes no lookup; otherwise CDK's lookup. */
  override get availabilityZones(): string[] {
    return this.zones ?? super.availabilityZones
  }
}
