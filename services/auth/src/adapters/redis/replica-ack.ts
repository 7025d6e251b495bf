import { PinlineError } from '../../core/errors.ts'
import type { RedisClient } from './client.ts'

type AnyScript = (redis: RedisClient, keys: never, args: never) => Promise<unknown>

export interface ReplicaAck {
  /** Replicas that must hold a write before it is answered (REDIS_MIN_REPLICAS_ACK); 0 = none. */
  readonly minReplicas: number
  /**
   * Runs one script. With minReplicas > 0 the script is followed, in the same pipeline and so on
   * the node that owns its slot, by WAIT minReplicas timeoutMs: `acknowledged` says whether that
   * many replicas had received everything the script wrote.
   */
  run<S extends AnyScript>(
    script: S,
    keys: Parameters<S>[1],
    args: Parameters<S>[2],
  ): Promise<{ reply: Awaited<ReturnType<S>>; acknowledged: boolean }>
}

/** No replica is waited for: every reply counts as acknowledged (a single node, REDIS_MIN_REPLICAS_ACK=0). */
export function noReplicaAck(redis: RedisClient): ReplicaAck {
  return {
    minReplicas: 0,
    async run(script, keys, args) {
      return { reply: (await script(redis, keys, args)) as never, acknowledged: true }
    },
  }
}

/**
 * WAIT blocks the connection it is sent on until the replicas answer or the timeout passes, so
 * `durable` must be a client of its own (a second one, like the main one): a shard whose replica
 * is gone then slows only the writes that wait for it, never the reads and other writes that
 * share the main connection.
 */
export function replicaAck(
  durable: RedisClient,
  minReplicas: number,
  timeoutMs: number,
  onMissing: () => void = () => undefined,
): ReplicaAck {
  const isScript = (prop: string) => prop in (durable as unknown as { scriptsSet: Record<string, unknown> }).scriptsSet
  return {
    minReplicas,
    async run(script, keys, args) {
      let acknowledged = false
      // The script wrapper registers its command on this client and calls it: the call becomes a
      // pipeline of the script and WAIT (ioredis sends a pipeline to the node of its keys' slot).
      const client = new Proxy(durable, {
        get(target, prop) {
          const value: unknown = Reflect.get(target, prop, target)
          if (typeof value !== 'function') return value
          if (typeof prop !== 'string' || !isScript(prop)) return value.bind(target)
          return async (...argv: Array<string | number>) => {
            const pipeline = target.pipeline()
            ;(pipeline as unknown as Record<string, (...a: Array<string | number>) => unknown>)[prop]!(...argv)
            pipeline.wait(minReplicas, timeoutMs)
            const [ran, waited] = (await pipeline.exec()) ?? []
            if (!ran || !waited) throw new Error(`${prop}: the pipeline was discarded`)
            if (ran[0]) throw ran[0]
            acknowledged = !waited[0] && Number(waited[1]) >= minReplicas
            if (!acknowledged) onMissing()
            return ran[1]
          }
        },
      })
      return { reply: (await script(client, keys, args)) as never, acknowledged }
    },
  }
}

/** A write Redis ran but no replica confirmed: a failover could lose it, so it is not answered. */
export function notAcknowledged(minReplicas: number): PinlineError {
  return new PinlineError('DEPENDENCY_UNAVAILABLE', {
    cause: new Error(`fewer than ${minReplicas} Redis replica(s) acknowledged the write in time (WAIT)`),
  })
}
