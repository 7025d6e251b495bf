import { Stack, Validations } from 'aws-cdk-lib'
import type { IConstruct } from 'constructs'
import type { AppStack } from './app-stack.ts'
import type { DataStack } from './data-stack.ts'

/** One accepted cdk-nag finding: the rule (with its finding, if granular) and why it is accepted. */
export interface ReviewedFinding {
  rule: string
  reason: string
}

const accept = (scope: IConstruct, ...findings: ReviewedFinding[]) => {
  for (const { rule, reason } of findings) Validations.of(scope).acknowledge({ id: `AwsSolutions::${rule}`, reason })
}

// The Lambda execution roles CDK makes for a function in a VPC.
const LAMBDA_MANAGED_POLICIES: ReviewedFinding[] = [
  {
    rule: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
    reason: "Writes the function's own logs; the AWS policy is the standard one for that and grants nothing else.",
  },
  {
    rule: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole]',
    reason:
      "Creates and deletes the function's network interfaces in the VPC; EC2 network-interface actions cannot be scoped to resources that do not exist yet.",
  },
]

/**
 * Findings reviewed and accepted, each on the construct it concerns, each with its reason.
 * The tests fail on any other cdk-nag error (synthesis itself fails on one).
 */
export function suppressReviewedFindings(data: DataStack, app: AppStack): void {
  const secrets = data.secrets
  accept(secrets.pinHmac, {
    rule: 'AwsSolutions-SMG4',
    reason:
      'PIN_HMAC_SECRET keys the HMAC of PINs that live at most PIN_TTL_SECONDS; rotating it is a redeploy with a new value (pending PINs then fail once), not a Lambda rotation.',
  })
  accept(secrets.assertionSeed, {
    rule: 'AwsSolutions-SMG4',
    reason:
      'ASSERTION_SIGNING_SEED derives the key that signs verification assertions (10 minutes each); rotating it is a redeploy with the old public key set as ASSERTION_PREVIOUS_KEY (docs/assertions.md), not a Lambda rotation.',
  })
  accept(secrets.keyHash, {
    rule: 'AwsSolutions-SMG4',
    reason:
      'KEY_HASH_SECRET keys the Redis key of every enrolled caller: rotating it orphans the caller registry, so it must never rotate on a schedule.',
  })
  accept(secrets.redisAuth, {
    rule: 'AwsSolutions-SMG4',
    reason:
      'The ElastiCache AUTH token changes through ModifyReplicationGroup with a ROTATE strategy and a task restart; docs/deploy.md describes it. A scheduled Lambda rotation would break running tasks.',
  })
  for (const secret of Object.values(secrets.apiKeys)) {
    accept(secret, {
      rule: 'AwsSolutions-SMG4',
      reason:
        'API keys are rotated by operators (new secret value, then a service redeploy); the shims re-read theirs on cold start. docs/deploy.md describes it.',
    })
  }
  accept(app.clientAccess.identityPool, {
    rule: 'AwsSolutions-COG7',
    reason:
      "By design (the seed's text modality): web guests get unauthenticated credentials that may only kms:Encrypt under the PIN key for a challenge and lex:RecognizeText on the bot alias.",
  })
  const service = app.service
  accept(service.taskDefinition, {
    rule: 'AwsSolutions-ECS2',
    reason:
      'The plain variables are non-secret settings (NODE_ENV, REDIS_URL, KMS_KEY_ID, limits); every secret (PIN_HMAC_SECRET, KEY_HASH_SECRET, REDIS_PASSWORD, API keys) is injected from Secrets Manager.',
  })
  accept(service.loadBalancer, {
    rule: 'AwsSolutions-ELB2',
    reason:
      'Internal load balancer reached only by the shims and operators in the VPC; the service logs every request (request id, route, status, latency) to CloudWatch, which is what operators read.',
  })
  if (service.notifications.environment.SMS_PROVIDER === 'sns') {
    accept(service.taskRole, {
      rule: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'sns:Publish to a phone number (SMS) has no resource ARN to name and no condition key for the number.',
    })
  }
  accept(service.taskDefinition, {
    rule: 'AwsSolutions-IAM5[Resource::*]',
    reason: 'The execution role\'s ecr:GetAuthorizationToken, which IAM only grants on "*", to pull the image.',
  })
  accept(app.channels.bot, {
    rule: 'AwsSolutions-IAM5[Resource::*]',
    reason: "polly:SynthesizeSpeech for the bot's voice: Polly voices have no ARNs.",
  })
  for (const shim of [app.channels.connectShim, app.channels.lexShim]) accept(shim, ...LAMBDA_MANAGED_POLICIES)

  const web = app.web
  accept(web.bucket, {
    rule: 'AwsSolutions-S1',
    reason:
      'Holds only the built chat page and its config.json (no personal data); CloudFront, through origin access control, is its only reader.',
  })
  accept(
    web.distribution,
    {
      rule: 'AwsSolutions-CFR1',
      reason:
        "The chat serves customers wherever they are; which countries get PINs is SMS_ALLOWED_COUNTRIES's decision, in the service.",
    },
    {
      rule: 'AwsSolutions-CFR2',
      reason:
        'Static files from S3, nothing to exploit behind them; the conversation goes from the browser to Lex and KMS with guest credentials that allow only RecognizeText and Encrypt.',
    },
    {
      rule: 'AwsSolutions-CFR3',
      reason:
        "A static page with no personal data in its requests; what users say is in the bot's and the service's logs.",
    },
    {
      rule: 'AwsSolutions-CFR4',
      reason:
        'The default *.cloudfront.net certificate, with which CloudFront accepts TLSv1 whatever MinimumProtocolVersion says; a custom domain with an ACM certificate and minimumProtocolVersion TLS_V1_2_2021 would enforce TLS 1.2.',
    },
  )
  // CDK's BucketDeployment: one handler per stack (at the stack's root) that copies the page from the
  // CDK asset bucket into the page bucket and invalidates the distribution.
  const copier = Stack.of(app).node.children.filter((c) => c.node.id.startsWith('Custom::CDKBucketDeployment'))
  const stack = Stack.of(app)
  const assetBucket = `cdk-hnb659fds-assets-${stack.account}-${stack.region}` // the default bootstrap qualifier
  const pageBucket = stack.getLogicalId(web.bucket.node.defaultChild as never)
  for (const scope of [web.deployment, ...copier]) {
    accept(
      scope,
      {
        rule: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
        reason: "CDK's BucketDeployment handler writing its own logs.",
      },
      ...[
        'Action::s3:GetObject*',
        'Action::s3:GetBucket*',
        'Action::s3:List*',
        'Action::s3:DeleteObject*',
        'Action::s3:Abort*',
        'Resource::*',
        `Resource::arn:<AWS::Partition>:s3:::${assetBucket}/*`,
        `Resource::<${pageBucket}.Arn>/*`,
      ].map((finding) => ({
        rule: `AwsSolutions-IAM5[${finding}]`,
        reason:
          "CDK's BucketDeployment grants: read the page's asset, write and prune the page bucket, invalidate the distribution (CloudFront invalidations have no resource ARN).",
      })),
      {
        rule: 'AwsSolutions-L1',
        reason: "The BucketDeployment handler's runtime is CDK's to choose and moves with aws-cdk-lib.",
      },
    )
  }
}
