import { createConnection, createServer, type Socket } from 'node:net'
import { listenOnLoopback } from './listen.ts'

export type Direction = 'up' | 'down'
/**
 * Milliseconds to hold a chunk going `up` (to the server) or `down` (to the client), or 'cut' to
 * drop the chunk and cut its connection (the server "goes away" mid-request).
 */
export type Latency = number | ((direction: Direction, chunk: Buffer) => number | 'cut')

export type LatencyProxy = {
  port: number
  /** Applies to chunks from now on; order within a direction is always kept, as TCP would. */
  setLatency(latency: Latency): void
  /** Cuts every open connection, both sides, dropping whatever is still held back. */
  dropConnections(): void
  close(): Promise<void>
}

/**
 * A TCP proxy on 127.0.0.1 in front of `target` that holds chunks back: a slow Redis (or a slow
 * shard, when the latency depends on the chunk) without touching Redis itself.
 */
export async function startLatencyProxy(target: { host?: string; port: number }): Promise<LatencyProxy> {
  let latency: Latency = 0
  const sockets = new Set<Socket>()

  // One queue per direction, drained in order: a held chunk holds back everything behind it.
  const pipe = (from: Socket, to: Socket, direction: Direction) => {
    const held: Array<{ chunk: Buffer; due: number }> = []
    let timer: NodeJS.Timeout | undefined
    const drain = () => {
      timer = undefined
      while (held.length > 0 && held[0]!.due <= Date.now()) {
        const { chunk } = held.shift()!
        if (!to.destroyed) to.write(chunk)
      }
      if (held.length > 0) timer = setTimeout(drain, held[0]!.due - Date.now())
    }
    from.on('data', (chunk: Buffer) => {
      const ms = typeof latency === 'number' ? latency : latency(direction, chunk)
      if (ms === 'cut') return void from.destroy()
      held.push({ chunk, due: Math.max(Date.now() + ms, held.at(-1)?.due ?? 0) })
      if (!timer) drain()
    })
    from.on('close', () => {
      clearTimeout(timer)
      held.length = 0
    })
  }

  const server = createServer((client) => {
    const upstream = createConnection({ host: target.host ?? '127.0.0.1', port: target.port })
    for (const s of [client, upstream]) {
      sockets.add(s)
      s.on('error', () => undefined) // a cut connection is the point, not a failure
      s.on('close', () => {
        sockets.delete(s)
        client.destroy()
        upstream.destroy()
      })
    }
    pipe(client, upstream, 'up')
    pipe(upstream, client, 'down')
  })
  const port = await listenOnLoopback(server)

  const dropConnections = () => {
    for (const s of sockets) s.destroy()
  }
  return {
    port,
    setLatency: (l) => void (latency = l),
    dropConnections,
    close: () =>
      new Promise<void>((resolve) => {
        dropConnections()
        server.close(() => resolve())
      }),
  }
}
