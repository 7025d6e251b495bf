import type { TestProject } from 'vitest/node'
import { setupCluster } from './global-setup.ts'

/** The `cluster` project's global setup: its tests run against a real Redis Cluster. */
export default function setup(project: TestProject): Promise<() => Promise<void>> {
  return setupCluster(project)
}
