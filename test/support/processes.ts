// What a test against real processes needs: redis-server, the service, the SNS stand-in, and
// calls to the service over HTTP.
import { serviceEnv } from './app/service-env.ts'
import { startService, type ServiceProcess } from './app/service-process.ts'
import { startRedisServer, type RedisProcess, type RedisServerOptions } from './redis/redis-server.ts'
import { startSnsStandIn, type SnsStandIn } from './stand-ins/sns-stand-in.ts'

export { call, eventually, type JsonBody, serviceEnv } from './app/service-env.ts'
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

export type OwnRedisService = { redis: RedisProcess; sns: SnsStandIn; svc: ServiceProcess; stop(): Promise<void> }

/**
 * The service on a redis-server of its own (for a test to stop, kill or restart under it), its SMS
 * through the real SNS client to the stand-in, with the fault tests' short timeouts (serviceEnv)
 * and `env` on top. `stop` stops the service, then what it talks to.
 */
export async function startServiceOnOwnRedis(
  redisOptions: RedisServerOptions = {},
  env: Record<string, string> = {},
): Promise<OwnRedisService> {
  const [redis, sns] = await Promise.all([startRedisServer(redisOptions), startSnsStandIn()])
  const svc = await startService(serviceEnv({ redisUrl: redis.url, snsUrl: sns.url }, env))
  return { redis, sns, svc, stop: () => stopAll(svc, redis, sns) }
}

/** The SNS stand-in, then a service process with `env(sns.url)`: its SMS go over the wire to the stand-in. */
export async function startServiceWithSns(
  env: (snsUrl: string) => Record<string, string>,
): Promise<{ sns: SnsStandIn; svc: ServiceProcess }> {
  const sns = await startSnsStandIn()
  const svc = await startService(env(sns.url)).catch(async (err: unknown) => {
    await sns.close()
    throw err
  })
  return { sns, svc }
}
