// One validated configuration, read once at the edge (STYLE.md, Immich's "config read once").
// Sources, later wins: defaults < optional JSON file (TIERNET_CONFIG or --config) < environment
// < command-line flags. With nothing configured every backend is embedded.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { TiernetError } from '../app/errors.ts';

const topicName = Type.String({ pattern: '^[A-Za-z0-9._-]{1,200}$' });

export const configSchema = Type.Object(
  {
    server: Type.Object({
      host: Type.String({ default: '127.0.0.1', minLength: 1 }),
      port: Type.Integer({ minimum: 0, maximum: 65535, default: 8080 }),
    }),
    /** Where the embedded backends keep their files (SQLite database, event log). */
    dataDir: Type.String({ default: './var/data', minLength: 1 }),
    /** ISO-4217 code of the deployment currency; bets naming another are refused. */
    currency: Type.String({ pattern: '^[A-Z]{3}$', default: 'CNY' }),
    logLevel: Type.Union(
      ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((level) => Type.Literal(level)),
      { default: 'info' },
    ),
    /** Bearer token for the admin API. Required whenever a real backend is configured. */
    adminToken: Type.Optional(Type.String({ minLength: 16 })),
    mysql: Type.Optional(Type.Object({ url: Type.String({ pattern: '^mysql://' }) })),
    redis: Type.Optional(
      Type.Object({ url: Type.String({ pattern: '^rediss?://' }), keyPrefix: Type.String({ default: 'tiernet:' }) }),
    ),
    kafka: Type.Optional(
      Type.Object({
        brokers: Type.Array(Type.String({ pattern: '^[^\\s,]+:\\d+$' }), { minItems: 1 }),
        clientId: Type.String({ default: 'tiernet' }),
        groupId: Type.String({ default: 'tiernet' }),
        partitions: Type.Integer({ minimum: 1, maximum: 1024, default: 6 }),
        replicationFactor: Type.Integer({ minimum: 1, maximum: 7, default: 1 }),
      }),
    ),
    topics: Type.Object({
      users: topicName,
      bets: topicName,
      periods: topicName,
      vipChanges: topicName,
      groupChanges: topicName,
      settlements: topicName,
      dlq: topicName,
    }),
    ingest: Type.Object({
      maxBatchSize: Type.Integer({ minimum: 1, maximum: 50_000, default: 2_000 }),
    }),
    metrics: Type.Object({
      /** Rolling windows (days) available to ladders and group rules. */
      windowDays: Type.Array(Type.Integer({ minimum: 1, maximum: 3660 }), {
        minItems: 1,
        maxItems: 16,
        default: [1, 7, 30, 90],
      }),
    }),
    settlement: Type.Object({
      /** Quiet time after a period.closed before the automatic settlement runs. */
      debounceMs: Type.Integer({ minimum: 0, maximum: 3_600_000, default: 2_000 }),
      lockTtlMs: Type.Integer({ minimum: 1_000, maximum: 600_000, default: 30_000 }),
    }),
  },
  { additionalProperties: false },
);

export type Config = Static<typeof configSchema>;

const defaultTopics = {
  users: 'tiernet.users',
  bets: 'tiernet.bets',
  periods: 'tiernet.periods',
  vipChanges: 'tiernet.vip-changes',
  groupChanges: 'tiernet.group-changes',
  settlements: 'tiernet.settlements',
  dlq: 'tiernet.dlq',
};

/** Environment variable → config path. Only these are read; secrets come only from here. */
export const environmentKeys: Readonly<Record<string, { path: string; parse: 'string' | 'int' | 'list' | 'intList' }>> =
  {
    TIERNET_HOST: { path: 'server.host', parse: 'string' },
    TIERNET_PORT: { path: 'server.port', parse: 'int' },
    TIERNET_DATA_DIR: { path: 'dataDir', parse: 'string' },
    TIERNET_CURRENCY: { path: 'currency', parse: 'string' },
    TIERNET_LOG_LEVEL: { path: 'logLevel', parse: 'string' },
    TIERNET_ADMIN_TOKEN: { path: 'adminToken', parse: 'string' },
    TIERNET_MYSQL_URL: { path: 'mysql.url', parse: 'string' },
    TIERNET_REDIS_URL: { path: 'redis.url', parse: 'string' },
    TIERNET_REDIS_KEY_PREFIX: { path: 'redis.keyPrefix', parse: 'string' },
    TIERNET_KAFKA_BROKERS: { path: 'kafka.brokers', parse: 'list' },
    TIERNET_KAFKA_CLIENT_ID: { path: 'kafka.clientId', parse: 'string' },
    TIERNET_KAFKA_GROUP_ID: { path: 'kafka.groupId', parse: 'string' },
    TIERNET_KAFKA_PARTITIONS: { path: 'kafka.partitions', parse: 'int' },
    TIERNET_TOPIC_USERS: { path: 'topics.users', parse: 'string' },
    TIERNET_TOPIC_BETS: { path: 'topics.bets', parse: 'string' },
    TIERNET_TOPIC_PERIODS: { path: 'topics.periods', parse: 'string' },
    TIERNET_TOPIC_VIP_CHANGES: { path: 'topics.vipChanges', parse: 'string' },
    TIERNET_TOPIC_GROUP_CHANGES: { path: 'topics.groupChanges', parse: 'string' },
    TIERNET_TOPIC_SETTLEMENTS: { path: 'topics.settlements', parse: 'string' },
    TIERNET_TOPIC_DLQ: { path: 'topics.dlq', parse: 'string' },
    TIERNET_INGEST_MAX_BATCH: { path: 'ingest.maxBatchSize', parse: 'int' },
    TIERNET_METRIC_WINDOW_DAYS: { path: 'metrics.windowDays', parse: 'intList' },
    TIERNET_SETTLEMENT_DEBOUNCE_MS: { path: 'settlement.debounceMs', parse: 'int' },
    TIERNET_SETTLEMENT_LOCK_TTL_MS: { path: 'settlement.lockTtlMs', parse: 'int' },
  };

export interface ConfigSources {
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Path of a JSON config file; defaults to env.TIERNET_CONFIG. */
  readonly file?: string;
  /** Values from command-line flags, as config paths (e.g. {"server.port": 9000}). */
  readonly overrides?: Readonly<Record<string, unknown>>;
}

type Tree = Record<string, unknown>;

function setPath(tree: Tree, path: string, value: unknown): void {
  const keys = path.split('.');
  let node = tree;
  for (const key of keys.slice(0, -1)) {
    const next = node[key];
    if (typeof next !== 'object' || next === null) node[key] = {};
    node = node[key] as Tree;
  }
  node[keys[keys.length - 1] as string] = value;
}

function parseEnvValue(name: string, raw: string, parse: 'string' | 'int' | 'list' | 'intList'): unknown {
  switch (parse) {
    case 'string':
      return raw;
    case 'int': {
      if (!/^-?\d+$/.test(raw.trim())) throw configError(`${name} must be an integer, got "${raw}"`);
      return Number(raw.trim());
    }
    case 'list':
      return raw
        .split(',')
        .map((item) => item.trim())
        .filter((item) => item.length > 0);
    case 'intList':
      return raw.split(',').map((item) => {
        if (!/^\d+$/.test(item.trim()))
          throw configError(`${name} must be a comma-separated list of integers, got "${raw}"`);
        return Number(item.trim());
      });
  }
}

function configError(message: string): TiernetError {
  return new TiernetError('config_invalid', `invalid configuration: ${message}`);
}

function readConfigFile(path: string): Tree {
  let text: string;
  try {
    text = readFileSync(resolve(path), 'utf8');
  } catch (error) {
    throw new TiernetError('config_invalid', `invalid configuration: cannot read config file ${path}`, {
      cause: error,
    });
  }
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not an object');
    return parsed as Tree;
  } catch (error) {
    throw new TiernetError('config_invalid', `invalid configuration: ${path} is not a JSON object`, { cause: error });
  }
}

/** Builds and validates the configuration; throws TiernetError('config_invalid') naming the bad key. */
export function loadConfig(sources: ConfigSources): Config {
  const tree: Tree = { server: {}, topics: { ...defaultTopics }, ingest: {}, metrics: {}, settlement: {} };
  const file = sources.file ?? sources.env.TIERNET_CONFIG;
  if (file !== undefined && file !== '') {
    const fromFile = readConfigFile(file);
    for (const [key, value] of Object.entries(fromFile)) {
      const base = tree[key];
      tree[key] =
        typeof base === 'object' &&
        base !== null &&
        typeof value === 'object' &&
        value !== null &&
        !Array.isArray(value)
          ? { ...(base as Tree), ...(value as Tree) }
          : value;
    }
  }
  for (const [name, { path, parse }] of Object.entries(environmentKeys)) {
    const raw = sources.env[name];
    if (raw !== undefined && raw !== '') setPath(tree, path, parseEnvValue(name, raw, parse));
  }
  for (const [path, value] of Object.entries(sources.overrides ?? {})) {
    if (value !== undefined) setPath(tree, path, value);
  }
  const withDefaults = Value.Default(configSchema, tree);
  const firstError = Value.Errors(configSchema, withDefaults).First();
  if (firstError !== undefined) {
    const key = firstError.path.replace(/^\//, '').replaceAll('/', '.') || '(root)';
    const envName = Object.entries(environmentKeys).find(([, spec]) => spec.path === key.replace(/\.\d+$/, ''))?.[0];
    throw configError(`${key}${envName ? ` (${envName})` : ''}: ${firstError.message}`);
  }
  const config = withDefaults as Config;
  const usesRealBackend = config.mysql !== undefined || config.redis !== undefined || config.kafka !== undefined;
  if (usesRealBackend && config.adminToken === undefined) {
    throw configError(
      'adminToken (TIERNET_ADMIN_TOKEN) is required when a real backend (MySQL, Redis or Kafka) is configured',
    );
  }
  return config;
}

/** The backends a configuration selects; embedded wherever nothing is configured. */
export function backendsOf(config: Config): {
  store: 'mysql' | 'sqlite';
  cache: 'redis' | 'memory';
  log: 'kafka' | 'memory';
} {
  return {
    store: config.mysql ? 'mysql' : 'sqlite',
    cache: config.redis ? 'redis' : 'memory',
    log: config.kafka ? 'kafka' : 'memory',
  };
}

/** The configuration with secrets masked, safe to log or print. */
export function redactConfig(config: Config): unknown {
  // The user name may be empty (redis://:password@host is how a Redis password alone is
  // given): such a password was logged in full by a pattern that wanted a user name first.
  const maskUrl = (url: string): string => url.replace(/\/\/([^:@/]*):([^@/]*)@/, '//$1:***@');
  return {
    ...config,
    adminToken: config.adminToken === undefined ? undefined : '***',
    mysql: config.mysql && { url: maskUrl(config.mysql.url) },
    redis: config.redis && { ...config.redis, url: maskUrl(config.redis.url) },
  };
}
