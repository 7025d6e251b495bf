// What a test against real processes needs: redis-server, the service, the SNS stand-in, and
// calls to the service over HTTP.
export { call, eventually, serviceEnv } from './app/service-env.ts'
export { startService, type ServiceProcess } from './app/service-process.ts'
export { startRedisServer, type RedisProcess } from './redis/redis-server.ts'
export { startSnsStandIn, type SnsStandIn } from './stand-ins/sns-stand-in.ts'

type Running = { stop(): Promise<void> } | { close(): Promise<void> } | { remove(): void }

/** Stops what a file started, in the order given (the service before what it talks to). */
export async function stopAll(...running: Array<Running | undefined>): Promise<void> {
  for (const r of running) {
    if (!r) continue
    if ('stop' in r) await r.stop()
    else if ('close' in r) await r.close()
    else r.remove()
  }
}
