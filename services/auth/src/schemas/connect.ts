import { Type, type Static } from 'typebox'

// Amazon Connect's contact-flow Lambda contract: the route validates with these, and the
// channel reads the event through the types derived from them.

const Nullable = <T extends ReturnType<typeof Type.String>>(t: T) => Type.Union([t, Type.Null()])
const Str = (maxLength: number) => Type.String({ maxLength })

// Only the fields the channel reads are described; Connect's many others pass unchecked
// (see test/events/connect: Connect adds fields over time and fills many with null).
export const ContactFlowEvent = Type.Object(
  {
    Name: Type.Optional(Type.String({ examples: ['ContactFlowEvent'] })),
    Details: Type.Object({
      ContactData: Type.Object({
        ContactId: Type.String({ minLength: 1, maxLength: 256 }),
        Channel: Type.Optional(Nullable(Str(32))),
        CustomerEndpoint: Type.Optional(
          Type.Union([
            Type.Null(),
            Type.Object({ Address: Type.Optional(Nullable(Str(256))), Type: Type.Optional(Nullable(Str(64))) }),
          ]),
        ),
        Attributes: Type.Optional(Type.Union([Type.Null(), Type.Record(Type.String(), Type.Unknown())])),
        LanguageCode: Type.Optional(Nullable(Str(35))),
      }),
      Parameters: Type.Optional(
        Type.Union([
          Type.Null(),
          Type.Object({
            action: Type.Optional(
              Type.Union([Type.Literal('lookup'), Type.Literal('sendPin'), Type.Literal('verifyPin')], {
                description: 'Absent: lookup',
              }),
            ),
            CallerID: Type.Optional(
              Type.String({ maxLength: 32, description: 'Caller number; default $.CustomerEndpoint.Address' }),
            ),
            language: Type.Optional(Type.String({ maxLength: 35, description: 'SMS language, e.g. ja or ja_JP' })),
            pin: Type.Optional(
              Type.String({
                maxLength: 32,
                description: 'As stored by Store customer input: may end with # or be Timeout',
              }),
            ),
            challengeId: Type.Optional(
              Type.String({ maxLength: 64, description: "Default: this contact's challenge" }),
            ),
            resend: Type.Optional(
              Type.Union([Type.Literal('true'), Type.Literal('True'), Type.Literal('false'), Type.Literal('False')], {
                description: 'sendPin: send a new PIN on the existing challenge',
              }),
            ),
            purpose: Type.Optional(
              Type.String({
                pattern: '^[a-z0-9_-]{1,32}$',
                description: 'sendPin: what the PIN is for (default connect); named in the assertion',
              }),
            ),
            channel: Type.Optional(
              Type.Union([Type.Literal('sms'), Type.Literal('voice'), Type.Literal('auto')], {
                description:
                  'sendPin: sms (default), voice (the PIN read out on a call), auto (a call to fixed lines); with resend, switches the channel',
              }),
            ),
          }),
        ]),
      ),
    }),
  },
  { title: 'ContactFlowEvent' },
)

const Attr = (description: string) => Type.Optional(Type.String({ description }))

export const ConnectResult = Type.Object(
  {
    lambdaResult: Type.Union([Type.Literal('Success'), Type.Literal('Error')]),
    errorCode: Attr('On Error: the same codes as the REST API'),
    retryAfterSeconds: Attr('When waiting helps: seconds until a retry can succeed'),
    recordFound: Attr('lookup: True when the number is enrolled'),
    authRequired: Attr('lookup: True when the caller must still pass a PIN (unknown, or CALLER_ID_AUTH=verify)'),
    firstName: Attr('lookup (trust) and verifyPin (approved)'),
    lastName: Attr('lookup (trust) and verifyPin (approved)'),
    custLevel: Attr('lookup (trust) and verifyPin (approved)'),
    language: Attr('lookup and verifyPin (approved)'),
    challengeId: Attr('sendPin'),
    channel: Attr('sendPin: sms or voice, how the PIN went'),
    expiresInSeconds: Attr('sendPin'),
    pinVerified: Attr('verifyPin: True or False'),
    status: Attr('verifyPin: approved, rejected or locked'),
    attemptsLeft: Attr('verifyPin'),
    pinlineAssertion: Attr(
      'verifyPin (approved): a signed assertion (JWS, ES256, under 1 KB) bound to this contact (binding connect:<ContactId>); store it as a contact attribute for the agent desktop and back-ends',
    ),
  },
  { title: 'ConnectResult', description: "Connect's STRING_MAP: flat, every value a string" },
)

export type ContactFlowEvent = Static<typeof ContactFlowEvent>
/** What a flow passes in the Invoke AWS Lambda function block (all strings in Connect). */
export type ConnectParameters = NonNullable<ContactFlowEvent['Details']['Parameters']>
