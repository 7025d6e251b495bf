import { Validations, type App } from 'aws-cdk-lib'
import nag from 'cdk-nag'
import { AppStack } from './app-stack.ts'
import { DataStack } from './data-stack.ts'
import { suppressReviewedFindings } from './nag-suppressions.ts'
import type { Settings } from './settings.ts'

export interface BuildOptions {
  /** The repository root (the Dockerfile's context). */
  repoRoot: string
  /** Where the shim bundles are (`npm run build` writes dist/shims). */
  shimBundleDir: string
}

/** The whole deployment: the data stack, then the app stack on it, checked by cdk-nag's AwsSolutions pack. */
export function buildPinline(app: App, settings: Settings, options: BuildOptions): { data: DataStack; app: AppStack } {
  const env = { account: settings.account, region: settings.region }
  const data = new DataStack(app, `${settings.stackPrefix}Data`, settings, {
    env,
    description: 'pinline: VPC, Redis (ElastiCache), generated secrets',
  })
  const appStack = new AppStack(app, `${settings.stackPrefix}App`, {
    env,
    description:
      'pinline: the service on Fargate, the Connect and Lex shims, the Lex bot, Connect wiring, client access (KMS, Cognito)',
    data,
    settings,
    repoRoot: options.repoRoot,
    shimBundleDir: options.shimBundleDir,
  })
  suppressReviewedFindings(data, appStack)
  Validations.of(app).addPlugins(new nag.AwsSolutionsChecks(app, { verbose: true }))
  return { data, app: appStack }
}
