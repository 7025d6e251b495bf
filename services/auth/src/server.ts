import closeWithGrace from 'close-with-grace'
import { buildApp } from './app.ts'
import { ConfigError, loadConfig, type Config } from './config.ts'

// Reads the config (a bad value exits naming the variable), listens, and closes
// gracefully: in-flight requests finish, then Redis is closed.
let config: Config
try {
  config = loadConfig()
} catch (err) {
  if (!(err instanceof ConfigError)) throw err
  process.stderr.write(`${err.message}\n`)
  process.exit(78) // EX_CONFIG
}

const app = await buildApp({ config })

const GRACE_MS = 10_000
closeWithGrace({ delay: GRACE_MS }, async ({ signal, err }) => {
  if (err) app.log.error({ err }, 'closing after an error')
  else app.log.info({ signal }, 'closing')
  // Requests in flight get most of the grace period; a socket that never finished sending a
  // request (a client that gave up mid-request) must not hold the exit until the hard stop.
  setTimeout(() => app.server.closeAllConnections(), GRACE_MS - 2_000).unref()
  await app.close()
})

await app.listen({ host: config.http.host, port: config.http.port })
