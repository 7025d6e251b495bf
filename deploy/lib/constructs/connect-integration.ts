import { CfnOutput, Stack } from 'aws-cdk-lib'
import { CfnIntegrationAssociation } from 'aws-cdk-lib/aws-connect'
import * as iam from 'aws-cdk-lib/aws-iam'
import type * as lambda from 'aws-cdk-lib/aws-lambda'
import { Construct } from 'constructs'
import { ContactFlowFile } from './contact-flow.ts'

export const CALLER_AUTH_FLOW = new URL('../../../connect/pinline-caller-auth.json', import.meta.url)
/** The placeholders connect/pinline-caller-auth.json carries. */
export const CALLER_AUTH_PLACEHOLDERS = {
  lambda: 'arn:aws:lambda:REGION:ACCOUNT_ID:function:pinline-connect',
  queue: 'arn:aws:connect:REGION:ACCOUNT_ID:instance/INSTANCE_ID/queue/QUEUE_ID',
} as const

export const LEX_ORDER_FLOW = new URL('../../../connect/pinline-lex-order.json', import.meta.url)
/** The placeholders connect/pinline-lex-order.json carries. */
export const LEX_ORDER_PLACEHOLDERS = {
  alias: 'arn:aws:lex:REGION:ACCOUNT_ID:bot-alias/BOT_ID/ALIAS_ID',
} as const

export interface ConnectIntegrationProps {
  instanceArn: string
  queueArn: string
  connectShim: lambda.IFunction
}

/**
 * Amazon Connect: the Connect shim associated with the instance, Connect allowed to invoke it
 * (only from this instance, in this account), and the caller-auth contact flow with the shim's
 * and the queue's ARNs in it.
 */
export class ConnectIntegration extends Construct {
  readonly callerAuthFlow: ContactFlowFile
  readonly instanceArn: string

  constructor(scope: Construct, id: string, props: ConnectIntegrationProps) {
    super(scope, id)
    this.instanceArn = props.instanceArn
    const stack = Stack.of(this)
    props.connectShim.addPermission('ConnectInvoke', {
      principal: new iam.ServicePrincipal('connect.amazonaws.com'),
      action: 'lambda:InvokeFunction',
      sourceArn: props.instanceArn,
      sourceAccount: stack.account,
    })
    const association = new CfnIntegrationAssociation(this, 'ShimAssociation', {
      instanceId: props.instanceArn,
      integrationType: 'LAMBDA_FUNCTION',
      integrationArn: props.connectShim.functionArn,
    })
    this.callerAuthFlow = new ContactFlowFile(this, 'CallerAuthFlow', {
      instanceArn: props.instanceArn,
      file: CALLER_AUTH_FLOW,
      name: `${stack.stackName} caller auth`,
      description: 'pinline: recognise callers by number, PIN the unknown ones (connect/pinline-caller-auth.json)',
      substitutions: {
        [CALLER_AUTH_PLACEHOLDERS.lambda]: props.connectShim.functionArn,
        [CALLER_AUTH_PLACEHOLDERS.queue]: props.queueArn,
      },
    })
    // Connect checks at save time that the flow's Lambda is associated with the instance.
    this.callerAuthFlow.flow.addResourceDependency(association)
    new CfnOutput(stack, 'CallerAuthFlowArn', {
      value: this.callerAuthFlow.flow.attrContactFlowArn,
      description: 'Contact flow to attach to the phone number',
    })
  }

  /** Lets flows on this instance hand calls to a Lex V2 bot alias (ConnectParticipantWithLexBot). */
  associateLexBot(id: string, aliasArn: string): CfnIntegrationAssociation {
    return new CfnIntegrationAssociation(this, id, {
      instanceId: this.instanceArn,
      integrationType: 'LEX_BOT',
      integrationArn: aliasArn,
    })
  }

  /** The bot associated with the instance, and connect/pinline-lex-order.json handing calls to its alias. */
  addLexFlow(aliasArn: string): ContactFlowFile {
    const stack = Stack.of(this)
    const association = this.associateLexBot('LexBotAssociation', aliasArn)
    const flow = new ContactFlowFile(this, 'LexOrderFlow', {
      instanceArn: this.instanceArn,
      file: LEX_ORDER_FLOW,
      name: `${stack.stackName} lex order`,
      description: 'pinline: food orders by phone with the Lex bot (connect/pinline-lex-order.json)',
      substitutions: { [LEX_ORDER_PLACEHOLDERS.alias]: aliasArn },
    })
    flow.flow.addResourceDependency(association)
    new CfnOutput(stack, 'LexOrderFlowArn', {
      value: flow.flow.attrContactFlowArn,
      description: 'Contact flow that hands calls to the Lex bot (food orders by phone)',
    })
    return flow
  }
}
