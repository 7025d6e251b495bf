import { Annotations, Fn, RemovalPolicy } from 'aws-cdk-lib'
import * as ec2 from 'aws-cdk-lib/aws-ec2'
import { CfnParameterGroup, CfnReplicationGroup, CfnSubnetGroup } from 'aws-cdk-lib/aws-elasticache'
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager'
import { Construct } from 'constructs'
import type { Settings } from '../settings.ts'

/** The engine version, and the parameter group family that goes with it. */
export const VALKEY_ENGINE_VERSION = '8.0'
export const VALKEY_PARAMETER_FAMILY = 'valkey8'

/** Daily automatic snapshots kept (ElastiCache allows up to 35). */
export const SNAPSHOT_RETENTION_DAYS = 7

export interface RedisProps {
  vpc: ec2.IVpc
  settings: Settings['redis']
  authToken: ISecret
}

/**
 * ElastiCache (Valkey, Redis OSS compatible) replication group: Multi-AZ with automatic failover,
 * TLS in transit, encrypted at rest, AUTH token from Secrets Manager. Cluster mode off by default
 * (one shard, the service's standalone client); `redisClusterMode` turns it on with
 * `redisNumNodeGroups` shards, and the service is told REDIS_MODE=cluster.
 */
export class Redis extends Construct {
  readonly securityGroup: ec2.SecurityGroup
  readonly replicationGroup: CfnReplicationGroup
  readonly parameterGroup: CfnParameterGroup
  /** rediss://host:port: the primary endpoint, or the configuration endpoint in cluster mode. */
  readonly url: string
  readonly port = 6379

  constructor(scope: Construct, id: string, props: RedisProps) {
    super(scope, id)
    const { vpc, settings } = props
    this.securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc,
      description: 'pinline Redis: only the service may connect',
      allowAllOutbound: false,
    })
    const subnets = new CfnSubnetGroup(this, 'Subnets', {
      description: 'pinline Redis: private subnets',
      subnetIds: vpc.selectSubnets({ subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS }).subnetIds,
    })
    // Never evict: pinline's send caps, locks and failure streaks all have TTLs, which ElastiCache's
    // default policy (volatile-lru) would drop first when memory runs out, failing open. noeviction
    // refuses the write instead (503). The service cannot check this itself: ElastiCache disables CONFIG.
    this.parameterGroup = new CfnParameterGroup(this, 'Parameters', {
      cacheParameterGroupFamily: VALKEY_PARAMETER_FAMILY,
      description: 'pinline: maxmemory-policy noeviction',
      properties: { 'maxmemory-policy': 'noeviction', 'cluster-enabled': settings.clusterMode ? 'yes' : 'no' },
    })
    this.replicationGroup = new CfnReplicationGroup(this, 'ReplicationGroup', {
      replicationGroupDescription: 'pinline: challenges, callers, sessions, counters',
      engine: 'valkey',
      engineVersion: VALKEY_ENGINE_VERSION,
      cacheNodeType: settings.nodeType,
      port: this.port,
      cacheSubnetGroupName: subnets.ref,
      securityGroupIds: [this.securityGroup.securityGroupId],
      multiAzEnabled: true,
      automaticFailoverEnabled: true,
      transitEncryptionEnabled: true,
      atRestEncryptionEnabled: true,
      // A dynamic reference ({{resolve:secretsmanager:…}}): CloudFormation reads the token at deploy.
      authToken: props.authToken.secretValue.unsafeUnwrap(),
      // A week of daily snapshots: the caller registry lives only here.
      snapshotRetentionLimit: SNAPSHOT_RETENTION_DAYS,
      autoMinorVersionUpgrade: true,
      // Patches, minor upgrades and node replacements only in this window (a replica is then briefly missing).
      preferredMaintenanceWindow: settings.maintenanceWindow,
      cacheParameterGroupName: this.parameterGroup.ref,
      ...(settings.clusterMode
        ? {
            clusterMode: 'enabled',
            numNodeGroups: settings.numNodeGroups,
            replicasPerNodeGroup: settings.replicasPerNodeGroup,
          }
        : {
            clusterMode: 'disabled',
            numCacheClusters: 1 + settings.replicasPerNodeGroup,
          }),
    })
    if (settings.replicasPerNodeGroup < 2) {
      Annotations.of(this).addWarningV2(
        'pinline:redis-one-replica',
        'redisReplicasPerNodeGroup 1: approvals wait for a replica (REDIS_MIN_REPLICAS_ACK=1), so while that replica is missing (a failover, an AZ outage, patching) every PIN send and verify is 503. 2 keeps them working.',
      )
    }
    // Replaced or deleted (cdk destroy, a property that forces a new group): a final snapshot first.
    this.replicationGroup.applyRemovalPolicy(RemovalPolicy.SNAPSHOT)
    const host = settings.clusterMode
      ? this.replicationGroup.attrConfigurationEndPointAddress
      : this.replicationGroup.attrPrimaryEndPointAddress
    this.url = Fn.join('', ['rediss://', host, `:${this.port}`])
  }
}
