import { spawnSync } from 'node:child_process'
import { setTimeout as sleep } from 'node:timers/promises'
import type { TestProject } from 'vitest/node'
import { buildWeb } from '../../../scripts/build-web.ts'
import { startRedisCluster } from './redis-cluster.ts'
import { pingRedis } from './redis-ping.ts'
import { startRedisServer } from './redis-server.ts'

declare module 'vitest' {
  export interface ProvidedContext {
    redisUrl: string
    /** How services under test connect to redisUrl (REDIS_MODE). */
    redisMode: 'standalone' | 'cluster'
  }
}

type RedisSource = { name: string; url: string; teardown(): Promise<void> }

// Docker detection must be quick: a socket that exists but never answers must not hang the run.
const DOCKER_PROBE_MS = 3_000

/**
 * Builds the playground page, then finds a real Redis for the tests, in this order: REDIS_URL,
 * a testcontainers redis:7-alpine when a Docker engine answers, a local redis-server binary.
 * Never skips, never mocks.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  // The playground page (dist/web) as the sources are now: the browser tests drive it.
  await buildWeb({ quiet: true })
  if (process.env.TEST_REDIS_TOPOLOGY === 'cluster') return setupCluster(project)
  const source = await resolveRedis()
  console.log(`[global-setup] Redis for tests: ${source.name} at ${source.url}`)
  project.provide('redisUrl', source.url)
  project.provide('redisMode', 'standalone')
  return () => source.teardown()
}

/**
 * The same tests against a Redis Cluster (TEST_REDIS_TOPOLOGY=cluster, or the `cluster` project of
 * vitest.config.ts): REDIS_CLUSTER_URL (comma-separated seeds) if set, else a local cluster of
 * 3 primaries and 3 replicas from the redis-server binary.
 */
export async function setupCluster(project: TestProject): Promise<() => Promise<void>> {
  const fromEnv = process.env.REDIS_CLUSTER_URL
  if (fromEnv) {
    project.provide('redisUrl', fromEnv)
    project.provide('redisMode', 'cluster')
    return async () => {}
  }
  if (!hasRedisServerBinary()) {
    throw new Error(
      'The cluster tests need the redis-server and redis-cli binaries on PATH (apt-get install redis-server), or REDIS_CLUSTER_URL=redis://host:port,... pointing at a running Redis Cluster.',
    )
  }
  const cluster = await startRedisCluster()
  console.log(`[global-setup] Redis for tests: local Redis Cluster (3 primaries, 3 replicas) at ${cluster.url}`)
  project.provide('redisUrl', cluster.url)
  project.provide('redisMode', 'cluster')
  return () => cluster.stop()
}

async function resolveRedis(): Promise<RedisSource> {
  const fromEnv = process.env.REDIS_URL
  if (fromEnv) {
    try {
      await pingRedis(fromEnv, 3_000)
    } catch (err) {
      throw new Error(`REDIS_URL is set to ${redact(fromEnv)} but that Redis does not answer PING: ${message(err)}`)
    }
    return { name: 'REDIS_URL', url: fromEnv, teardown: async () => {} }
  }

  const container = await startContainerIfDocker()
  if (container) return container

  if (hasRedisServerBinary()) {
    const server = await startRedisServer()
    return { name: 'local redis-server binary', url: server.url, teardown: () => server.stop() }
  }

  throw new Error(
    'No Redis could be found for the tests. Provide one of: ' +
      'REDIS_URL=redis://host:port pointing at a running Redis; ' +
      'a running Docker engine (testcontainers starts redis:7-alpine); ' +
      'or the redis-server binary on PATH (e.g. apt-get install redis-server).',
  )
}

async function startContainerIfDocker(): Promise<RedisSource | undefined> {
  // Imported lazily: testcontainers is heavy and only needed when Docker is actually there.
  const { getContainerRuntimeClient, GenericContainer, Wait } = await import('testcontainers')
  const probe = getContainerRuntimeClient().then(
    () => true,
    () => false,
  )
  const dockerAnswers = await Promise.race([probe, sleep(DOCKER_PROBE_MS, false, { ref: false })])
  if (!dockerAnswers) return undefined

  const container = await new GenericContainer('redis:7-alpine')
    .withExposedPorts(6379)
    .withWaitStrategy(Wait.forLogMessage('Ready to accept connections'))
    .start()
  const url = `redis://${container.getHost()}:${container.getMappedPort(6379)}`
  return {
    name: 'testcontainers redis:7-alpine',
    url,
    teardown: async () => {
      await container.stop()
    },
  }
}

function hasRedisServerBinary(): boolean {
  const result = spawnSync('redis-server', ['--version'], { stdio: 'ignore', timeout: 5_000 })
  return result.error === undefined && result.status === 0
}

function redact(url: string): string {
  return url.replace(/\/\/([^@/]*)@/, '//***@')
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}
