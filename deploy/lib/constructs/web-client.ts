import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { CfnOutput, Stack } from 'aws-cdk-lib'
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront'
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins'
import * as s3 from 'aws-cdk-lib/aws-s3'
import * as s3deploy from 'aws-cdk-lib/aws-s3-deployment'
import { Construct } from 'constructs'
import type { AwsConfig } from '../../../web/src/aws-config.ts'

/** config.json beside the page: what the page reads in AWS mode, less what the app adds itself. */
export type WebClientConfig = Omit<AwsConfig, 'mode' | 'endpoints'>

export interface WebClientProps {
  /** The built page: dist/web, which `npm run build` (or build:web) writes. */
  pageDir: string
  config: WebClientConfig
}

/**
 * The web chat (the seed's ExampleBot page, web/): the built page in a private S3 bucket behind
 * CloudFront, reached only through origin access control and only over HTTPS, with a
 * config.json written at deploy time from this stack's values (the pool, the bot, the key).
 */
export class WebClient extends Construct {
  readonly bucket: s3.Bucket
  readonly distribution: cloudfront.Distribution
  readonly deployment: s3deploy.BucketDeployment

  constructor(scope: Construct, id: string, props: WebClientProps) {
    super(scope, id)
    if (!existsSync(join(props.pageDir, 'index.html'))) {
      throw new Error(`the web page is not built in ${props.pageDir}: run npm run build (or npm run build:web) first`)
    }
    this.bucket = new s3.Bucket(this, 'Page', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
    })
    this.distribution = new cloudfront.Distribution(this, 'Distribution', {
      comment: 'pinline web chat',
      defaultRootObject: 'index.html',
      httpVersion: cloudfront.HttpVersion.HTTP2_AND_3,
      defaultBehavior: {
        origin: origins.S3BucketOrigin.withOriginAccessControl(this.bucket),
        viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.HTTPS_ONLY,
        allowedMethods: cloudfront.AllowedMethods.ALLOW_GET_HEAD,
        cachePolicy: cloudfront.CachePolicy.CACHING_OPTIMIZED,
        responseHeadersPolicy: cloudfront.ResponseHeadersPolicy.SECURITY_HEADERS,
      },
    })
    this.deployment = new s3deploy.BucketDeployment(this, 'Deploy', {
      destinationBucket: this.bucket,
      sources: [
        s3deploy.Source.asset(props.pageDir),
        s3deploy.Source.jsonData('config.json', { mode: 'aws', ...props.config }),
      ],
      // A new page or config.json is served at once, not after the cache expires.
      distribution: this.distribution,
      distributionPaths: ['/*'],
    })
    new CfnOutput(Stack.of(this), 'WebChatUrl', {
      value: `https://${this.distribution.distributionDomainName}/`,
      description: 'The web chat (AWS mode of web/)',
    })
  }
}
