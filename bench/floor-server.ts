// The physical floor: the least any HTTP service backed by Redis can do per request,
// on this machine. One Fastify route, no logging, no auth, no schema, one EVALSHA on
// the same Redis the service uses. Every scenario is reported as a ratio to it.
import Fastify from 'fastify'
import { Redis } from 'ioredis'

const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { lazyConnect: true })
// One key read, like the cheapest of the service's scripts; defineCommand sends EVALSHA.
redis.defineCommand('floor', { numberOfKeys: 1, lua: "return redis.call('GET', KEYS[1])" })
const floor = (redis as Redis & { floor(key: string): Promise<string | null> }).floor.bind(redis)
await redis.connect()

const app = Fastify({ logger: false })
// The id is in the path so the load generator builds each request as it does for
// the service's scenarios: the floor pays the same client-side cost.
app.get<{ Params: { id: string } }>('/floor/:id', async (req) => ({ value: await floor(`floor:${req.params.id}`) }))
app.get('/healthz', async () => ({ status: 'ok' }))

process.once('SIGTERM', async () => {
  await app.close()
  redis.disconnect()
  process.exit(0)
})

await app.listen({ host: process.env.HOST ?? '127.0.0.1', port: Number(process.env.PORT ?? 3001) })
