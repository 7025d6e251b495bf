import { PinlineError } from '../../core/errors.ts'
import type { PinlineScripts, ScriptReply, ScriptedRedis } from './scripts.ts'

type ScriptName = { [K in keyof PinlineScripts]: PinlineScripts[K] extends (...args: never[]) => Promise<ScriptReply> ? K : never }[keyof PinlineScripts]

export interface ReplicaAck {
  /** Replicas that must hold a write before it is answered (REDIS_MIN_REPLICAS_ACK); 0 = none. */
  readonly minReplicas: number
  /**
   * Runs one script. With minReplicas > 0 the script is followed, in the same pipeline and so on
   * the node that owns its slot, by WAIT minReplicas timeoutMs: `acknowledged` says whether that
   * many replicas had received everything the script wrote.
   */
  run(script: ScriptName, args: Array<string | number>): Promise<{ reply: ScriptReply; acknowledged: boolean }>
}

/** No replica is waited for: every reply counts as acknowledged (a single node, REDIS_MIN_REPLICAS_ACK=0). */
export function noReplicaAck(redis: ScriptedRedis): ReplicaAck {
  return {
    minReplicas: 0,
    async run(script, args) {
      const call = redis[script] as (...a: Array<string | number>) => Promise<ScriptReply>
      return { reply: await call.apply(redis, args), acknowledged: true }
    },
  }
}

/**
 * WAIT blocks the connection it is sent on until the replicas answer or the timeout passes, so
 * `durable` must be a client of its own (a duplicate of the main one): a shard whose replica is
 * gone then slows only the writes that wait for it, never the reads and other writes that share
 * the main connection.
 */
export function replicaAck(durable: ScriptedRedis, minReplicas: number, timeoutMs: number, onMissing: () => void = () => undefined): ReplicaAck {
  return {
    minReplicas,
    async run(script, args) {
      const pipeline = durable.pipeline()
      const queue = pipeline as unknown as Record<ScriptName, (...a: Array<string | number>) => unknown>
      queue[script](...args)
      pipeline.wait(minReplicas, timeoutMs)
      const results = await pipeline.exec()
      const [ran, waited] = results ?? []
      if (!ran || !waited) throw new Error(`${script}: the pipeline was discarded`)
      if (ran[0]) throw ran[0]
      const acknowledged = !waited[0] && Number(waited[1]) >= minReplicas
      if (!acknowledged) onMissing()
      return { reply: ran[1] as ScriptReply, acknowledged }
    },
  }
}

/** A write Redis ran but no replica confirmed: a failover could lose it, so it is not answered. */
export function notAcknowledged(minReplicas: number): PinlineError {
  return new PinlineError('DEPENDENCY_UNAVAILABLE', {
    cause: new Error(`fewer than ${minReplicas} Redis replica(s) acknowledged the write in time (WAIT)`),
  })
}
