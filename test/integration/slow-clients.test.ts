import { connect, type Socket } from 'node:net'
import { once } from 'node:events'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildTestApp, type TestApp } from '../support/app/test-app.ts'

// Finding 7 of the security review: no header or request timeouts. A client trickling one header
// line every 10 s held a connection for 80 s and more; 21,000 half-open requests exhausted the
// file descriptors and /healthz stopped answering. Real sockets against a listening server.
let t: TestApp
let port: number
beforeAll(async () => {
  t = await buildTestApp({
    HTTP_HEADERS_TIMEOUT_MS: '1000',
    HTTP_REQUEST_TIMEOUT_MS: '2000',
    HTTP_MAX_CONNECTIONS: '5',
  })
  await t.app.listen({ host: '127.0.0.1', port: 0 })
  port = (t.app.server.address() as { port: number }).port
})
afterAll(() => t.app.close())

async function open(): Promise<Socket> {
  const socket = connect(port, '127.0.0.1')
  await once(socket, 'connect')
  return socket
}

/** Everything the server sends until it closes the socket, and whether it closed before `giveUpMs`. */
function untilClosed(socket: Socket, giveUpMs: number): Promise<{ data: string; closedByServer: boolean }> {
  return new Promise((resolve) => {
    let data = ''
    const timer = setTimeout(() => {
      socket.destroy()
      resolve({ data, closedByServer: false })
    }, giveUpMs)
    socket.on('data', (chunk) => (data += chunk.toString()))
    socket.on('error', () => undefined)
    socket.on('close', () => {
      clearTimeout(timer)
      resolve({ data, closedByServer: true })
    })
  })
}

const healthz = async () => {
  const s = await open()
  s.write('GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')
  return (await untilClosed(s, 5000)).data
}

describe('slow clients (HTTP_HEADERS_TIMEOUT_MS, HTTP_REQUEST_TIMEOUT_MS, HTTP_MAX_CONNECTIONS)', () => {
  it('a client trickling header lines is answered 408 and closed at the headers deadline, not held', async () => {
    const s = await open()
    s.write('GET /healthz HTTP/1.1\r\nHost: x\r\n')
    const trickle = setInterval(() => s.writable && s.write(`X-Slow-${Date.now()}: 1\r\n`), 200)
    const result = await untilClosed(s, 10_000) // trickles for up to 10 s unless the server ends it
    clearInterval(trickle)
    expect(result.closedByServer).toBe(true)
    expect(result.data).toMatch(/^HTTP\/1\.1 408 /)
  })

  it('a client that sent its headers but trickles the body is closed at the request deadline', async () => {
    const s = await open()
    s.write('POST /v1/pins HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{')
    const trickle = setInterval(() => s.writable && s.write(' '), 200)
    const result = await untilClosed(s, 10_000)
    clearInterval(trickle)
    expect(result.closedByServer).toBe(true)
  })

  it('past HTTP_MAX_CONNECTIONS new connections are closed at once; /healthz answers again once slots free', async () => {
    const idle = await Promise.all(Array.from({ length: 5 }, () => open()))
    for (const s of idle) s.write('GET /healthz HTTP/1.1\r\nHost: x\r\n') // half-open requests
    await new Promise((r) => setTimeout(r, 100))
    const refused = await open().then((s) => untilClosed(s, 5000))
    expect(refused).toEqual({ data: '', closedByServer: true })
    for (const s of idle) s.destroy()
    await new Promise((r) => setTimeout(r, 100))
    expect(await healthz()).toMatch(/^HTTP\/1\.1 200 /)
  })
})
