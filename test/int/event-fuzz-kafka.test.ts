// Event fuzzing end to end on the real stack: a platform producer of its own (kafkajs) writes
// one generated corpus to the real Kafka — a few messages of every class of bad input from
// test/support/event-corpus.ts (the classes the use-case fuzzer runs on SQLite and MariaDB),
// plus a tombstone and a message that is not UTF-8, interleaved with good events, some odd but
// valid — and tiernet (the service `tiernet serve` runs, on MariaDB + Redis + Kafka) consumes
// it. Proves, through the real consumer:
//   1. the DLQ topic gets exactly one record per bad message, carrying its class's code and
//      the original text as the consumer decoded it (UTF-8), with the source topic and offset;
//   2. every good event is applied and nothing of a bad one is: users and bets in the store
//      are exactly the seed's, the good events' and the placeholders their bets create.
// test/int/vip-kafka.test.ts keeps one hand-written case per class; this adds the generated
// corpus, the odd-but-valid events around it and the exact-state check.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { Kafka, logLevel, type Producer } from 'kafkajs';
import { sql } from 'kysely';
import { pino } from 'pino';
import type { EventConsumer } from '../../src/app/ports/event-log.ts';
import { createKafkaEventLog } from '../../src/adapters/kafka/kafka-event-log.ts';
import { loadConfig } from '../../src/config/config.ts';
import { openRuntime, type Runtime } from '../../src/main/runtime.ts';
import { startService, type RunningService } from '../../src/main/service.ts';
import { createTestDatabase, type TestDatabase } from '../support/mysql.ts';
import { deleteKafkaTestNames, kafkaBrokers, requireKafka, uniqueTopicPrefix } from '../support/kafka.ts';
import { deleteKeysUnderPrefix, redisUrl, uniqueKeyPrefix } from '../support/redis.ts';
import { prefixedTopics, realBackendEnv, waitFor } from '../support/stack.ts';
import {
  badMessageArbitraries,
  conflictingCopy,
  goodSpecArbitrary,
  materializeGood,
  seedWorld,
  type BadMessage,
  type CorpusWorld,
} from '../support/event-corpus.ts';

/** Bad messages drawn per class (TIERNET_FUZZ_KAFKA_PER_CLASS for a longer run). */
const perClass = Number(process.env.TIERNET_FUZZ_KAFKA_PER_CLASS ?? 3);
const ladder = {
  timezone: 'Asia/Shanghai',
  levels: [
    { level: 0, name: 'Member' },
    { level: 1, name: 'Bronze', promote: { turnoverLifetime: '100' }, keep: { turnover30d: '50' } },
  ],
};

interface Message {
  readonly value: string | Buffer | null;
  /** What the consumer reads: the UTF-8 decoding of the bytes (lone surrogates become U+FFFD). */
  readonly decoded: string | null;
}

const asMessage = (text: string | null): Message => ({
  value: text,
  decoded: text === null ? null : Buffer.from(text, 'utf8').toString('utf8'),
});

describe('event fuzzing end to end on Kafka, MariaDB and Redis', () => {
  const topicPrefix = uniqueTopicPrefix('event-fuzz');
  const topics = prefixedTopics(topicPrefix);
  const dataDir = mkdtempSync(join(tmpdir(), 'tiernet-event-fuzz-'));
  const redisPrefix = uniqueKeyPrefix('event-fuzz-kafka');
  const nowMs = Date.now();
  const world: CorpusWorld = seedWorld(nowMs, { runningClock: true });
  let database: TestDatabase | undefined;
  let runtime: Runtime;
  let service: RunningService;
  let kafka: Kafka;
  let producer: Producer | undefined;
  let observer: EventConsumer | undefined;
  let closeObserverLog: () => Promise<void> = async () => {};
  const dead: Record<string, unknown>[] = [];

  before(async () => {
    await requireKafka();
    database = await createTestDatabase('event_fuzz_kafka');
    const config = loadConfig({
      env: {
        ...realBackendEnv({
          databaseUrl: database.url,
          redisUrl: redisUrl(),
          redisPrefix,
          kafkaBrokers: kafkaBrokers(),
          topicPrefix,
          adminToken: 'event-fuzz-kafka-token',
        }),
        TIERNET_DATA_DIR: dataDir,
        TIERNET_PORT: '0',
        TIERNET_CURRENCY: world.currency,
      },
    });
    runtime = await openRuntime(config, pino({ level: 'silent' }));
    await runtime.migrate();
    await runtime.store.ladders.insert({
      version: 1,
      document: JSON.stringify(ladder),
      actor: 't',
      createdAtMs: nowMs,
    });
    service = await startService(runtime, { version: 'test', reviewIntervalMs: 60_000 });

    kafka = new Kafka({ clientId: `${topicPrefix}platform`, brokers: kafkaBrokers(), logLevel: logLevel.NOTHING });
    producer = kafka.producer();
    await producer.connect();
    const observerLog = createKafkaEventLog({ brokers: kafkaBrokers(), clientId: `${topicPrefix}observer` });
    closeObserverLog = () => observerLog.close();
    observer = observerLog.consumer({
      groupId: `${topicPrefix}observer`,
      topics: [topics.dlq],
      maxBatchSize: 500,
      fromBeginning: true,
    });
    await observer.start(async (batch) => {
      for (const message of batch.messages) dead.push(JSON.parse(message.value ?? 'null') as Record<string, unknown>);
    });
  });

  after(async () => {
    await producer?.disconnect();
    await observer?.stop();
    await closeObserverLog();
    await service?.stop();
    await runtime?.close();
    await database?.drop();
    rmSync(dataDir, { recursive: true, force: true });
    await deleteKeysUnderPrefix(redisPrefix);
    await deleteKafkaTestNames(topicPrefix);
  });

  test('a generated corpus of every bad class between good events: each bad one on the DLQ with its code, the good ones applied', async () => {
    // One key, so one partition and one order: a conflicting copy stays behind its original.
    const send = async (messages: readonly Message[]): Promise<void> => {
      for (let start = 0; start < messages.length; start += 100)
        await producer?.send({
          topic: topics.bets,
          messages: messages.slice(start, start + 100).map((message) => ({ key: 'fuzz', value: message.value })),
        });
    };
    await send([asMessage(JSON.stringify(world.seedUser)), asMessage(JSON.stringify(world.seedBet))]);
    await waitFor('the seed bet', async () =>
      (await runtime.store.bets.getMany([world.seedBet.betId])).size === 1 ? true : undefined,
    );

    const goods = materializeGood(world, fc.sample(goodSpecArbitrary(world), 120), 1_000_000);
    const bads: BadMessage[] = [];
    for (const arbitrary of Object.values(badMessageArbitraries(world))) bads.push(...fc.sample(arbitrary, perClass));
    const firstBet = goods.find((good) => good.kind === 'bet');
    assert.ok(firstBet !== undefined, 'the sample has a bet');

    const corpus: ({ bad: BadMessage; message: Message } | { good: string; message: Message })[] = [];
    const pendingGoods = [...goods];
    for (const bad of bads) {
      const good = pendingGoods.shift();
      if (good !== undefined) corpus.push({ good: good.text, message: asMessage(good.text) });
      corpus.push({ bad, message: asMessage(bad.text) });
    }
    for (const good of pendingGoods) corpus.push({ good: good.text, message: asMessage(good.text) });
    const extras: { bad: BadMessage; message: Message }[] = [
      {
        bad: { kind: 'betConflictInBatch', text: conflictingCopy(firstBet.text), code: 'bet_conflict' },
        message: asMessage(conflictingCopy(firstBet.text)),
      },
      {
        bad: { kind: 'tombstone', text: null, code: 'event_not_json' },
        message: { value: null, decoded: null },
      },
      {
        bad: { kind: 'notUtf8', text: null, code: 'event_not_json' },
        message: {
          value: Buffer.from([0xff, 0xfe, 0x7b, 0xc3]),
          decoded: Buffer.from([0xff, 0xfe, 0x7b, 0xc3]).toString(),
        },
      },
    ];
    corpus.push(...extras);
    const badEntries = corpus.filter((entry): entry is { bad: BadMessage; message: Message } => 'bad' in entry);
    await send(corpus.map((entry) => entry.message));

    const letters = await waitFor(
      `${badEntries.length} dead letters`,
      async () => (dead.length >= badEntries.length ? dead : undefined),
      120_000,
    );
    // A good marker behind everything: once it is applied, every message before it was processed.
    const marker = { ...world.seedBet, betId: '999999', amount: '1' };
    await send([asMessage(JSON.stringify(marker))]);
    await waitFor('the marker bet', async () =>
      (await runtime.store.bets.getMany([marker.betId])).size === 1 ? true : undefined,
    );

    const pair = (original: unknown, code: unknown): string => JSON.stringify([original, code]);
    assert.deepEqual(
      letters.map((letter) => pair(letter.original, (letter.error as { code?: string }).code)).sort(),
      badEntries.map((entry) => pair(entry.message.decoded, entry.bad.code)).sort(),
      'one dead letter per bad message, with its code and the text as consumed',
    );
    for (const letter of letters) {
      assert.equal(letter.topic, topics.bets);
      assert.match(String(letter.offset), /^\d+$/);
    }
    assert.equal(dead.length, badEntries.length, 'no dead letter beyond the bad messages');

    // Exactly the expected users and bets: the seed, the good events, the placeholders of their bets.
    const expectedBets = new Set([world.seedBet.betId, marker.betId]);
    const expectedUsers = new Set([world.seedUser.userId]);
    const registered = new Set([world.seedUser.userId]);
    const voided = new Set<string>();
    for (const good of goods) {
      const event = JSON.parse(good.text) as Record<string, unknown>;
      if (event.type === 'bet.placed') {
        expectedBets.add(String(event.betId));
        expectedUsers.add(String(event.userId));
      } else if (event.type === 'user.registered') {
        expectedUsers.add(String(event.userId));
        registered.add(String(event.userId));
        if (typeof event.parentId === 'string') expectedUsers.add(event.parentId);
      } else if (event.type === 'bet.voided') voided.add(String(event.betId));
    }
    const db = runtime.database.db;
    const bets = await sql<{ bet_id: string | number; voided_at_ms: unknown }>`
      select bet_id, voided_at_ms from bets`.execute(db);
    assert.deepEqual(
      bets.rows.map((row) => String(row.bet_id)).sort(),
      [...expectedBets].sort(),
      'the bets are exactly the good ones',
    );
    assert.deepEqual(
      bets.rows
        .filter((row) => row.voided_at_ms !== null)
        .map((row) => String(row.bet_id))
        .sort(),
      [...voided].sort(),
      'exactly the good voids applied',
    );
    const users = await sql<{ user_id: string | number; placeholder: unknown }>`
      select user_id, placeholder from users`.execute(db);
    assert.deepEqual(
      users.rows.map((row) => String(row.user_id)).sort(),
      [...expectedUsers].sort(),
      'the users are exactly the good ones and their placeholders',
    );
    for (const row of users.rows)
      assert.equal(Boolean(Number(row.placeholder)), !registered.has(String(row.user_id)), `user ${row.user_id}`);
    const seedBet = (await runtime.store.bets.getMany([world.seedBet.betId])).get(world.seedBet.betId);
    assert.equal(seedBet?.amountMinor, 125_000n, 'the conflicting copies left the seed bet as it was');
    console.log(
      `# ${corpus.length} messages (${badEntries.length} bad in ${new Set(badEntries.map((entry) => entry.bad.kind)).size} classes, ${goods.length} good) through Kafka`,
    );
  });
});
