import type { AddressInfo, Server } from 'node:net'

/** Listens on 127.0.0.1 at a free port (stand-ins never face the network); resolves to the port. */
export async function listenOnLoopback(server: Server): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve())
  })
  return (server.address() as AddressInfo).port
}
