import { Match, Template } from 'aws-cdk-lib/assertions'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { metricNamespace } from '../../deploy/lib/constructs/alarms.ts'
import { readSettings } from '../../deploy/lib/settings.ts'
import { DEFAULT_TIMEOUT_MS } from '../../shims/lib/timeouts.ts'
import { freePort } from '../support/app/free-port.ts'
import { connectEvent } from '../support/events/connect-events.ts'
import { lexEvent } from '../support/events/lex-events.ts'
import { bundleShim } from '../support/app/shim-bundle.ts'
import { exampleContext, joined, resources, synthesize, type Json, type Synthesized } from './support.ts'

// The alarms, read back from the synthesised templates: each on the metric and the resource it
// watches, each notifying the one topic, named after its stack. The example context first (one
// shard, SNS SMS, no e-mail), then a cluster-mode deployment with an e-mail and a spend limit.

let s: Synthesized
let data: Template
let app: Template
let topicId: string

beforeAll(async () => {
  s = await synthesize()
  data = Template.fromJSON(s.templates.data)
  app = Template.fromJSON(s.templates.app)
  topicId = Object.keys(data.findResources('AWS::SNS::Topic'))[0]!
}, 240_000)
afterAll(() => s?.remove())

const alarms = (template: Json) => resources(template, 'AWS::CloudWatch::Alarm')
const alarmNamed = (template: Json, name: string) => {
  const found = alarms(template).filter((a) => a.Properties.AlarmName === name)
  expect(found, name).toHaveLength(1)
  return found[0]!.Properties
}
const logicalId = (template: Template, type: string, idPrefix: string) => {
  const ids = Object.keys(template.findResources(type)).filter((id) => id.startsWith(idPrefix))
  expect(ids, idPrefix).toHaveLength(1)
  return ids[0]!
}
/** The topic an action names: a Ref in the data stack, the data stack's export of it in the app stack. */
const actionTopic = (v: Json): string => {
  if (v?.Ref) return v.Ref
  const name: string = v?.['Fn::ImportValue'] ?? ''
  return name.startsWith(`${s.stackNames.data}:ExportsOutputRef${topicId}`) ? topicId : JSON.stringify(v)
}

describe('the alarm topic', () => {
  it("one topic, in the data stack, TLS-only, that this account's alarms may publish to, and no subscription unless alarmEmail is given", () => {
    data.resourceCountIs('AWS::SNS::Topic', 1)
    app.resourceCountIs('AWS::SNS::Topic', 0)
    data.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          // The policy replaces SNS's default one: without this, no alarm could publish.
          Match.objectLike({
            Effect: 'Allow',
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: 'sns:Publish',
            Condition: {
              StringEquals: { 'aws:SourceAccount': Match.anyValue() },
              ArnLike: { 'aws:SourceArn': Match.anyValue() },
            },
          }),
        ]),
      },
    })
    data.resourceCountIs('AWS::SNS::Subscription', 0)
    app.resourceCountIs('AWS::SNS::Subscription', 0)
  })

  it('every alarm of both stacks notifies that topic when it fires and when it clears, and is named after its stack', () => {
    for (const [stack, template] of [
      [s.stackNames.data, s.templates.data],
      [s.stackNames.app, s.templates.app],
    ] as const) {
      const all = alarms(template)
      expect(all.length).toBeGreaterThan(0)
      for (const { Properties: p } of all) {
        expect(p.AlarmActions.map(actionTopic), p.AlarmName).toEqual([topicId])
        expect(p.OKActions.map(actionTopic), p.AlarmName).toEqual([topicId])
        expect(p.AlarmName).toMatch(new RegExp(`^${stack}-`))
        expect(p.TreatMissingData).toBe('notBreaching')
        expect(p.AlarmDescription).toBeTruthy()
      }
    }
    const names = [...alarms(s.templates.data), ...alarms(s.templates.app)].map((a) => a.Properties.AlarmName)
    expect(new Set(names).size).toBe(names.length)
  })
})

describe('Redis (ElastiCache)', () => {
  const metrics = {
    Memory: 'DatabaseMemoryUsagePercentage',
    Evictions: 'Evictions',
    EngineCpu: 'EngineCPUUtilization',
    ReplicationLag: 'ReplicationLag',
  }

  it('memory, evictions, engine CPU and replication lag: the worst of every node of the replication group', () => {
    const group = logicalId(data, 'AWS::ElastiCache::ReplicationGroup', 'Redis')
    const nodes = 1 + s.settings.redis.replicasPerNodeGroup
    for (const [what, metricName] of Object.entries(metrics)) {
      const p = alarmNamed(s.templates.data, `${s.stackNames.data}-Redis-${what}`)
      const stats = p.Metrics.filter((m: Json) => m.MetricStat)
      const expression = p.Metrics.find((m: Json) => m.Expression)
      expect(expression.Expression).toBe(`MAX([${stats.map((m: Json) => m.Id).join(',')}])`)
      expect(expression.ReturnData).toBe(true)
      expect(stats.map((m: Json) => nodeIds(m, group))).toEqual(
        Array.from({ length: nodes }, (_, i) => `<group>-00${i + 1}`),
      )
      for (const m of stats) {
        expect(m.MetricStat.Metric.Namespace).toBe('AWS/ElastiCache')
        expect(m.MetricStat.Metric.MetricName).toBe(metricName)
        expect(m.ReturnData).toBe(false)
      }
    }
  })

  it('thresholds: 80% memory, any eviction, 80% engine CPU for 15 minutes, 1 s of lag for 3 minutes', () => {
    const p = (what: string) => alarmNamed(s.templates.data, `${s.stackNames.data}-Redis-${what}`)
    expect(p('Memory')).toMatchObject({ Threshold: 80, ComparisonOperator: 'GreaterThanOrEqualToThreshold' })
    expect(p('Evictions')).toMatchObject({ Threshold: 1, ComparisonOperator: 'GreaterThanOrEqualToThreshold' })
    expect(p('EngineCpu')).toMatchObject({ Threshold: 80, EvaluationPeriods: 3 })
    expect(p('EngineCpu').Metrics.find((m: Json) => m.MetricStat).MetricStat.Period).toBe(300)
    expect(p('ReplicationLag')).toMatchObject({ Threshold: 1, EvaluationPeriods: 3 })
    expect(p('ReplicationLag').Metrics.find((m: Json) => m.MetricStat).MetricStat.Period).toBe(60)
  })
})

describe('the load balancer', () => {
  it('5xx from the tasks and from the load balancer itself, on this load balancer', () => {
    const lb = logicalId(app, 'AWS::ElasticLoadBalancingV2::LoadBalancer', 'Service')
    const onLb = [{ Name: 'LoadBalancer', Value: { 'Fn::GetAtt': [lb, 'LoadBalancerFullName'] } }]
    app.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: `${s.stackNames.app}-Target5xx`,
      Namespace: 'AWS/ApplicationELB',
      MetricName: 'HTTPCode_Target_5XX_Count',
      Dimensions: onLb,
      Statistic: 'Sum',
      Period: 300,
      Threshold: 10,
    })
    app.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: `${s.stackNames.app}-LoadBalancer5xx`,
      Namespace: 'AWS/ApplicationELB',
      MetricName: 'HTTPCode_ELB_5XX_Count',
      Dimensions: onLb,
      Statistic: 'Sum',
    })
  })

  it("unhealthy tasks: this load balancer's target group, at least one for 3 minutes", () => {
    const group = logicalId(app, 'AWS::ElasticLoadBalancingV2::TargetGroup', 'Service')
    const p = alarmNamed(s.templates.app, `${s.stackNames.app}-UnhealthyTasks`)
    expect(p).toMatchObject({
      Namespace: 'AWS/ApplicationELB',
      MetricName: 'UnHealthyHostCount',
      Statistic: 'Maximum',
      Period: 60,
      Threshold: 1,
      EvaluationPeriods: 3,
    })
    const dims = Object.fromEntries(p.Dimensions.map((d: Json) => [d.Name, JSON.stringify(d.Value)]))
    expect(dims.TargetGroup).toContain(`"${group}"`)
    expect(dims.LoadBalancer).toContain('ServiceLoadBalancer')
  })
})

describe('the shims', () => {
  const shims = [
    { name: 'connect', label: 'ConnectShim', prefix: 'ChannelsConnectShim' },
    { name: 'lex', label: 'LexShim', prefix: 'ChannelsLexShim' },
  ] as const

  it("errors and a duration near the timeout, on each function: above the shim's own fallback deadline, below the Lambda timeout", () => {
    for (const { name, label, prefix } of shims) {
      const fn = logicalId(app, 'AWS::Lambda::Function', `${prefix}Function`)
      const timeoutMs = s.templates.app.Resources[fn].Properties.Timeout * 1000
      const onFn = [{ Name: 'FunctionName', Value: { Ref: fn } }]
      expect(alarmNamed(s.templates.app, `${s.stackNames.app}-${label}-Errors`)).toMatchObject({
        Namespace: 'AWS/Lambda',
        MetricName: 'Errors',
        Dimensions: onFn,
        Statistic: 'Sum',
        Threshold: 1,
      })
      const near = alarmNamed(s.templates.app, `${s.stackNames.app}-${label}-NearTimeout`)
      expect(near).toMatchObject({
        Namespace: 'AWS/Lambda',
        MetricName: 'Duration',
        Dimensions: onFn,
        Statistic: 'Maximum',
      })
      expect(near.Threshold).toBeLessThan(timeoutMs)
      expect(near.Threshold).toBeGreaterThan(DEFAULT_TIMEOUT_MS[name])
    }
  })

  it("a metric filter on each shim's own log group counts its fallbacks, and an alarm watches that metric", () => {
    for (const { label, prefix } of shims) {
      const fn = logicalId(app, 'AWS::Lambda::Function', `${prefix}Function`)
      const logGroup = s.templates.app.Resources[fn].Properties.LoggingConfig.LogGroup
      const filter = fallbackFilter(label)
      expect(filter.LogGroupName).toEqual(logGroup)
      expect(filter.MetricTransformations).toEqual([
        { MetricNamespace: metricNamespace(s.stackNames.app), MetricName: `${label}Fallbacks`, MetricValue: '1' },
      ])
      expect(alarmNamed(s.templates.app, `${s.stackNames.app}-${label}-Fallbacks`)).toMatchObject({
        Namespace: metricNamespace(s.stackNames.app),
        MetricName: `${label}Fallbacks`,
        Statistic: 'Sum',
        Threshold: 5,
      })
    }
  })

  it('the filters match the lines the bundled shims really log when they fall back, and not their other lines', async () => {
    const closed = `http://127.0.0.1:${await freePort()}`
    const logged = async (name: 'connect' | 'lex', env: Record<string, string | undefined>, event: unknown) => {
      const lines: string[] = []
      const keep = (...args: unknown[]) => {
        lines.push(args.map(String).join(' '))
      }
      vi.spyOn(console, 'error').mockImplementation(keep)
      vi.spyOn(console, 'warn').mockImplementation(keep)
      vi.spyOn(console, 'log').mockImplementation(keep)
      const bundle = await bundleShim(name)
      try {
        const { handler } = await bundle.load(env)
        await (handler as (e: unknown) => Promise<unknown>)(event)
      } finally {
        bundle.remove()
        vi.restoreAllMocks()
      }
      return lines
    }
    const unreachable = { AUTH_SERVICE_URL: closed, AUTH_SERVICE_API_KEY: 'alarm-test-key-0123456789' }
    const misconfigured = { AUTH_SERVICE_URL: undefined, AUTH_SERVICE_API_KEY: 'alarm-test-key-0123456789' }
    for (const [name, label, event] of [
      ['connect', 'ConnectShim', connectEvent()],
      ['lex', 'LexShim', lexEvent({ intent: 'GetFoodMenu' })],
    ] as const) {
      const matches = textPatternMatcher(fallbackFilter(label).FilterPattern)
      for (const env of [unreachable, misconfigured]) {
        const lines = await logged(name, env, event)
        expect(lines.length, `${name} logs its fallback`).toBeGreaterThan(0)
        // As Lambda's text format writes them: time, request id, level, then the line. One fallback,
        // one counted line: a misconfigured shim's line at load is not a fallback (nor a cold start one).
        expect(
          lines.filter((line) => matches(`2026-12-01T00:00:00.000Z\tabc\tERROR\t${line}`)),
          lines.join('\n'),
        ).toHaveLength(1)
      }
      expect(matches('{"level":"info","msg":"request completed"}')).toBe(false)
    }
  })
})

describe('SMS through SNS', () => {
  it('failed SMS deliveries (direct publishes to phone numbers), and no spend alarm unless alarmSmsSpendUsd is given', () => {
    expect(alarmNamed(s.templates.app, `${s.stackNames.app}-SmsFailures`)).toMatchObject({
      Namespace: 'AWS/SNS',
      MetricName: 'NumberOfNotificationsFailed',
      Dimensions: [{ Name: 'PhoneNumber', Value: 'PhoneNumberDirect' }],
      Statistic: 'Sum',
      Threshold: 5,
    })
    expect(alarms(s.templates.app).filter((a) => a.Properties.MetricName === 'SMSMonthToDateSpentUSD')).toEqual([])
  })
})

describe('with alarmEmail, alarmSmsSpendUsd and Redis in cluster mode', () => {
  let v: Synthesized
  beforeAll(async () => {
    v = await synthesize({
      alarmEmail: 'oncall@example.com',
      alarmSmsSpendUsd: 80,
      redisClusterMode: true,
      redisNumNodeGroups: 2,
      redisReplicasPerNodeGroup: 2,
    })
  }, 240_000)
  afterAll(() => v?.remove())

  it('subscribes the address to the alarm topic', () => {
    const t = Template.fromJSON(v.templates.data)
    const topic = Object.keys(t.findResources('AWS::SNS::Topic'))[0]!
    t.resourceCountIs('AWS::SNS::Subscription', 1)
    t.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'oncall@example.com',
      TopicArn: { Ref: topic },
    })
  })

  it("alarms on the month's SMS spend at the given amount, and a period without data keeps its state", () => {
    expect(alarmNamed(v.templates.app, `${v.stackNames.app}-SmsSpend`)).toMatchObject({
      Namespace: 'AWS/SNS',
      MetricName: 'SMSMonthToDateSpentUSD',
      Statistic: 'Maximum',
      Threshold: 80,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      // A running total: a missing period must not send a false "cleared".
      TreatMissingData: 'ignore',
    })
  })

  it("one set of Redis alarms per shard, each over that shard's nodes (<group>-000S-00N)", () => {
    const group = Object.keys(
      Template.fromJSON(v.templates.data).findResources('AWS::ElastiCache::ReplicationGroup'),
    )[0]!
    for (const shard of [1, 2]) {
      const p = alarmNamed(v.templates.data, `${v.stackNames.data}-Redis-Shard${shard}-Evictions`)
      const ids = p.Metrics.filter((m: Json) => m.MetricStat).map((m: Json) => nodeIds(m, group))
      expect(ids).toEqual([1, 2, 3].map((node) => `<group>-000${shard}-00${node}`))
    }
    expect(alarms(v.templates.data).filter((a) => /-Redis-/.test(a.Properties.AlarmName))).toHaveLength(8)
  })
})

describe('settings', () => {
  const read = (extra: Record<string, unknown>) => {
    const context: Record<string, unknown> = { ...exampleContext(), ...extra }
    return readSettings((key) => context[key])
  }

  it('alarmEmail and alarmSmsSpendUsd are optional, read from -c strings too', () => {
    expect(read({}).alarms).toEqual({ email: undefined, smsSpendUsd: undefined })
    expect(read({ alarmEmail: 'ops@example.com', alarmSmsSpendUsd: '50' }).alarms).toEqual({
      email: 'ops@example.com',
      smsSpendUsd: 50,
    })
  })

  it('refuses a malformed address, a spend that is not a whole positive number, and a spend alarm without SNS SMS', () => {
    expect(() => read({ alarmEmail: 'not an address' })).toThrow(/context alarmEmail/)
    expect(() => read({ alarmSmsSpendUsd: 0 })).toThrow(/context alarmSmsSpendUsd/)
    expect(() => read({ alarmSmsSpendUsd: '12.5' })).toThrow(/context alarmSmsSpendUsd/)
    expect(() =>
      read({ alarmSmsSpendUsd: 50, smsProvider: 'eum', eumOriginationIdentity: `pool-${'0'.repeat(32)}` }),
    ).toThrow(/context alarmSmsSpendUsd: is used only with smsProvider sns/)
  })
})

/** The node a metric's only dimension (CacheClusterId) names, the replication group's id shown as <group>. */
function nodeIds(m: Json, group: string): string {
  const dims = m.MetricStat.Metric.Dimensions
  expect(dims).toHaveLength(1)
  expect(dims[0].Name).toBe('CacheClusterId')
  return joined(dims[0].Value, (v) => (v?.Ref === group ? '<group>' : JSON.stringify(v)))
}

function fallbackFilter(label: string): Json {
  const found = resources(s.templates.app, 'AWS::Logs::MetricFilter').filter((f) =>
    f.id.startsWith(`Alarms${label}FallbackFilter`),
  )
  expect(found).toHaveLength(1)
  return found[0]!.Properties
}

/**
 * CloudWatch Logs' matching for the text patterns the filters use: one quoted phrase ("a"), or
 * any of several (?"a" ?"b"); a phrase matches when it occurs in the event as written.
 */
function textPatternMatcher(pattern: string): (event: string) => boolean {
  const terms = [...pattern.matchAll(/\??"((?:[^"\\]|\\.)*)"/g)].map((m) => m[1]!.replace(/\\(.)/g, '$1'))
  const rebuilt = terms.length === 1 ? `"${terms[0]}"` : terms.map((t) => `?"${t}"`).join(' ')
  // Only the forms above: anything else would need CloudWatch's full grammar.
  expect(pattern.replace(/\\(.)/g, '$1')).toBe(rebuilt)
  return (event) => terms.some((t) => event.includes(t))
}
