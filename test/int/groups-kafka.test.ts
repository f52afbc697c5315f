// End to end on the real stack (Kafka, MariaDB, Redis), the service `tiernet serve` runs:
// groups are defined through the admin API, platform events on Kafka flip dynamic membership
// through the groups hook inside the ingest transaction, and every group.joined / group.left
// arrives on the group-changes topic in the DESIGN shape, keyed by user id, exactly once
// (redelivered events add none); a rule edit and a delete report their joins and leaves there
// too, and a static member add does.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import type { EventConsumer, EventProducer } from '../../src/app/ports/event-log.ts';
import { createKafkaEventLog } from '../../src/adapters/kafka/kafka-event-log.ts';
import { loadConfig } from '../../src/config/config.ts';
import { openRuntime, type Runtime } from '../../src/main/runtime.ts';
import { startService, type RunningService } from '../../src/main/service.ts';
import { createTestDatabase, type TestDatabase } from '../support/mysql.ts';
import { deleteKafkaTestNames, kafkaBrokers, requireKafka, uniqueTopicPrefix } from '../support/kafka.ts';
import { deleteKeysUnderPrefix, redisUrl, uniqueKeyPrefix } from '../support/redis.ts';
import { realBackendEnv, waitFor } from '../support/stack.ts';

const token = 'groups-kafka-test-token';

const ladder = {
  timezone: 'UTC',
  levels: [
    { level: 0, name: 'Member' },
    { level: 1, name: 'Bronze', promote: { turnoverLifetime: '100' }, keep: { turnover30d: '1' } },
  ],
};

interface GroupEvent {
  readonly type: string;
  readonly userId: string;
  readonly groupId: string;
  readonly ruleVersion: number;
  readonly at: string;
}

describe('groups end to end on Kafka, MariaDB and Redis', () => {
  const topicPrefix = uniqueTopicPrefix('groups-kafka');
  const dataDir = mkdtempSync(join(tmpdir(), 'tiernet-groups-e2e-'));
  const redisPrefix = uniqueKeyPrefix('groups-kafka');
  let database: TestDatabase;
  let runtime: Runtime;
  let service: RunningService;
  let producer: EventProducer;
  let observer: EventConsumer;
  let closeLog: () => Promise<void> = async () => {};
  const observed: { key: string | null; value: GroupEvent; eventId: string | undefined }[] = [];
  const now = Date.now();
  const topics = {
    users: `${topicPrefix}users`,
    bets: `${topicPrefix}bets`,
    groupChanges: `${topicPrefix}group-changes`,
  };

  before(async () => {
    await requireKafka();
    database = await createTestDatabase('groups_kafka');
    const config = loadConfig({
      env: {
        ...realBackendEnv({
          databaseUrl: database.url,
          redisUrl: redisUrl(),
          redisPrefix,
          kafkaBrokers: kafkaBrokers(),
          topicPrefix,
          adminToken: token,
        }),
        TIERNET_DATA_DIR: dataDir,
        TIERNET_PORT: '0',
      },
    });
    runtime = await openRuntime(config, pino({ level: 'silent' }));
    await runtime.migrate();
    await runtime.store.ladders.insert({
      version: 1,
      document: JSON.stringify(ladder),
      actor: 'test',
      createdAtMs: now,
    });
    service = await startService(runtime, { version: 'test', reviewIntervalMs: 60_000 });
    const log = createKafkaEventLog({ brokers: kafkaBrokers(), clientId: `${topicPrefix}platform` });
    closeLog = () => log.close();
    producer = log.producer();
    observer = log.consumer({
      groupId: `${topicPrefix}observer`,
      topics: [topics.groupChanges],
      maxBatchSize: 500,
      fromBeginning: true,
    });
    await observer.start(async (batch) => {
      for (const message of batch.messages) {
        observed.push({
          key: message.key,
          value: JSON.parse(message.value ?? 'null') as GroupEvent,
          eventId: message.headers?.['tiernet-event-id'],
        });
      }
    });
  });

  after(async () => {
    await observer?.stop();
    await closeLog();
    await service?.stop();
    await runtime?.close();
    await database?.drop();
    rmSync(dataDir, { recursive: true, force: true });
    await deleteKeysUnderPrefix(redisPrefix);
    await deleteKafkaTestNames(topicPrefix);
  });

  async function api(
    method: 'POST' | 'PUT' | 'DELETE',
    url: string,
    payload?: Record<string, unknown>,
  ): Promise<{ status: number; body: Record<string, unknown> }> {
    const response = await service.app.inject({
      method,
      url,
      headers: { authorization: `Bearer ${token}` },
      ...(payload === undefined ? {} : { payload }),
    });
    return { status: response.statusCode, body: response.json<Record<string, unknown>>() };
  }
  const send = async (topic: string, key: string, value: unknown): Promise<void> => {
    await producer.send([{ topic, key, value: JSON.stringify(value) }]);
  };
  const bet = (betId: string, userId: string, amount: string) => ({
    type: 'bet.placed',
    betId,
    userId,
    gameId: 'ssc',
    periodId: 'p1',
    amount,
    placedAt: new Date(now).toISOString(),
  });
  const eventsOf = (groupId: string): string[] =>
    observed
      .filter((entry) => entry.value.groupId === groupId)
      .map((entry) => `${entry.value.type} ${entry.value.userId} v${entry.value.ruleVersion}`);
  const waitForEvents = (groupId: string, expected: string[]): Promise<string[]> =>
    waitFor(`${expected.join(', ')} on ${groupId}`, async () => {
      const found = eventsOf(groupId);
      return expected.every((event) => found.includes(event)) ? found : undefined;
    });

  test('events on Kafka flip membership; each group.joined and group.left is on the topic once, keyed by user', async () => {
    assert.equal(
      (
        await api('POST', '/v1/groups', {
          id: 'k.level',
          name: 'Bronze+',
          kind: 'dynamic',
          rule: { field: 'vip.level', op: 'gte', value: 1 },
        })
      ).status,
      201,
    );
    assert.equal(
      (
        await api('POST', '/v1/groups', {
          id: 'k.turnover',
          name: 'Turnover 50+',
          kind: 'dynamic',
          rule: { field: 'metrics.turnoverLifetime', op: 'gte', value: '50' },
        })
      ).status,
      201,
    );
    assert.equal(
      (
        await api('POST', '/v1/groups', {
          id: 'k.whale',
          name: 'Whales',
          kind: 'dynamic',
          rule: { field: 'user.tags', op: 'has', value: 'whale' },
        })
      ).status,
      201,
    );

    await send(topics.users, '1000', {
      type: 'user.registered',
      userId: '1000',
      rebateRate: '0.08',
      registeredAt: now - 60_000,
      tags: ['whale'],
    });
    await send(topics.users, '1001', {
      type: 'user.registered',
      userId: '1001',
      parentId: '1000',
      rebateRate: '0.05',
      registeredAt: now - 30_000,
    });
    await send(topics.bets, '1001', bet('1', '1001', '60'));
    await send(topics.bets, '1001', bet('2', '1001', '60'));
    await send(topics.bets, '1002', bet('3', '1002', '70'));
    await waitForEvents('k.whale', ['group.joined 1000 v1']);
    await waitForEvents('k.turnover', ['group.joined 1001 v1', 'group.joined 1002 v1']);
    await waitForEvents('k.level', ['group.joined 1001 v1']);

    // A void takes 1002 back under 50: it leaves the turnover group; the level group is not touched.
    await send(topics.bets, '1002', { type: 'bet.voided', betId: '3', voidedAt: new Date(now).toISOString() });
    await waitForEvents('k.turnover', ['group.left 1002 v1']);

    // Redelivered events change nothing: a marker bet behind them on the same partition shows they were processed.
    await send(topics.bets, '1001', bet('1', '1001', '60'));
    await send(topics.bets, '1001', bet('2', '1001', '60'));
    await send(topics.bets, '1001', bet('4', '1001', '1'));
    await waitFor('the marker bet', async () =>
      (await runtime.store.bets.getMany(['4'])).size === 1 ? true : undefined,
    );
    await service.relay.relayOnce();

    // A rule edit and a static add report on the same topic.
    const edited = await api('PUT', '/v1/groups/k.turnover', {
      name: 'Turnover 100+',
      rule: { field: 'metrics.turnoverLifetime', op: 'gte', value: '122' },
    });
    assert.deepEqual([edited.status, edited.body.ruleVersion], [200, 2]);
    await waitForEvents('k.turnover', ['group.left 1001 v2']);
    assert.equal((await api('POST', '/v1/groups', { id: 'k.manual', name: 'Manual', kind: 'static' })).status, 201);
    assert.equal((await api('POST', '/v1/groups/k.manual/members', { userIds: ['1000', '1002'] })).status, 200);
    await waitForEvents('k.manual', ['group.joined 1000 v1', 'group.joined 1002 v1']);
    assert.equal((await api('DELETE', '/v1/groups/k.manual')).status, 200);
    await waitForEvents('k.manual', ['group.left 1000 v1', 'group.left 1002 v1']);
    await service.relay.relayOnce();
    await new Promise((resolve) => setTimeout(resolve, 1_000));

    assert.deepEqual(eventsOf('k.whale'), ['group.joined 1000 v1']);
    assert.deepEqual(eventsOf('k.level'), ['group.joined 1001 v1']);
    assert.deepEqual(eventsOf('k.turnover').sort(), [
      'group.joined 1001 v1',
      'group.joined 1002 v1',
      'group.left 1001 v2',
      'group.left 1002 v1',
    ]);
    assert.deepEqual(eventsOf('k.manual').sort(), [
      'group.joined 1000 v1',
      'group.joined 1002 v1',
      'group.left 1000 v1',
      'group.left 1002 v1',
    ]);
    for (const entry of observed) {
      assert.equal(entry.key, entry.value.userId, 'keyed by user id');
      assert.deepEqual(Object.keys(entry.value).sort(), ['at', 'groupId', 'ruleVersion', 'type', 'userId']);
      assert.ok(!Number.isNaN(Date.parse(entry.value.at)));
    }
    assert.equal(
      new Set(observed.map((entry) => entry.eventId)).size,
      observed.length,
      'each out-event carries its own dedupe id',
    );
    assert.deepEqual(
      (await runtime.store.groups.membersPage('k.level', null, 10)).map((member) => member.userId),
      ['1001'],
    );
  });
});
