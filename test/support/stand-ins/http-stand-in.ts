import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { listenOnLoopback } from './listen.ts'

export type HttpStandIn = { url: string; close(): Promise<void> }

/**
 * Serves `handler` on 127.0.0.1 at a free port. close() also drops open and hanging
 * connections (a stand-in told to 'hang' never answers, and keep-alive sockets linger).
 */
export async function startHttpStandIn(
  handler: (req: IncomingMessage, res: ServerResponse) => Promise<void>,
): Promise<HttpStandIn> {
  const server = createServer((req, res) => {
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
