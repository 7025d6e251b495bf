import { randomUUID } from 'node:crypto'
import type { ServerResponse } from 'node:http'
import { codeHookEvent, nextState, type CodeHookResponse, type DialogState } from '../../../web/src/lex/dialog.ts'
import { readBody, startHttpStandIn } from './http-stand-in.ts'

/**
 * Wire-level stand-in for the Amazon Lex V2 runtime's RecognizeText, as
 * @aws-sdk/client-lex-runtime-v2 calls it (restJson1:
 * POST /bots/{botId}/botAliases/{botAliasId}/botLocales/{localeId}/sessions/{sessionId}/text).
 * It plays Lex for pinline's food bot: web/src/lex/dialog.ts picks the intent and slots, and the
 * DialogCodeHook event goes to `codeHook` (the service's Lex channel, as the shim forwards it);
 * the hook's answer becomes the RecognizeText answer. One bot, one alias; CORS answered.
 */
export type LexRuntimeStandIn = {
  url: string
  botId: string
  botAliasId: string
  /** Every RecognizeText: its path parameters, text, session attributes and Authorization header. */
  requests: Array<{
    localeId: string
    sessionId: string
    text: string
    sessionAttributes: Record<string, string>
    authorization: string | undefined
  }>
  close(): Promise<void>
}

const PATH = /^\/bots\/([^/]+)\/botAliases\/([^/]+)\/botLocales\/([^/]+)\/sessions\/([^/]+)\/text$/

export async function startLexRuntimeStandIn(
  codeHook: (event: unknown) => Promise<CodeHookResponse>,
): Promise<LexRuntimeStandIn> {
  const botId = 'PINLINEBOT'
  const botAliasId = 'LIVEALIAS1'
  const sessions = new Map<string, DialogState>()
  const requests: LexRuntimeStandIn['requests'] = []

  const http = await startHttpStandIn(
    async (req, res) => {
      const m = PATH.exec(new URL(req.url ?? '/', 'http://x').pathname)
      if (req.method !== 'POST' || !m) return send(res, 404, { message: 'not found' }, 'UnknownOperationException')
      const [bot, alias, localeId, sessionId] = m.slice(1).map(decodeURIComponent) as [string, string, string, string]
      if (bot !== botId || alias !== botAliasId)
        return send(res, 404, { message: 'bot or alias not found' }, 'ResourceNotFoundException')
      const body = JSON.parse((await readBody(req)) || '{}') as {
        text?: string
        sessionState?: { sessionAttributes?: Record<string, string> }
      }
      const text = body.text ?? ''
      const key = `${bot}/${alias}/${sessionId}`
      const before = sessions.get(key) ?? { sessionAttributes: {} }
      // Attributes sent with the request replace Lex's copy, as RecognizeText's sessionState does.
      const state: DialogState = {
        ...before,
        sessionAttributes: body.sessionState?.sessionAttributes ?? before.sessionAttributes,
      }
      requests.push({
        localeId,
        sessionId,
        text,
        sessionAttributes: { ...state.sessionAttributes },
        authorization: req.headers.authorization,
      })
      const event = codeHookEvent({
        bot: { id: bot, aliasId: alias, name: 'pinline-food', aliasName: 'live', version: '1', localeId },
        sessionId,
        text,
        state,
      })
      const answer = await codeHook(event)
      const after = nextState(answer, state)
      sessions.set(key, after.intent ? after : { sessionAttributes: after.sessionAttributes })
      send(res, 200, {
        sessionId,
        messages: answer.messages ?? [],
        sessionState: { ...answer.sessionState, originatingRequestId: randomUUID() },
        interpretations: [{ intent: answer.sessionState.intent, nluConfidence: { score: 1 } }],
      })
    },
    { cors: true },
  )

  return { url: http.url, botId, botAliasId, requests, close: http.close }
}

function send(res: ServerResponse, status: number, body: unknown, errorType?: string): void {
  res.writeHead(status, {
    'content-type': 'application/json',
    'x-amzn-requestid': randomUUID(),
    ...(errorType ? { 'x-amzn-errortype': errorType } : {}),
  })
  res.end(JSON.stringify(body))
}
