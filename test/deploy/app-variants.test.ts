import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { REDIS_MODE_VARIABLE } from '../../deploy/lib/constructs/service.ts'
import { joined, resources, synthesize, type Json, type Synthesized } from './support.ts'

// The other shape of the app, in one more synth: no Connect instance, and Redis Cluster.

let s: Synthesized

beforeAll(async () => {
  s = await synthesize({ connectInstanceArn: undefined, connectQueueArn: undefined, redisClusterMode: true, redisNumNodeGroups: 2, operatorCidrs: ['10.20.0.0/16'] })
}, 240_000)
afterAll(() => s?.remove())

describe('without Connect, with redisClusterMode', () => {
  it('makes no Connect resource, and keeps everything else (bot, shims, outputs)', () => {
    expect(JSON.stringify(s.templates.app)).not.toContain('AWS::Connect::')
    // The two shims (CDK's BucketDeployment handler, which uploads the web chat, aside).
    expect(resources(s.templates.app, 'AWS::Lambda::Function').filter((f) => !f.id.startsWith('CustomCDKBucketDeployment'))).toHaveLength(2)
    expect(resources(s.templates.app, 'AWS::Lex::Bot')).toHaveLength(1)
    expect(Object.keys(s.templates.app.Outputs)).not.toContain('CallerAuthFlowArn')
  })

  it('a sharded replication group, and the service told REDIS_MODE=cluster with the configuration endpoint', () => {
    const rg = resources(s.templates.data, 'AWS::ElastiCache::ReplicationGroup')[0]!.Properties
    expect(rg).toMatchObject({ ClusterMode: 'enabled', NumNodeGroups: 2, ReplicasPerNodeGroup: 1, MultiAZEnabled: true, AutomaticFailoverEnabled: true })
    const env: Record<string, Json> = Object.fromEntries(resources(s.templates.app, 'AWS::ECS::TaskDefinition')[0]!.Properties.ContainerDefinitions[0].Environment.map((e: Json) => [e.Name, e.Value]))
    expect(env[REDIS_MODE_VARIABLE]).toBe('cluster')
    expect(joined(env.REDIS_URL, (v) => String(v['Fn::ImportValue']))).toMatch(/^rediss:\/\/.*ConfigurationEndPointAddress.*:6379$/)
  })

  it('operatorCidrs: those networks may reach the load balancer too', () => {
    const lb = resources(s.templates.app, 'AWS::ElasticLoadBalancingV2::LoadBalancer')[0]!.Properties.SecurityGroups[0]['Fn::GetAtt'][0]
    expect(s.templates.app.Resources[lb].Properties.SecurityGroupIngress).toEqual([{ CidrIp: '10.20.0.0/16', Description: 'operators', FromPort: 80, IpProtocol: 'tcp', ToPort: 80 }])
  })
})
