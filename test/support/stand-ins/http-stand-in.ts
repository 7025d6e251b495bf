import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { listenOnLoopback } from './listen.ts'

export type HttpStandIn = { url: string; close(): Promise<void> }

/** An AWS stand-in a test can break: down until told otherwise, or the next requests failing as `kind` says. */
export type BreakableStandIn<Failure extends string> = HttpStandIn & {
  /** While down every request answers 500 with the service's internal-error exception. */
  setDown(down: boolean): void
  failNext(count: number, kind: Failure): void
}

/**
 * Serves `handler` on 127.0.0.1 at a free port. close() also drops open and hanging
 * connections (a stand-in told to 'hang' never answers, and keep-alive sockets linger).
 */
export async function startHttpStandIn(
  handler: (req: IncomingMessage, res: ServerResponse) => Promise<void>,
  opts: { cors?: boolean } = {},
): Promise<HttpStandIn> {
  const server = createServer((req, res) => {
    if (opts.cors && answerCors(req, res)) return
    handler(req, res).catch((err: unknown) => {
      // A bug in a stand-in should surface as a loud 500, not as a client timeout.
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' })
      res.end(`stand-in failure: ${err instanceof Error ? err.stack : String(err)}`)
    })
  })
  const port = await listenOnLoopback(server)
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()))
        server.closeAllConnections()
      }),
  }
}

/**
 * CORS as AWS endpoints answer it, for the SDK running in a browser page on another origin:
 * preflights get 200 with the asked-for headers allowed; every answer exposes the headers the
 * SDK reads. Returns true when it answered (a preflight).
 */
function answerCors(req: IncomingMessage, res: ServerResponse): boolean {
  res.setHeader('access-control-allow-origin', req.headers.origin ?? '*')
  res.setHeader(
    'access-control-expose-headers',
    'x-amzn-requestid, x-amzn-errortype, x-amzn-errormessage, x-amz-request-id, date',
  )
  if (req.method !== 'OPTIONS') return false
  res.writeHead(200, {
    'access-control-allow-methods': 'GET, POST, PUT, DELETE, OPTIONS',
    'access-control-allow-headers': req.headers['access-control-request-headers'] ?? '*',
    'access-control-max-age': '600',
  })
  res.end()
  return true
}

export async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = []
  for await (const chunk of req) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks).toString('utf8')
}

/** Queue of injected failures: failNext(n, kind) makes the next n requests fail that way. */
export function failureQueue<Kind>() {
  let queue: Kind[] = []
  return {
    add: (count: number, kind: Kind) => void queue.push(...Array.from({ length: count }, () => kind)),
    take: (): Kind | undefined => queue.shift(),
    clear: () => void (queue = []),
  }
}
