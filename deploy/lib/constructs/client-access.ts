import { CfnOutput, Duration, Stack } from 'aws-cdk-lib'
import { CfnIdentityPool, CfnIdentityPoolRoleAttachment } from 'aws-cdk-lib/aws-cognito'
import * as iam from 'aws-cdk-lib/aws-iam'
import * as kms from 'aws-cdk-lib/aws-kms'
import { Construct } from 'constructs'

/** The encryption context every PIN ciphertext carries, and nothing else (services/auth/src/adapters/kms). */
export const PIN_ENCRYPTION_CONTEXT_KEY = 'challengeId'

/** A KMS call only with an encryption context, and one that has the challenge id as its only key. */
const ONLY_CHALLENGE_CONTEXT = {
  'ForAllValues:StringEquals': { 'kms:EncryptionContextKeys': [PIN_ENCRYPTION_CONTEXT_KEY] },
  Null: { 'kms:EncryptionContextKeys': 'false' },
}

/**
 * Client access for the text modality (docs/lex.md): the KMS key browsers encrypt PINs under,
 * and a Cognito identity pool whose unauthenticated (guest) role may only kms:Encrypt on that
 * key, for a challenge, and lex:RecognizeText on the bot alias. Anyone on the internet can get
 * these credentials; they must not be able to decrypt, or use any other key or bot.
 */
export class ClientAccess extends Construct {
  readonly key: kms.Key
  readonly identityPool: CfnIdentityPool
  readonly unauthenticatedRole: iam.Role

  constructor(scope: Construct, id: string) {
    super(scope, id)
    this.key = new kms.Key(this, 'PinKey', {
      description: 'pinline: browsers encrypt PINs for a challenge; only the service decrypts',
      enableKeyRotation: true,
      pendingWindow: Duration.days(7),
    })
    this.identityPool = new CfnIdentityPool(this, 'IdentityPool', {
      allowUnauthenticatedIdentities: true,
      // The enhanced flow scopes guest credentials down to a fixed list of services, which may
      // leave out KMS; the basic flow (GetOpenIdToken + sts:AssumeRoleWithWebIdentity) gets the
      // role's own permissions. Only the role below trusts this pool, so either way a guest gets
      // kms:Encrypt on the PIN key and lex:RecognizeText on the alias, nothing more.
      allowClassicFlow: true,
    })
    this.unauthenticatedRole = new iam.Role(this, 'UnauthenticatedRole', {
      description: 'pinline web guests: kms:Encrypt on the PIN key for a challenge, lex:RecognizeText on the bot alias',
      assumedBy: new iam.FederatedPrincipal(
        'cognito-identity.amazonaws.com',
        {
          StringEquals: { 'cognito-identity.amazonaws.com:aud': this.identityPool.ref },
          'ForAnyValue:StringLike': { 'cognito-identity.amazonaws.com:amr': 'unauthenticated' },
        },
        'sts:AssumeRoleWithWebIdentity',
      ),
      maxSessionDuration: Duration.hours(1),
    })
    new CfnIdentityPoolRoleAttachment(this, 'Roles', {
      identityPoolId: this.identityPool.ref,
      roles: { unauthenticated: this.unauthenticatedRole.roleArn },
    })

    // The seed's first key policy statement, and the same in the role's own policy.
    this.key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'Browsers may only encrypt, only for a challenge',
        principals: [this.unauthenticatedRole],
        actions: ['kms:Encrypt'],
        resources: ['*'], // in a key policy, "*" is this key
        conditions: ONLY_CHALLENGE_CONTEXT,
      }),
    )
    this.unauthenticatedRole.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['kms:Encrypt'],
        resources: [this.key.keyArn],
        conditions: ONLY_CHALLENGE_CONTEXT,
      }),
    )
    const stack = Stack.of(this)
    new CfnOutput(stack, 'IdentityPoolId', {
      value: this.identityPool.ref,
      description: 'Cognito identity pool for web guests (fromCognitoIdentityPool)',
    })
    new CfnOutput(stack, 'PinKeyArn', {
      value: this.key.keyArn,
      description: 'KMS key browsers encrypt PINs under (EncryptionContext {challengeId})',
    })
  }

  /** The seed's second statement: the service's role may decrypt, only ciphertexts made for a challenge. */
  allowDecrypt(role: iam.IRole): void {
    this.key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'pinline may decrypt',
        principals: [role],
        actions: ['kms:Decrypt'],
        resources: ['*'],
        conditions: ONLY_CHALLENGE_CONTEXT,
      }),
    )
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['kms:Decrypt'],
        resources: [this.key.keyArn],
        conditions: ONLY_CHALLENGE_CONTEXT,
      }),
    )
  }

  /** Guests may talk to this bot alias (and only it) directly from the browser. */
  allowRecognizeText(botAliasArn: string): void {
    this.unauthenticatedRole.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['lex:RecognizeText'], resources: [botAliasArn] }),
    )
  }
}
