import { Duration, Fn, Stack, Validations } from 'aws-cdk-lib'
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch'
import * as iam from 'aws-cdk-lib/aws-iam'
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions'
import { HttpCodeElb, HttpCodeTarget } from 'aws-cdk-lib/aws-elasticloadbalancingv2'
import * as logs from 'aws-cdk-lib/aws-logs'
import * as sns from 'aws-cdk-lib/aws-sns'
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions'
import { Construct } from 'constructs'
import { FALLBACK_LOG_MESSAGES } from '../../../shims/lib/fallback-log.ts'
import type { Settings } from '../settings.ts'
import type { Redis } from './redis.ts'
import type { PinlineService } from './service.ts'
import type { ShimFunction, ShimName } from './shim-function.ts'

export interface AlarmsProps {
  /** The topic to notify (another stack's); without it, this construct makes the topic. */
  topic?: sns.ITopic
  /** Subscribed to the topic it makes (AWS e-mails a confirmation link first). */
  email?: string
}

/** The namespace pinline's own metric filters publish in: one per stack, so two deployments never mix. */
export const metricNamespace = (stackName: string) => `pinline/${stackName}`

const minutes = Duration.minutes

/**
 * pinline's CloudWatch alarms, all notifying one SNS topic (alarm and back to OK). Each alarm is
 * named `<stack>-<what>`, so two deployments in one account never collide. Missing data counts as
 * fine: an idle service publishes no request, error or fallback counts.
 */
export class Alarms extends Construct {
  readonly topic: sns.ITopic
  private readonly action: SnsAction

  constructor(scope: Construct, id: string, props: AlarmsProps = {}) {
    super(scope, id)
    if (props.topic) {
      this.topic = props.topic
    } else {
      const topic = new sns.Topic(this, 'Topic', { displayName: 'pinline alarms', enforceSSL: true })
      Validations.of(topic).acknowledge({
        id: 'AwsSolutions::AwsSolutions-SNS2',
        reason:
          'Alarm notifications carry alarm names, metric values and states, no caller data; CloudWatch cannot publish to a topic under the AWS-managed SNS key.',
      })
      // A topic policy replaces SNS's default one (enforceSSL makes one): without this statement
      // no alarm could publish, and every alarm would change state in silence. Only this
      // account's alarms, in this region, may.
      const { account, region, partition } = Stack.of(this)
      topic.addToResourcePolicy(
        new iam.PolicyStatement({
          sid: 'CloudWatchAlarmsPublish',
          principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
          actions: ['sns:Publish'],
          resources: [topic.topicArn],
          conditions: {
            StringEquals: { 'aws:SourceAccount': account },
            ArnLike: { 'aws:SourceArn': `arn:${partition}:cloudwatch:${region}:${account}:alarm:*` },
          },
        }),
      )
      if (props.email) topic.addSubscription(new EmailSubscription(props.email))
      this.topic = topic
    }
    this.action = new SnsAction(this.topic)
  }

  /** One alarm on `metric`, at or above the threshold, notifying the topic when it fires and when it clears. */
  alarm(id: string, metric: cloudwatch.IMetric, options: AlarmOptions): cloudwatch.Alarm {
    const alarm = new cloudwatch.Alarm(this, id, {
      alarmName: `${Stack.of(this).stackName}-${id}`,
      metric,
      threshold: options.threshold,
      evaluationPeriods: options.evaluationPeriods ?? 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: options.treatMissingData ?? cloudwatch.TreatMissingData.NOT_BREACHING,
      alarmDescription: options.description,
    })
    alarm.addAlarmAction(this.action)
    alarm.addOkAction(this.action)
    return alarm
  }

  /** The internal load balancer: errors callers get, and tasks failing their health check. */
  watchService(service: PinlineService): void {
    const lb = service.loadBalancer.metrics
    // The service answers a clear 5xx for every dependency failure (Redis, SNS, KMS). One is a
    // caller's bad luck; ten in five minutes is several callers told "we cannot verify".
    this.alarm('Target5xx', lb.httpCodeTarget(HttpCodeTarget.TARGET_5XX_COUNT, { period: minutes(5) }), {
      threshold: 10,
      description: 'The service answered 10 or more 5xx in 5 minutes (a dependency failing: Redis, SNS, KMS).',
    })
    // 5xx from the load balancer itself: no healthy task, or a task that hung up or timed out.
    this.alarm('LoadBalancer5xx', lb.httpCodeElb(HttpCodeElb.ELB_5XX_COUNT, { period: minutes(5) }), {
      threshold: 10,
      description: 'The load balancer answered 10 or more 5xx in 5 minutes (no healthy task, or tasks failing).',
    })
    // A task the health check has failed for three minutes running is not a deployment's draining
    // (deregistering tasks do not count) but a task ECS keeps or will keep replacing.
    this.alarm(
      'UnhealthyTasks',
      service.targetGroup.metrics.unhealthyHostCount({ period: minutes(1), statistic: 'Maximum' }),
      {
        threshold: 1,
        evaluationPeriods: 3,
        description: 'At least one task has failed its load-balancer health check for 3 minutes.',
      },
    )
  }

  /** A Lambda shim: errors, invocations that nearly hit the timeout, and its logged fallbacks. */
  watchShim(name: ShimName, shim: ShimFunction): void {
    const label = `${name[0]!.toUpperCase()}${name.slice(1)}Shim`
    const fn = shim.function
    // The shims never throw: every Error is a crash or a timeout, and Connect or Lex then gives the
    // caller its own generic failure instead of the shim's fallback. One is worth a look.
    this.alarm(`${label}-Errors`, fn.metricErrors({ period: minutes(5), statistic: 'Sum' }), {
      threshold: 1,
      description: `The ${name} shim failed (threw or timed out) at least once in 5 minutes.`,
    })
    // The shim gives up on the service at AUTH_SERVICE_TIMEOUT_MS and answers its fallback well
    // before the Lambda timeout; an invocation past 80% of the timeout was nearly killed.
    const timeoutMs = fn.timeout!.toMilliseconds()
    this.alarm(`${label}-NearTimeout`, fn.metricDuration({ period: minutes(5), statistic: 'Maximum' }), {
      threshold: Math.floor(timeoutMs * 0.8),
      description: `An invocation of the ${name} shim ran for 80% or more of its ${timeoutMs} ms timeout.`,
    })
    // Every fallback is a caller told to try again: a few in five minutes (the service slow or
    // unreachable, a refused key) is not bad luck. The patterns are the shims' own log text.
    const metricName = `${label}Fallbacks`
    const filter = new logs.MetricFilter(this, `${label}-FallbackFilter`, {
      logGroup: fn.logGroup,
      filterPattern: logs.FilterPattern.anyTerm(...Object.values(FALLBACK_LOG_MESSAGES[name])),
      metricNamespace: metricNamespace(Stack.of(this).stackName),
      metricName,
      metricValue: '1',
    })
    this.alarm(`${label}-Fallbacks`, filter.metric({ period: minutes(5), statistic: 'Sum' }), {
      threshold: 5,
      description: `The ${name} shim answered its fallback (service unavailable) 5 or more times in 5 minutes.`,
    })
  }

  /**
   * ElastiCache, per shard: the worst node of each shard (MAX over its nodes, whichever is primary
   * after a failover). Node ids are ElastiCache's: <group>-00N, or <group>-000S-00N in cluster mode.
   */
  watchRedis(redis: Redis, settings: Settings['redis']): void {
    const group = redis.replicationGroup.ref
    const shards = settings.clusterMode ? settings.numNodeGroups : 1
    const nodesPerShard = 1 + settings.replicasPerNodeGroup
    for (let s = 1; s <= shards; s++) {
      const nodes = Array.from({ length: nodesPerShard }, (_, i) => {
        const node = String(i + 1).padStart(3, '0')
        return settings.clusterMode
          ? Fn.join('-', [group, String(s).padStart(4, '0'), node])
          : Fn.join('-', [group, node])
      })
      const suffix = settings.clusterMode ? `-Shard${s}` : ''
      const worst = (metricName: string, statistic: string, period: Duration) =>
        new cloudwatch.MathExpression({
          expression: `MAX([${nodes.map((_, i) => `n${i}`).join(',')}])`,
          usingMetrics: Object.fromEntries(
            nodes.map((node, i) => [
              `n${i}`,
              new cloudwatch.Metric({
                namespace: 'AWS/ElastiCache',
                metricName,
                dimensionsMap: { CacheClusterId: node },
                statistic,
                period,
              }),
            ]),
          ),
          label: `${metricName} (worst node)`,
          period,
        })
      // maxmemory-policy noeviction: at 100% every write (send, verify) fails. 80% leaves time to
      // move to a larger node type before callers notice.
      this.alarm(`Redis${suffix}-Memory`, worst('DatabaseMemoryUsagePercentage', 'Maximum', minutes(5)), {
        threshold: 80,
        description: 'A Redis node uses 80% or more of its maxmemory; at 100% writes fail (noeviction).',
      })
      // There must never be one: an evicted key may be a send cap, a lock or a failure streak (SECURITY.md).
      this.alarm(`Redis${suffix}-Evictions`, worst('Evictions', 'Sum', minutes(5)), {
        threshold: 1,
        description: 'Redis evicted a key: limits may have been lost. Check maxmemory-policy is noeviction.',
      })
      // Redis runs commands on one thread: EngineCPUUtilization is that thread. Fifteen minutes at
      // 80% is load, not a snapshot or a burst, and latency then climbs for every request.
      this.alarm(`Redis${suffix}-EngineCpu`, worst('EngineCPUUtilization', 'Average', minutes(5)), {
        threshold: 80,
        evaluationPeriods: 3,
        description: "Redis's engine thread has been 80% or more busy for 15 minutes.",
      })
      // Writes wait for a replica's acknowledgement (REDIS_MIN_REPLICAS_ACK): a replica a second or
      // more behind for three minutes makes sends and verifies slow or fail, and a failover lose them.
      this.alarm(`Redis${suffix}-ReplicationLag`, worst('ReplicationLag', 'Maximum', minutes(1)), {
        threshold: 1,
        evaluationPeriods: 3,
        description: 'A Redis replica has been 1 s or more behind its primary for 3 minutes.',
      })
    }
  }

  /**
   * SMS sent through SNS (smsProvider sns). Both metrics are the account's in this region, not
   * this stack's alone: another application's SMS counts too.
   */
  watchSnsSms(smsSpendUsd: number | undefined): void {
    // Direct publishes to phone numbers report under PhoneNumber=PhoneNumberDirect. Some failures
    // are the number's (unreachable, opted out); five in fifteen minutes is a carrier, a country
    // or the account's spend limit.
    this.alarm(
      'SmsFailures',
      new cloudwatch.Metric({
        namespace: 'AWS/SNS',
        metricName: 'NumberOfNotificationsFailed',
        dimensionsMap: { PhoneNumber: 'PhoneNumberDirect' },
        statistic: 'Sum',
        period: minutes(15),
      }),
      { threshold: 5, description: 'SNS failed to deliver 5 or more SMS in 15 minutes.' },
    )
    // SNS stops sending SMS once the month's spend reaches the account's limit (MonthlySpendLimit):
    // set alarmSmsSpendUsd below it, so someone hears before PINs stop.
    if (smsSpendUsd !== undefined) {
      this.alarm(
        'SmsSpend',
        new cloudwatch.Metric({
          namespace: 'AWS/SNS',
          metricName: 'SMSMonthToDateSpentUSD',
          statistic: 'Maximum',
          period: minutes(15),
        }),
        {
          threshold: smsSpendUsd,
          // A month's running total: a period SNS publishes nothing keeps the last state instead
          // of sending a false "cleared".
          treatMissingData: cloudwatch.TreatMissingData.IGNORE,
          description: `This month's SMS spend reached ${smsSpendUsd} USD (alarmSmsSpendUsd).`,
        },
      )
    }
  }
}

export interface AlarmOptions {
  /** The alarm fires at or above it. */
  threshold: number
  /** Consecutive periods that must all breach (1). */
  evaluationPeriods?: number
  /** What a period without data means (NOT_BREACHING: an idle service publishes no counts). */
  treatMissingData?: cloudwatch.TreatMissingData
  description: string
}
