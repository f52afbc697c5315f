// Shared pieces of the end-to-end tests that run the whole service: a bounded wait on a
// condition (never a fixed sleep), and the environment naming every topic under a test
// file's own prefix.
export async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Every topic tiernet reads or writes, named under `prefix`. */
export function prefixedTopics(prefix: string) {
  return {
    users: `${prefix}users`,
    bets: `${prefix}bets`,
    periods: `${prefix}periods`,
    vipChanges: `${prefix}vip-changes`,
    groupChanges: `${prefix}group-changes`,
    settlements: `${prefix}settlements`,
    dlq: `${prefix}dlq`,
  };
}

/** The TIERNET_TOPIC_* variables for prefixedTopics(prefix). */
export function topicEnv(prefix: string): Record<string, string> {
  const topics = prefixedTopics(prefix);
  return {
    TIERNET_TOPIC_USERS: topics.users,
    TIERNET_TOPIC_BETS: topics.bets,
    TIERNET_TOPIC_PERIODS: topics.periods,
    TIERNET_TOPIC_VIP_CHANGES: topics.vipChanges,
    TIERNET_TOPIC_GROUP_CHANGES: topics.groupChanges,
    TIERNET_TOPIC_SETTLEMENTS: topics.settlements,
    TIERNET_TOPIC_DLQ: topics.dlq,
  };
}

/** MariaDB + Redis + Kafka for one test file: its database, Redis key prefix, topic prefix and consumer group. */
export function realBackendEnv(options: {
  readonly databaseUrl: string;
  readonly redisUrl: string;
  readonly redisPrefix: string;
  readonly kafkaBrokers: readonly string[];
  readonly topicPrefix: string;
  readonly adminToken: string;
}): Record<string, string> {
  return {
    TIERNET_MYSQL_URL: options.databaseUrl,
    TIERNET_REDIS_URL: options.redisUrl,
    TIERNET_REDIS_KEY_PREFIX: options.redisPrefix,
    TIERNET_KAFKA_BROKERS: options.kafkaBrokers.join(','),
    TIERNET_KAFKA_GROUP_ID: `${options.topicPrefix}group`,
    TIERNET_KAFKA_PARTITIONS: '3',
    TIERNET_ADMIN_TOKEN: options.adminToken,
    ...topicEnv(options.topicPrefix),
  };
}
