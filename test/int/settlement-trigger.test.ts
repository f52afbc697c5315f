// The automatic settlement through the running service (openRuntime + startService): on the
// real stack, events arrive on Kafka, ingest applies them into MariaDB, each period.closed
// notifies the debounced trigger, one settlement runs under the Redis lock once the closes
// have gone quiet, and settlement.committed reaches the settlements topic on Kafka through
// the outbox relay with DESIGN §2's shape. The embedded stack (SQLite, in-memory lock and
// in-process log, events through POST /v1/events) behaves the same.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import type { EventConsumer, EventLog } from '../../src/app/ports/event-log.ts';
import { createKafkaEventLog } from '../../src/adapters/kafka/kafka-event-log.ts';
import { loadConfig } from '../../src/config/config.ts';
import { openRuntime, type Runtime } from '../../src/main/runtime.ts';
import { startService, type RunningService } from '../../src/main/service.ts';
import { createTestDatabase, type TestDatabase } from '../support/mysql.ts';
import { deleteKafkaTestNames, kafkaBrokers, requireKafka, uniqueTopicPrefix } from '../support/kafka.ts';
import { deleteKeysUnderPrefix, redisUrl, uniqueKeyPrefix } from '../support/redis.ts';

const token = 'settlement-trigger-test-token';
const debounceMs = 1_500;
const t0 = Date.UTC(2026, 10, 25, 8);

async function eventually<T>(probe: () => Promise<T | undefined>, what: string, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const events = {
  users: [
    { type: 'user.registered', userId: '1', rebateRate: '0.1', registeredAt: t0 },
    { type: 'user.registered', userId: '2', parentId: '1', rebateRate: '0.05', registeredAt: t0 },
  ],
  bets: [
    { type: 'bet.placed', betId: '1', userId: '2', gameId: 'ssc', periodId: 'p1', amount: '100', placedAt: t0 + 1_000 },
    { type: 'bet.placed', betId: '2', userId: '2', gameId: 'ssc', periodId: 'p2', amount: '50', placedAt: t0 + 2_000 },
  ],
  closes: [
    { type: 'period.closed', gameId: 'ssc', periodId: 'p1', closedAt: t0 + 60_000 },
    { type: 'period.closed', gameId: 'ssc', periodId: 'p2', closedAt: t0 + 60_000 },
  ],
};

interface Stack {
  readonly runtime: Runtime;
  readonly service: RunningService;
  /** settlement.committed payloads seen on the settlements topic. */
  readonly committed: Record<string, unknown>[];
  /** Delivers events the way this stack receives them. */
  deliver(kind: 'users' | 'bets' | 'closes', items: readonly Record<string, unknown>[]): Promise<void>;
  close(): Promise<void>;
}

async function observe(
  log: EventLog,
  topic: string,
  groupId: string,
  into: Record<string, unknown>[],
): Promise<EventConsumer> {
  const observer = log.consumer({ groupId, topics: [topic], maxBatchSize: 100, fromBeginning: true });
  await observer.start(async (batch) => {
    for (const message of batch.messages) into.push(JSON.parse(message.value ?? 'null') as Record<string, unknown>);
  });
  return observer;
}

async function openEmbedded(): Promise<Stack> {
  const dataDir = mkdtempSync(join(tmpdir(), 'tiernet-settlement-trigger-'));
  const config = loadConfig({
    env: { TIERNET_DATA_DIR: dataDir, TIERNET_PORT: '0', TIERNET_SETTLEMENT_DEBOUNCE_MS: String(debounceMs) },
  });
  const runtime = await openRuntime(config, pino({ level: 'silent' }));
  await runtime.migrate();
  const service = await startService(runtime, { version: 'test', reviewIntervalMs: 60_000 });
  const committed: Record<string, unknown>[] = [];
  const observer = await observe(runtime.eventLog, config.topics.settlements, 'observer', committed);
  return {
    runtime,
    service,
    committed,
    async deliver(_kind, items) {
      const response = await service.app.inject({ method: 'POST', url: '/v1/events', payload: { events: items } });
      assert.equal(response.statusCode, 200, response.body);
    },
    async close() {
      await observer.stop();
      await service.stop();
      await runtime.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

async function openReal(): Promise<Stack> {
  await requireKafka();
  const database: TestDatabase = await createTestDatabase('settlement_trigger');
  const dataDir = mkdtempSync(join(tmpdir(), 'tiernet-settlement-trigger-'));
  const redisPrefix = uniqueKeyPrefix('settlement-trigger');
  const prefix = uniqueTopicPrefix('settlement-trigger');
  const topics = {
    users: `${prefix}users`,
    bets: `${prefix}bets`,
    periods: `${prefix}periods`,
    settlements: `${prefix}settlements`,
  };
  const config = loadConfig({
    env: {
      TIERNET_MYSQL_URL: database.url,
      TIERNET_REDIS_URL: redisUrl(),
      TIERNET_REDIS_KEY_PREFIX: redisPrefix,
      TIERNET_KAFKA_BROKERS: kafkaBrokers().join(','),
      TIERNET_KAFKA_GROUP_ID: `${prefix}group`,
      TIERNET_KAFKA_PARTITIONS: '3',
      TIERNET_ADMIN_TOKEN: token,
      TIERNET_DATA_DIR: dataDir,
      TIERNET_PORT: '0',
      TIERNET_SETTLEMENT_DEBOUNCE_MS: String(debounceMs),
      TIERNET_TOPIC_USERS: topics.users,
      TIERNET_TOPIC_BETS: topics.bets,
      TIERNET_TOPIC_PERIODS: topics.periods,
      TIERNET_TOPIC_VIP_CHANGES: `${prefix}vip-changes`,
      TIERNET_TOPIC_GROUP_CHANGES: `${prefix}group-changes`,
      TIERNET_TOPIC_SETTLEMENTS: topics.settlements,
      TIERNET_TOPIC_DLQ: `${prefix}dlq`,
    },
  });
  const runtime = await openRuntime(config, pino({ level: 'silent' }));
  await runtime.migrate();
  const service = await startService(runtime, { version: 'test', reviewIntervalMs: 60_000 });
  const log = createKafkaEventLog({ brokers: kafkaBrokers(), clientId: `${prefix}platform` });
  const producer = log.producer();
  const committed: Record<string, unknown>[] = [];
  const observer = await observe(log, topics.settlements, `${prefix}observer`, committed);
  const topicOf = { users: topics.users, bets: topics.bets, closes: topics.periods } as const;
  return {
    runtime,
    service,
    committed,
    async deliver(kind, items) {
      await producer.send(
        items.map((item) => ({
          topic: topicOf[kind],
          key: String(item['userId'] ?? item['gameId']),
          value: JSON.stringify(item),
        })),
      );
    },
    async close() {
      await observer.stop();
      await log.close();
      await service.stop();
      await runtime.close();
      await database.drop();
      rmSync(dataDir, { recursive: true, force: true });
      await deleteKeysUnderPrefix(redisPrefix);
      await deleteKafkaTestNames(prefix);
    },
  };
}

for (const [name, open] of [
  ['embedded (SQLite, memory lock, in-process log)', openEmbedded],
  ['Kafka + MariaDB + Redis', openReal],
] as const) {
  describe(`automatic settlement after period.closed: ${name}`, () => {
    let stack: Stack;
    before(async () => {
      stack = await open();
    });
    after(async () => stack?.close());

    test('closes within the quiet time are settled together, once, and settlement.committed goes out', async () => {
      // Parents first, each applied before the next: users travel on several partitions, and
      // a child registered before its parent makes the parent a placeholder for a while.
      for (const user of events.users) {
        await stack.deliver('users', [user]);
        await eventually(
          async () =>
            (await stack.runtime.store.users.getMany([String(user['userId'])])).get(String(user['userId']))
              ?.placeholder === false
              ? true
              : undefined,
          `user ${String(user['userId'])} to be registered`,
        );
      }
      await stack.deliver('bets', events.bets);
      await eventually(
        async () => ((await stack.runtime.store.bets.getMany(['1', '2'])).size === 2 ? true : undefined),
        'the bets to be applied',
      );

      await stack.deliver('closes', [events.closes[0]!]);
      await new Promise((resolve) => setTimeout(resolve, 100));
      await stack.deliver('closes', [events.closes[1]!]);

      const settled = await eventually(async () => {
        const page = await stack.runtime.settlement.settlements.list(null, 10);
        const committed = page.items.filter((item) => item.status === 'committed');
        const periods = committed.flatMap((item) => item.periods.map((period) => period.periodId)).sort();
        return periods.join(',') === 'p1,p2' ? committed : undefined;
      }, 'both periods to be settled');
      assert.equal(settled.length, 1, 'one settlement for both closes (debounced)');
      assert.equal(settled[0]!.totalRebateMinor, 150_000n, '10% of 150');

      const event = await eventually(
        async () => stack.committed.find((payload) => payload['settlementId'] === settled[0]!.settlementId),
        'settlement.committed on the settlements topic',
      );
      assert.deepEqual(
        { ...event, at: typeof event['at'] },
        {
          type: 'settlement.committed',
          settlementId: settled[0]!.settlementId,
          periods: settled[0]!.periods,
          beneficiaries: 2,
          totalRebate: '15.0000',
          at: 'string',
        },
      );
      await new Promise((resolve) => setTimeout(resolve, debounceMs * 2));
      assert.equal(stack.committed.length, 1, 'no second settlement, no second event');
    });
  });
}
