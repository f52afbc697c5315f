// The real services a benchmark runs against (MariaDB, Redis, Kafka), each isolated under a
// fresh database, key prefix and topic prefix, and removed afterwards.
import { randomBytes } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { createConnection } from 'mysql2/promise';
import { pino } from 'pino';
import { loadConfig, type Config } from '../config/config.ts';
import { openRuntime, type Runtime } from '../main/runtime.ts';
import { closeRedisClient, createRedisClient, deleteOwnKeys } from '../adapters/redis/client.ts';

export interface BenchServices {
  readonly mysqlServerUrl: string;
  readonly redisUrl: string;
  readonly kafkaBrokers: string;
}

export function benchServices(env: Readonly<Record<string, string | undefined>>): BenchServices {
  return {
    mysqlServerUrl: env.TIERNET_BENCH_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306',
    redisUrl: env.TIERNET_BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379',
    kafkaBrokers: env.TIERNET_BENCH_KAFKA_BROKERS ?? '127.0.0.1:9092',
  };
}

export interface BenchStack {
  readonly name: string;
  readonly databaseUrl: string;
  readonly config: Config;
  readonly runtime: Runtime;
  dispose(): Promise<void>;
}

async function adminQuery(serverUrl: string, statement: string): Promise<void> {
  const connection = await createConnection({ uri: serverUrl });
  try {
    await connection.query(statement);
  } finally {
    await connection.end();
  }
}

/** A runtime on its own database, Redis prefix and topics, migrated and ready. */
export async function openBenchStack(
  services: BenchServices,
  label: string,
  overrides: Record<string, string> = {},
): Promise<BenchStack> {
  const name = `bench_${label}_${randomBytes(3).toString('hex')}`;
  await adminQuery(services.mysqlServerUrl, `CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`);
  const prefix = `${name}.`;
  const databaseUrl = `${services.mysqlServerUrl.replace(/\/$/, '')}/${name}`;
  const config = loadConfig({
    env: {
      TIERNET_MYSQL_URL: databaseUrl,
      TIERNET_REDIS_URL: services.redisUrl,
      TIERNET_REDIS_KEY_PREFIX: `${prefix}`,
      TIERNET_KAFKA_BROKERS: services.kafkaBrokers,
      TIERNET_KAFKA_GROUP_ID: `${prefix}group`,
      TIERNET_KAFKA_PARTITIONS: '3',
      TIERNET_ADMIN_TOKEN: 'bench-token-0123456789',
      TIERNET_PORT: '0',
      TIERNET_TOPIC_USERS: `${prefix}users`,
      TIERNET_TOPIC_BETS: `${prefix}bets`,
      TIERNET_TOPIC_PERIODS: `${prefix}periods`,
      TIERNET_TOPIC_VIP_CHANGES: `${prefix}vip-changes`,
      TIERNET_TOPIC_GROUP_CHANGES: `${prefix}group-changes`,
      TIERNET_TOPIC_SETTLEMENTS: `${prefix}settlements`,
      TIERNET_TOPIC_DLQ: `${prefix}dlq`,
      ...overrides,
    },
  });
  const runtime = await openRuntime(config, pino({ level: 'warn' }, pino.destination(2)));
  await runtime.migrate();
  return {
    name,
    databaseUrl,
    config,
    runtime,
    async dispose() {
      await runtime.close();
      await adminQuery(services.mysqlServerUrl, `DROP DATABASE IF EXISTS \`${name}\``);
      await deleteTopics(services.kafkaBrokers, prefix);
      await deleteRedisKeys(services.redisUrl, prefix);
    },
  };
}

/** Removes a benchmark's Redis keys (cache entries, lock and fence keys) under its own prefix. */
export async function deleteRedisKeys(redisUrl: string, keyPrefix: string): Promise<void> {
  const client = await createRedisClient(redisUrl, { keyPrefix });
  try {
    await deleteOwnKeys(client);
  } finally {
    await closeRedisClient(client);
  }
}

async function deleteTopics(brokers: string, prefix: string): Promise<void> {
  const admin = new Kafka({
    clientId: 'tiernet-bench-cleanup',
    brokers: brokers.split(','),
    logLevel: logLevel.NOTHING,
  }).admin();
  await admin.connect();
  try {
    const topics = (await admin.listTopics()).filter((topic) => topic.startsWith(prefix));
    if (topics.length > 0) await admin.deleteTopics({ topics, timeout: 30_000 });
    const groups = (await admin.listGroups()).groups
      .map((group) => group.groupId)
      .filter((group) => group.startsWith(prefix));
    if (groups.length > 0) await admin.deleteGroups(groups).catch(() => undefined);
  } finally {
    await admin.disconnect();
  }
}
