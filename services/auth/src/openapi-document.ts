import { buildApp } from './app.ts'
import { loadConfig } from './config.ts'

/** The OpenAPI document exactly as the running service serves it at /openapi.json. */
export async function openApiDocument(): Promise<string> {
  // Nothing here talks to Redis or AWS: the app is built and closed without serving.
  const app = await buildApp({
    config: loadConfig({ NODE_ENV: 'test', REDIS_URL: 'redis://127.0.0.1:1' }),
    logger: false,
  })
  try {
    return `${JSON.stringify(app.swagger(), null, 2)}\n`
  } finally {
    await app.close()
  }
}
