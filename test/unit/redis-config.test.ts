import { describe, expect, it } from 'vitest'
import { loadConfig, parseSeedUrls } from '../../services/auth/src/config.ts'

describe('REDIS_MODE and the replica wait', () => {
  it('standalone by default, waiting for no replica; a cluster waits for one', () => {
    expect(loadConfig({}).redis).toMatchObject({ mode: 'standalone', minReplicasAck: 0, replicaAckTimeoutMs: 250 })
    const cluster = loadConfig({
      REDIS_MODE: 'cluster',
      REDIS_URL: 'redis://10.0.0.1:6379,redis://10.0.0.2:6379',
    }).redis
    expect(cluster).toMatchObject({ mode: 'cluster', minReplicasAck: 1, replicaAckTimeoutMs: 250 })
    // Either can be set: a standalone primary with a replica (failover on), a cluster with two.
    expect(loadConfig({ REDIS_MIN_REPLICAS_ACK: '1' }).redis.minReplicasAck).toBe(1)
    expect(loadConfig({ REDIS_MODE: 'cluster', REDIS_MIN_REPLICAS_ACK: '0' }).redis.minReplicasAck).toBe(0)
  })

  it('the wait leaves the command time to answer', () => {
    expect(loadConfig({ REDIS_COMMAND_TIMEOUT_MS: '300' }).redis.replicaAckTimeoutMs).toBe(150)
    expect(() => loadConfig({ REDIS_COMMAND_TIMEOUT_MS: '300', REDIS_REPLICA_ACK_TIMEOUT_MS: '300' })).toThrow(
      /REDIS_REPLICA_ACK_TIMEOUT_MS/,
    )
    expect(() => loadConfig({ REDIS_MODE: 'sentinel' })).toThrow(/REDIS_MODE/)
    expect(() => loadConfig({ REDIS_MIN_REPLICAS_ACK: '-1' })).toThrow(/REDIS_MIN_REPLICAS_ACK/)
  })

  it('cluster seeds: redis:// or rediss://, credentials from the URL, no database, never the URL in the message', () => {
    expect(parseSeedUrls('rediss://app:s%40cret@clustercfg.pinline.abc123.apne1.cache.amazonaws.com:6379')).toEqual([
      {
        host: 'clustercfg.pinline.abc123.apne1.cache.amazonaws.com',
        port: 6379,
        tls: true,
        username: 'app',
        password: 's@cret',
      },
    ])
    expect(parseSeedUrls(' redis://a:7000 , redis://b ').map((s) => `${s.host}:${s.port}`)).toEqual([
      'a:7000',
      'b:6379',
    ])
    const bad = (url: string) => () => loadConfig({ REDIS_MODE: 'cluster', REDIS_URL: url })
    expect(bad('http://a:6379')).toThrow(/seed 1 must start with redis:\/\/ or rediss:\/\//)
    expect(bad('redis://a:6379,rediss://b:6379')).toThrow(/mix/)
    expect(bad('redis://a:6379/2')).toThrow(/database/)
    expect(bad('redis://:hunter2@a:6379,not a url')).toThrow(/seed 2 is not a URL/)
    expect(bad('redis://:hunter2@a:6379,not a url')).not.toThrow(/hunter2/)
    expect(bad(' , ')).toThrow(/no seed/)
  })
})
