import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, inject, it } from 'vitest'
import type { TestProject } from 'vitest/node'
import { freePort } from '../support/app/free-port.ts'
import setup from '../support/redis/global-setup.ts'
import { pingRedis } from '../support/redis/redis-ping.ts'
import { startRedisServer } from '../support/redis/redis-server.ts'

it("inject('redisUrl') points at a Redis that answers PING", async () => {
  const url = inject('redisUrl')
  expect(url).toMatch(/^rediss?:\/\//)
  await expect(pingRedis(url)).resolves.toBeUndefined()
})

describe('global-setup resolution', () => {
  const saved = { ...process.env }
  afterEach(() => {
    process.env = { ...saved }
  })

  // setup() only needs provide(); a stub records what it was given.
  const fakeProject = () => {
    const provided: Record<string, unknown> = {}
    const project = { provide: (key: string, value: unknown) => void (provided[key] = value) }
    return { project: project as unknown as TestProject, provided }
  }

  it('uses REDIS_URL when it answers', async () => {
    const server = await startRedisServer()
    try {
      process.env.REDIS_URL = server.url
      const { project, provided } = fakeProject()
      const teardown = await setup(project)
      expect(provided.redisUrl).toBe(server.url)
      await teardown()
      await expect(pingRedis(server.url)).resolves.toBeUndefined() // not ours to stop
    } finally {
      await server.stop()
    }
  })

  it('fails clearly when REDIS_URL does not answer', async () => {
    process.env.REDIS_URL = `redis://127.0.0.1:${await freePort()}`
    await expect(setup(fakeProject().project)).rejects.toThrow(/REDIS_URL is set to .* does not answer PING/)
  })

  it('throws "no Redis could be found" with the ways to provide one when nothing is available', async () => {
    delete process.env.REDIS_URL
    process.env.DOCKER_HOST = `tcp://127.0.0.1:${await freePort()}` // a Docker engine that is not there
    const emptyDir = mkdtempSync(join(tmpdir(), 'pinline-empty-path-'))
    process.env.PATH = emptyDir // no redis-server binary
    try {
      await expect(setup(fakeProject().project)).rejects.toThrow(
        /No Redis could be found.*REDIS_URL.*Docker.*redis-server/,
      )
    } finally {
      rmSync(emptyDir, { recursive: true, force: true })
    }
  })
})
