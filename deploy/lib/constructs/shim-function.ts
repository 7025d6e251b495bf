import { Duration, RemovalPolicy } from 'aws-cdk-lib'
import * as ec2 from 'aws-cdk-lib/aws-ec2'
import * as lambda from 'aws-cdk-lib/aws-lambda'
import * as logs from 'aws-cdk-lib/aws-logs'
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager'
import { Construct } from 'constructs'
import { DEFAULT_TIMEOUT_MS } from '../../../shims/lib/timeouts.ts'

export type ShimName = keyof typeof DEFAULT_TIMEOUT_MS

/** Time the Lambda gets beyond AUTH_SERVICE_TIMEOUT_MS: a cold start plus the shim's own fallback. */
export const LAMBDA_HEADROOM_MS = 1500

export interface ShimFunctionProps {
  name: ShimName
  /** Where `npm run build` wrote the bundles (dist/shims): <name>.mjs is deployed alone. */
  bundleDir: string
  vpc: ec2.IVpc
  serviceUrl: string
  apiKey: ISecret
  logRetentionDays: number
}

/**
 * One Lambda shim from its esbuild bundle: nodejs24.x on arm64, in the VPC's private subnets,
 * its timeout sized from AUTH_SERVICE_TIMEOUT_MS, its API key read from Secrets Manager through
 * the AWS Parameters and Secrets Lambda Extension (AUTH_SERVICE_API_KEY_SECRET_ID).
 */
export class ShimFunction extends Construct {
  readonly function: lambda.Function
  readonly timeoutMs: number
  readonly securityGroup: ec2.SecurityGroup

  constructor(scope: Construct, id: string, props: ShimFunctionProps) {
    super(scope, id)
    this.timeoutMs = DEFAULT_TIMEOUT_MS[props.name]
    const file = `${props.name}.mjs`
    this.securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: props.vpc,
      description: `pinline ${props.name} shim`,
    })
    this.function = new lambda.Function(this, 'Function', {
      description: `pinline ${props.name} shim: forwards the event to the service`,
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      handler: `${props.name}.handler`,
      code: lambda.Code.fromAsset(props.bundleDir, { exclude: ['*', `!${file}`] }),
      memorySize: 256,
      timeout: Duration.seconds(Math.ceil((this.timeoutMs + LAMBDA_HEADROOM_MS) / 1000)),
      vpc: props.vpc,
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
      securityGroups: [this.securityGroup],
      environment: {
        AUTH_SERVICE_URL: props.serviceUrl,
        AUTH_SERVICE_API_KEY_SECRET_ID: props.apiKey.secretArn,
        AUTH_SERVICE_TIMEOUT_MS: String(this.timeoutMs),
      },
      paramsAndSecrets: lambda.ParamsAndSecretsLayerVersion.fromVersion(lambda.ParamsAndSecretsVersions.V1_0_103, {
        cacheEnabled: true,
        logLevel: lambda.ParamsAndSecretsLogLevel.WARN,
      }),
      logGroup: new logs.LogGroup(this, 'Logs', {
        retention: props.logRetentionDays as logs.RetentionDays,
        removalPolicy: RemovalPolicy.DESTROY,
      }),
    })
    props.apiKey.grantRead(this.function)
  }
}
