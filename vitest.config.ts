import { defineConfig } from 'vitest/config'

// Integration tests start real processes (redis-server, the service, AWS stand-ins).
const common = { testTimeout: 30_000, hookTimeout: 60_000, pool: 'forks' } as const

export default defineConfig({
  test: {
    reporters: ['default'],
    projects: [
      {
        // Every test, on one Redis node (REDIS_URL, Docker, or a local redis-server).
        test: {
          name: 'standalone',
          include: ['test/**/*.test.ts'],
          exclude: ['test/cluster/**'],
          globalSetup: ['test/support/redis/global-setup.ts'],
          ...common,
        },
      },
      {
        // Every integration test that uses the shared Redis, again on a real Redis Cluster (3 primaries,
        // 3 replicas; services get REDIS_MODE=cluster), and the cluster's own tests (two service
        // processes, failover). Left out: tests that start their own single redis-server (faults,
        // integration/redis-down), which say nothing about the topology.
        test: {
          name: 'cluster',
          include: ['test/integration/**/*.test.ts', 'test/cluster/**/*.test.ts'],
          exclude: ['test/integration/redis-down.test.ts'],
          globalSetup: ['test/support/redis/global-setup-cluster.ts'],
          ...common,
        },
      },
    ],
  },
})
