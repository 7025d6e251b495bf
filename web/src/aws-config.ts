// What the page reads in AWS mode; the deploy app writes it, so both take this one type.

/** config.json beside the page on S3, written from the stack outputs. */
export interface AwsConfig {
  mode: 'aws'
  region: string
  identityPoolId: string
  botId: string
  botAliasId: string
  localeId: string
  kmsKeyId: string
  /**
   * The pool's guest role: when set, guests take Cognito's basic flow (GetOpenIdToken, then STS
   * AssumeRoleWithWebIdentity on this role), whose credentials carry the role's own permissions.
   * Without it, the enhanced flow (fromCognitoIdentityPool), which Cognito scopes down to a list
   * of services that may leave out KMS.
   */
  guestRoleArn?: string
  /** Optional endpoint overrides (the tests point them at local stand-ins). */
  endpoints?: { cognitoIdentity?: string; lexRuntime?: string; kms?: string; sts?: string }
}
