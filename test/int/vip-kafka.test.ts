// End to end, on the real stack and on the embedded default: a producer of its own writes
// platform events to the log (real Kafka, or the in-process log), tiernet (the same service
// `tiernet serve` runs, on MariaDB + Redis + Kafka, or SQLite + memory) consumes them, and the
// test observes the committed DB state, the VIP cache and the vip-changes topic.
// It proves promotions arrive on Kafka in the DESIGN shape with per-user seq and a dedupe
// header, that redelivered events change nothing, and that every class of malformed event
// lands on the DLQ topic with its code while the consumer keeps going.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EventConsumer, EventProducer } from '../../src/app/ports/event-log.ts';
import { createKafkaEventLog } from '../../src/adapters/kafka/kafka-event-log.ts';
import { pino } from 'pino';
import { loadConfig } from '../../src/config/config.ts';
import { openRuntime, type Runtime } from '../../src/main/runtime.ts';
import { startService, type RunningService } from '../../src/main/service.ts';
import { createTestDatabase, type TestDatabase } from '../support/mysql.ts';
import { deleteKafkaTestNames, kafkaBrokers, requireKafka, uniqueTopicPrefix } from '../support/kafka.ts';
import { deleteKeysUnderPrefix, redisUrl, uniqueKeyPrefix } from '../support/redis.ts';
import { realBackendEnv, topicEnv, waitFor } from '../support/stack.ts';

const ladder = {
  timezone: 'Asia/Shanghai',
  levels: [
    { level: 0, name: 'Member' },
    { level: 1, name: 'Bronze', promote: { turnoverLifetime: '100' }, keep: { turnover30d: '50' } },
    { level: 2, name: 'Silver', promote: { turnoverLifetime: '500' }, keep: { turnover30d: '200' } },
  ],
};

for (const stack of ['real', 'embedded'] as const)
  describe(`VIP end to end on ${stack === 'real' ? 'Kafka, MariaDB and Redis' : 'the embedded backends'}`, () => {
    const topicPrefix = uniqueTopicPrefix(`vip-${stack}`);
    const dataDir = mkdtempSync(join(tmpdir(), 'tiernet-vip-e2e-'));
    const redisPrefix = uniqueKeyPrefix('vip-kafka');
    let database: TestDatabase | undefined;
    let runtime: Runtime;
    let service: RunningService;
    let producer: EventProducer;
    let observer: EventConsumer;
    let closeLog: () => Promise<void> = async () => {};
    const observed: {
      topic: string;
      key: string | null;
      value: Record<string, unknown>;
      eventId: string | undefined;
    }[] = [];
    const now = Date.now();
    const topics = {
      users: `${topicPrefix}users`,
      bets: `${topicPrefix}bets`,
      periods: `${topicPrefix}periods`,
      vipChanges: `${topicPrefix}vip-changes`,
      dlq: `${topicPrefix}dlq`,
    };

    before(async () => {
      const backendEnv: Record<string, string> = {};
      if (stack === 'real') {
        await requireKafka();
        database = await createTestDatabase('vip_kafka');
        Object.assign(
          backendEnv,
          realBackendEnv({
            databaseUrl: database.url,
            redisUrl: redisUrl(),
            redisPrefix,
            kafkaBrokers: kafkaBrokers(),
            topicPrefix,
            adminToken: 'vip-kafka-test-token',
          }),
        );
      }
      const config = loadConfig({
        env: {
          ...backendEnv,
          TIERNET_DATA_DIR: dataDir,
          TIERNET_PORT: '0',
          ...topicEnv(topicPrefix),
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

      // The platform side: on Kafka an independent client; embedded, the service's own in-process log.
      const log =
        stack === 'real'
          ? createKafkaEventLog({ brokers: kafkaBrokers(), clientId: `${topicPrefix}platform` })
          : runtime.eventLog;
      if (stack === 'real') closeLog = () => log.close();
      producer = log.producer();
      observer = log.consumer({
        groupId: `${topicPrefix}observer`,
        topics: [topics.vipChanges, topics.dlq],
        maxBatchSize: 500,
        fromBeginning: true,
      });
      await observer.start(async (batch) => {
        for (const message of batch.messages) {
          observed.push({
            topic: message.topic,
            key: message.key,
            value: JSON.parse(message.value ?? 'null') as Record<string, unknown>,
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
      if (stack === 'real') {
        await deleteKeysUnderPrefix(redisPrefix);
        await deleteKafkaTestNames(topicPrefix);
      }
    });

    const send = async (topic: string, key: string, value: unknown): Promise<void> => {
      await producer.send([{ topic, key, value: typeof value === 'string' ? value : JSON.stringify(value) }]);
    };
    const bet = (betId: string, userId: string, amount: string, offsetMs = 0) => ({
      type: 'bet.placed',
      betId,
      userId,
      gameId: 'ssc',
      periodId: 'p1',
      amount,
      placedAt: new Date(now + offsetMs).toISOString(),
    });

    test('bets on Kafka promote; vip.changed arrives on Kafka with seq, cause and a dedupe header; Redis holds the status', async () => {
      await send(topics.users, '1000', {
        type: 'user.registered',
        userId: '1000',
        rebateRate: '0.08',
        registeredAt: now - 60_000,
      });
      await send(topics.users, '1001', {
        type: 'user.registered',
        userId: '1001',
        parentId: '1000',
        rebateRate: '0.05',
        registeredAt: now - 30_000,
      });
      await send(topics.bets, '1001', bet('1', '1001', '150'));
      await send(topics.bets, '1001', bet('2', '1001', '400', 1_000));
      const changes = await waitFor('two vip.changed for 1001', async () => {
        const found = observed.filter((entry) => entry.topic === topics.vipChanges && entry.key === '1001');
        return found.length >= 2 ? found : undefined;
      });
      assert.deepEqual(
        changes.map((entry) => [
          entry.value.type,
          entry.value.fromLevel,
          entry.value.toLevel,
          entry.value.reason,
          entry.value.seq,
          entry.value.ruleVersion,
        ]),
        [
          ['vip.changed', 0, 1, 'promotion', 1, 1],
          ['vip.changed', 1, 2, 'promotion', 2, 1],
        ],
      );
      assert.deepEqual(changes[1]?.value.cause, { betId: '2' });
      assert.equal(new Set(changes.map((entry) => entry.eventId)).size, 2, 'each out-event carries its own dedupe id');
      const state = (await runtime.store.vipStates.getMany(['1001'])).get('1001');
      assert.equal(state?.state.level, 2);
      const [cached] = await runtime.cache.getMany(['vip:1001']);
      assert.equal((JSON.parse(cached ?? '{}') as { level: number }).level, 2);
      const user = (await runtime.store.users.getMany(['1001'])).get('1001');
      assert.deepEqual([user?.parentId, user?.rebateRatePpm, user?.depth], ['1000', 50_000, 1]);
    });

    test('redelivered events change nothing and emit nothing', async () => {
      const before = await runtime.store.metrics.totals(['1001']);
      const vipBefore = observed.filter((entry) => entry.topic === topics.vipChanges).length;
      await send(topics.bets, '1001', bet('1', '1001', '150'));
      await send(topics.bets, '1001', bet('2', '1001', '400', 1_000));
      // A marker bet behind the duplicates on the same partition: once it is applied, the duplicates were processed.
      await send(topics.bets, '1001', bet('3', '1001', '1', 2_000));
      await waitFor('the marker bet', async () =>
        (await runtime.store.bets.getMany(['3'])).size === 1 ? true : undefined,
      );
      const afterTotals = (await runtime.store.metrics.totals(['1001'])).get('1001');
      assert.equal(afterTotals?.turnoverMinor, (before.get('1001')?.turnoverMinor ?? 0n) + 10_000n);
      assert.equal(afterTotals?.betCount, (before.get('1001')?.betCount ?? 0) + 1);
      await service.relay.relayOnce();
      assert.equal(observed.filter((entry) => entry.topic === topics.vipChanges).length, vipBefore);
    });

    test('every class of malformed event is dead-lettered with its code and the consumer keeps going', async () => {
      const cases: [string, string][] = [
        ['not json', 'event_not_json'],
        ['"a string"', 'event_not_object'],
        [JSON.stringify({ type: 'bet.settled' }), 'event_unknown_type'],
        [JSON.stringify({ ...bet('40', '2001', '1'), userId: undefined }), 'event_field_missing'],
        [JSON.stringify(bet('4x', '2001', '1')), 'id_invalid'],
        [JSON.stringify(bet('41', '922337203685477580701', '1')), 'id_invalid'],
        [JSON.stringify(bet('42', '9223372036854775808', '1')), 'id_out_of_range'],
        [JSON.stringify(bet('43', '2001', '0')), 'amount_zero'],
        [JSON.stringify(bet('44', '2001', '-5')), 'amount_negative'],
        [JSON.stringify(bet('45', '2001', '1.23456')), 'amount_too_precise'],
        [JSON.stringify(bet('46', '2001', '2e5')), 'amount_not_decimal'],
        [JSON.stringify(bet('47', '2001', '1000000000001')), 'amount_too_large'],
        [JSON.stringify({ ...bet('48', '2001', '1'), currency: 'USD' }), 'currency_mismatch'],
        [JSON.stringify({ ...bet('49', '2001', '1'), placedAt: '2026-11-25 08:00' }), 'time_invalid'],
        [JSON.stringify({ ...bet('50', '2001', '1'), placedAt: '2199-01-01T00:00:00Z' }), 'time_out_of_range'],
        [JSON.stringify({ ...bet('51', '2001', '1'), gameId: 'bad game' }), 'event_field_invalid'],
        [JSON.stringify({ ...bet('1', '1001', '999') }), 'bet_conflict'],
        [JSON.stringify({ ...bet('52', '2001', '1'), pad: 'x'.repeat(20_000) }), 'event_too_large'],
      ];
      for (const [text] of cases) await send(topics.bets, '2001', text);
      await send(topics.bets, '2001', bet('53', '2001', '7'));
      const dead = await waitFor('every dead letter', async () => {
        const found = observed.filter((entry) => entry.topic === topics.dlq);
        return found.length >= cases.length ? found : undefined;
      });
      for (const [text, code] of cases) {
        const entry = dead.find((candidate) => candidate.value.original === text);
        assert.equal((entry?.value.error as { code?: string } | undefined)?.code, code, text.slice(0, 80));
        assert.equal(entry?.value.topic, topics.bets);
        assert.equal(typeof entry?.value.offset, 'string');
      }
      await waitFor('the good bet after the bad ones', async () =>
        (await runtime.store.bets.getMany(['53'])).size === 1 ? true : undefined,
      );
    });
  });
