import { Redis } from 'ioredis'

/**
 * Resolves when the Redis at `url` answers PING, rejects otherwise.
 * Uses ioredis (not a raw socket) so URLs with a password, a db index or rediss:// work too.
 * Retries and the offline queue are off so an absent server fails fast instead of hanging.
 */
export async function pingRedis(url: string, timeoutMs = 2_000): Promise<void> {
  const client = new Redis(url, {
    lazyConnect: true,
    connectTimeout: timeoutMs,
    commandTimeout: timeoutMs,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
  })
  // Without a listener ioredis reports connection errors as unhandled 'error' events. Keep the
  // last one: connect() itself only rejects with a vague "Connection is closed."
  let cause: Error | undefined
  client.on('error', (err: Error) => (cause = err))
  try {
    await client.connect()
    const reply = await client.ping()
    if (reply !== 'PONG') throw new Error(`unexpected PING reply: ${reply}`)
  } catch (err) {
    throw cause ?? err
  } finally {
    client.disconnect()
  }
}
