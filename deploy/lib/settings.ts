// The deploy app's settings: CDK context values (cdk.json, -c key=value, or a JSON file named by
// the `config` context key), typed and checked before any resource is made. A bad value fails
// the synth with a message naming the key.
import { snsSendDeadlineMs } from '../../services/auth/src/adapters/sms/send-deadline.ts'
import {
  API_KEY_VARIABLE,
  CONFIG_VARIABLES,
  loadConfig,
  type Config,
  type ConfigVariable,
} from '../../services/auth/src/config.ts'
import { DEFAULT_TIMEOUT_MS } from '../../shims/lib/timeouts.ts'
import { APP_SET_VARIABLES } from './constructs/service.ts'

export interface Settings {
  /** Target account and region: explicit, so synth needs no credentials and makes no lookups. */
  account: string
  region: string
  /** Prefix of the stack names (two apps in one account need different ones). */
  stackPrefix: string
  /** Use this VPC (looked up at synth, which then needs credentials) instead of creating one. */
  vpcId: string | undefined
  /** Availability zones the created VPC spans (2 or 3): named, so synth looks nothing up. */
  availabilityZones: string[] | undefined
  redis: {
    /** Redis Cluster (cluster mode enabled, sharded); the service then runs with REDIS_MODE=cluster. */
    clusterMode: boolean
    /** Shards when clusterMode is on. */
    numNodeGroups: number
    /**
     * Replicas per primary (at least 1: Multi-AZ with automatic failover needs one). Each approval
     * waits for one replica (REDIS_MIN_REPLICAS_ACK=1): with 2, one replica lost (a failover, an
     * AZ outage, a node replaced) leaves verifies and sends running; with 1 they stop (503) until it is back.
     */
    replicasPerNodeGroup: number
    nodeType: string
    /** Weekly maintenance window (UTC, ddd:hh24:mi-ddd:hh24:mi): patches and minor version upgrades happen only then. */
    maintenanceWindow: string
  }
  service: {
    desiredCount: number
    maxCount: number
    /** Fargate task size (CPU units, MiB). */
    cpu: number
    memoryMiB: number
    /** Service settings (README's configuration table) besides those the app sets itself. */
    environment: Partial<Record<ConfigVariable, string>>
    /** Networks (bastion, VPN) allowed to reach the internal load balancer, besides the shims. */
    operatorCidrs: string[]
  }
  logRetentionDays: number
  /** Alarm notifications: an e-mail address subscribed to the alarm topic, and the month's SMS spend (USD) that alarms. */
  alarms: { email: string | undefined; smsSpendUsd: number | undefined }
  /** Amazon Connect: the instance to wire the shim and the contact flow into, and the flow's queue. */
  connect: { instanceArn: string; queueArn: string } | undefined
  /** Verification events to EventBridge: a bus the app creates, or an existing one (name or ARN). */
  events: { eventBus: 'create' | string } | undefined
  /** How PINs are sent: SMS through SNS or End User Messaging, calls through End User Messaging. */
  messaging: {
    smsProvider: 'sns' | 'eum'
    eum: {
      /** SMS origination identity: a phone number id, pool id, or a phone number / pool / sender ID ARN (required with smsProvider eum). */
      originationIdentity: string | undefined
      /** Configuration set name, and protect configuration id: SMS and calls both use them. */
      configurationSet: string | undefined
      protectConfigurationId: string | undefined
    }
    /** Voice PINs (VOICE_PROVIDER=eum) from this voice-capable phone number or pool (id or ARN); unset: no calls. */
    voiceOriginationIdentity: string | undefined
  }
}

// The variables the app sets itself: service.ts makes the task's environment from the same table.
export { APP_SET_VARIABLES }

const DEFAULTS = {
  stackPrefix: 'Pinline',
  redisClusterMode: false,
  redisNumNodeGroups: 2,
  redisReplicasPerNodeGroup: 2,
  redisNodeType: 'cache.t4g.small',
  // Sunday 18:00-19:00 UTC: Monday 03:00 in Tokyo, a quiet hour for a Japanese contact centre.
  redisMaintenanceWindow: 'sun:18:00-sun:19:00',
  serviceDesiredCount: 2,
  serviceMaxCount: 6,
  serviceCpu: 512,
  serviceMemoryMiB: 1024,
  logRetentionDays: 30,
}

/** The context keys, as documented in docs/deploy.md. */
export const CONTEXT_KEYS = [
  'account',
  'region',
  'stackPrefix',
  'vpcId',
  'availabilityZones',
  'redisClusterMode',
  'redisNumNodeGroups',
  'redisReplicasPerNodeGroup',
  'redisNodeType',
  'redisMaintenanceWindow',
  'serviceDesiredCount',
  'serviceMaxCount',
  'serviceCpu',
  'serviceMemoryMiB',
  'serviceEnvironment',
  'operatorCidrs',
  'logRetentionDays',
  'alarmEmail',
  'alarmSmsSpendUsd',
  'connectInstanceArn',
  'connectQueueArn',
  'eventBus',
  'smsProvider',
  'eumOriginationIdentity',
  'eumConfigurationSet',
  'eumProtectConfigurationId',
  'voiceOriginationIdentity',
] as const

/** Keys of a context file that are not settings (a typo would otherwise be ignored silently). */
export function unknownContextKeys(file: Record<string, unknown>): string[] {
  return Object.keys(file).filter((key) => !(CONTEXT_KEYS as readonly string[]).includes(key))
}

export class SettingsError extends Error {
  override name = 'SettingsError'
}

/** Reads the settings from context values (as `app.node.tryGetContext` returns them: strings from -c, or JSON values). */
export function readSettings(get: (key: string) => unknown): Settings {
  const bad = (key: string, why: string) => new SettingsError(`context ${key}: ${why}`)
  const str = (key: string, pattern: RegExp, fallback?: string): string => {
    const v = get(key) ?? fallback
    if (typeof v !== 'string' || !pattern.test(v)) throw bad(key, `must match ${pattern}`)
    return v
  }
  const optional = (key: string, pattern: RegExp): string | undefined =>
    get(key) === undefined || get(key) === '' ? undefined : str(key, pattern)
  const int = (key: string, min: number, max: number, fallback: number): number => {
    const raw = get(key) ?? fallback
    const v = typeof raw === 'string' ? Number(raw) : raw
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max)
      throw bad(key, `must be an integer from ${min} to ${max}`)
    return v
  }
  const bool = (key: string, fallback: boolean): boolean => {
    const v = get(key) ?? fallback
    if (v === true || v === 'true') return true
    if (v === false || v === 'false') return false
    throw bad(key, 'must be true or false')
  }

  const account = str('account', /^[0-9]{12}$/)
  const region = str('region', /^[a-z]{2}(-[a-z]+)+-[0-9]$/)
  const instanceArn = optional(
    'connectInstanceArn',
    /^arn:aws[a-z-]*:connect:[a-z0-9-]+:[0-9]{12}:instance\/[0-9a-f-]{36}$/,
  )
  const queueArn = optional(
    'connectQueueArn',
    /^arn:aws[a-z-]*:connect:[a-z0-9-]+:[0-9]{12}:instance\/[0-9a-f-]{36}\/queue\/[0-9a-f-]{36}$/,
  )
  if (instanceArn && !queueArn)
    throw bad('connectQueueArn', 'is required with connectInstanceArn (the queue the contact flow transfers to)')
  if (queueArn && instanceArn && !queueArn.startsWith(`${instanceArn}/`))
    throw bad('connectQueueArn', 'must be a queue of connectInstanceArn')
  if (instanceArn && !instanceArn.includes(`:${region}:${account}:`))
    throw bad('connectInstanceArn', 'must be in the account and region deployed to')

  // End User Messaging resources: ids of this account and region, or ARNs in this region (a pool may be shared from another account).
  const eumArnOf = (types: string) =>
    new RegExp(`^arn:aws[a-z-]*:sms-voice:${region}:[0-9]{12}:(${types})/[A-Za-z0-9_./-]{1,128}$`)
  const smsIdentity = /^(phone-[0-9a-f]{32}|pool-[0-9a-f]{32})$/
  const smsProvider = str('smsProvider', /^(sns|eum)$/, 'sns') as 'sns' | 'eum'
  const eumOrigination = optional(
    'eumOriginationIdentity',
    new RegExp(`${smsIdentity.source}|${eumArnOf('phone-number|pool|sender-id').source}`),
  )
  if (smsProvider === 'eum' && !eumOrigination)
    throw bad('eumOriginationIdentity', 'is required with smsProvider eum (the task role may send only from it)')
  if (smsProvider !== 'eum' && eumOrigination) throw bad('eumOriginationIdentity', 'is used only with smsProvider eum')
  const messaging: Settings['messaging'] = {
    smsProvider,
    eum: {
      originationIdentity: eumOrigination,
      configurationSet: optional('eumConfigurationSet', /^[A-Za-z0-9_-]{1,64}$/),
      protectConfigurationId: optional('eumProtectConfigurationId', /^protect-[0-9a-f]{32}$/),
    },
    voiceOriginationIdentity: optional(
      'voiceOriginationIdentity',
      new RegExp(`${smsIdentity.source}|${eumArnOf('phone-number|pool').source}`),
    ),
  }
  const eventBus = optional(
    'eventBus',
    new RegExp(
      `^(create|[A-Za-z0-9._/-]{1,256}|arn:aws[a-z-]*:events:${region}:[0-9]{12}:event-bus/[A-Za-z0-9._/-]{1,256})$`,
    ),
  )
  // SNS publishes the month's SMS spend as a metric; End User Messaging does not.
  const spend = get('alarmSmsSpendUsd')
  const smsSpendUsd = spend === undefined || spend === '' ? undefined : int('alarmSmsSpendUsd', 1, 1_000_000, 0)
  if (smsSpendUsd !== undefined && smsProvider !== 'sns')
    throw bad('alarmSmsSpendUsd', "is used only with smsProvider sns (the spend metric is SNS's)")

  const clusterMode = bool('redisClusterMode', DEFAULTS.redisClusterMode)
  const desiredCount = int('serviceDesiredCount', 2, 100, DEFAULTS.serviceDesiredCount)
  const settings: Settings = {
    account,
    region,
    stackPrefix: str('stackPrefix', /^[A-Z][A-Za-z0-9]{0,30}$/, DEFAULTS.stackPrefix),
    vpcId: optional('vpcId', /^vpc-[0-9a-f]{8,17}$/),
    availabilityZones: zones(get('availabilityZones'), region),
    redis: {
      clusterMode,
      numNodeGroups: clusterMode ? int('redisNumNodeGroups', 1, 90, DEFAULTS.redisNumNodeGroups) : 1,
      replicasPerNodeGroup: int('redisReplicasPerNodeGroup', 1, 5, DEFAULTS.redisReplicasPerNodeGroup),
      nodeType: str('redisNodeType', /^cache\.[a-z0-9]+\.[a-z0-9]+$/, DEFAULTS.redisNodeType),
      maintenanceWindow: maintenanceWindow(
        str('redisMaintenanceWindow', MAINTENANCE_WINDOW, DEFAULTS.redisMaintenanceWindow),
      ),
    },
    service: {
      desiredCount,
      maxCount: int('serviceMaxCount', desiredCount, 100, Math.max(desiredCount, DEFAULTS.serviceMaxCount)),
      cpu: int('serviceCpu', 256, 16384, DEFAULTS.serviceCpu),
      memoryMiB: int('serviceMemoryMiB', 512, 122880, DEFAULTS.serviceMemoryMiB),
      environment: serviceEnvironment(get('serviceEnvironment'), messagingEnvironment(messaging)),
      operatorCidrs: cidrs(get('operatorCidrs')),
    },
    logRetentionDays: int('logRetentionDays', 1, 3653, DEFAULTS.logRetentionDays),
    alarms: {
      email: optional('alarmEmail', /^[^\s@"]+@[^\s@"]+\.[^\s@"]+$/),
      smsSpendUsd,
    },
    connect: instanceArn && queueArn ? { instanceArn, queueArn } : undefined,
    events: eventBus ? { eventBus } : undefined,
    messaging,
  }
  return settings
}

const MAINTENANCE_WINDOW =
  /^(sun|mon|tue|wed|thu|fri|sat):([01]\d|2[0-3]):[0-5]\d-(sun|mon|tue|wed|thu|fri|sat):([01]\d|2[0-3]):[0-5]\d$/

/** redisMaintenanceWindow: ElastiCache wants at least 60 minutes, at most 24 hours. */
function maintenanceWindow(window: string): string {
  const days = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat']
  const minute = (at: string) => {
    const [day, h, m] = at.split(':') as [string, string, string]
    return days.indexOf(day) * 1440 + Number(h) * 60 + Number(m)
  }
  const [from, to] = window.split('-') as [string, string]
  const length = (minute(to) - minute(from) + 7 * 1440) % (7 * 1440)
  if (length < 60 || length > 1440)
    throw new SettingsError('context redisMaintenanceWindow: must last from 60 minutes to 24 hours (UTC)')
  return window
}

/** operatorCidrs: IPv4 networks, e.g. ["10.0.0.0/16"]; never the whole internet. */
function cidrs(raw: unknown): string[] {
  if (raw === undefined) return []
  const list =
    typeof raw === 'string'
      ? raw
          .split(',')
          .map((c) => c.trim())
          .filter(Boolean)
      : raw
  const ok = (c: unknown) =>
    typeof c === 'string' && /^(\d{1,3}\.){3}\d{1,3}\/(\d|[12]\d|3[0-2])$/.test(c) && !c.endsWith('/0')
  if (!Array.isArray(list) || !list.every(ok))
    throw new SettingsError(
      'context operatorCidrs: must be IPv4 networks such as ["10.0.0.0/16"] (not /0: the load balancer is internal)',
    )
  return list as string[]
}

/** availabilityZones: two or three zones of the region; unset = looked up at synth (needs credentials). */
function zones(raw: unknown, region: string): string[] | undefined {
  if (raw === undefined) return undefined
  const list = typeof raw === 'string' ? raw.split(',').map((z) => z.trim()) : raw
  if (
    !Array.isArray(list) ||
    list.length < 2 ||
    list.length > 3 ||
    !list.every((z) => typeof z === 'string' && new RegExp(`^${region}[a-z]$`).test(z)) ||
    new Set(list).size !== list.length
  ) {
    throw new SettingsError(
      `context availabilityZones: must be 2 or 3 different zones of ${region}, e.g. ["${region}a", "${region}c"]`,
    )
  }
  return list as string[]
}

/**
 * serviceEnvironment: extra service variables. Each must be one the service reads, not one the
 * app sets, and together they must pass the service's own validation (as in production).
 */
function serviceEnvironment(
  raw: unknown,
  appSet: Partial<Record<ConfigVariable, string>>,
): Partial<Record<ConfigVariable, string>> {
  const value = typeof raw === 'string' ? (JSON.parse(raw) as unknown) : (raw ?? {})
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new SettingsError('context serviceEnvironment: must be an object of variable: value')
  const env: Partial<Record<ConfigVariable, string>> = {}
  for (const [name, v] of Object.entries(value)) {
    if (!(CONFIG_VARIABLES as string[]).includes(name) || API_KEY_VARIABLE.test(name))
      throw new SettingsError(`context serviceEnvironment: ${name} is not a variable the service reads`)
    if ((APP_SET_VARIABLES as readonly string[]).includes(name))
      throw new SettingsError(`context serviceEnvironment: ${name} is set by the deploy app`)
    if (typeof v !== 'string') throw new SettingsError(`context serviceEnvironment: ${name} must be a string`)
    env[name as ConfigVariable] = v
  }
  let config: Config
  try {
    config = loadConfig({
      ...env,
      ...appSet,
      NODE_ENV: 'production',
      API_KEYS: 'synth-check-key-0000000000',
      PIN_HMAC_SECRET: 'synth-check-secret-0000000000000000',
      ASSERTION_SIGNING_SEED: 'synth-check-seed-000000000000000000000000',
    })
  } catch (err) {
    throw new SettingsError(`context serviceEnvironment: ${(err as Error).message}`)
  }
  checkSendFitsShims(config)
  return env
}

/**
 * A PIN request sends its SMS (or call) before it answers: the send's deadline plus the wait for a
 * replica must end before each shim stops waiting for the service (AUTH_SERVICE_TIMEOUT_MS), or
 * the caller hears "we cannot verify" while the SMS still arrives.
 */
// What a PIN request needs besides the send and the replica wait: the hop from the shim through
// the load balancer to a task and back, and the request's Redis round trips before the send.
const REQUEST_MARGIN_MS = 500

function checkSendFitsShims(config: Config): void {
  const sendMs = snsSendDeadlineMs(config.sms)
  const waitMs = config.redis.replicaAckTimeoutMs
  for (const [shim, timeoutMs] of Object.entries(DEFAULT_TIMEOUT_MS)) {
    if (sendMs + waitMs + REQUEST_MARGIN_MS <= timeoutMs) continue
    throw new SettingsError(
      `context serviceEnvironment: a PIN send may take ${sendMs} ms (SMS_TIMEOUT_MS ${config.sms.timeoutMs} × SMS_MAX_ATTEMPTS ${config.sms.maxAttempts} plus the retries' backoff) and the replica wait ${waitMs} ms (REDIS_REPLICA_ACK_TIMEOUT_MS), with ${REQUEST_MARGIN_MS} ms for the rest of the request, do not fit in the ${shim} shim's ${timeoutMs} ms (its AUTH_SERVICE_TIMEOUT_MS): the caller would hear the fallback while the PIN still arrives. Lower SMS_TIMEOUT_MS or SMS_MAX_ATTEMPTS (e.g. SMS_TIMEOUT_MS=1500 and SMS_MAX_ATTEMPTS=1)`,
    )
  }
}

/** The messaging variables the app sets from its settings (so serviceEnvironment is checked with them, e.g. LEX_PIN_CHANNEL=voice). */
function messagingEnvironment(m: Settings['messaging']): Partial<Record<ConfigVariable, string>> {
  return {
    SMS_PROVIDER: m.smsProvider,
    ...(m.eum.originationIdentity ? { EUM_ORIGINATION_IDENTITY: m.eum.originationIdentity } : {}),
    ...(m.voiceOriginationIdentity
      ? { VOICE_PROVIDER: 'eum', VOICE_ORIGINATION_IDENTITY: m.voiceOriginationIdentity }
      : {}),
  }
}
