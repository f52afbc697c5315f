// Runs the EventLog contract against the real Kafka 4.1 broker (scripts/kafka.sh start) through
// the kafkajs adapter. A broker that does not answer fails the run; it never skips. Topics
// and groups live under this file's own prefix and are deleted at the end. Beyond the
// contract it proves two Kafka-specific points: every request kafkajs 2.2.4 can make is
// served by the broker at the version kafkajs picks (Kafka 4 removed old versions, KIP-896),
// and a handler that runs longer than the session timeout keeps its member alive through
// heartbeats, so its batch is neither taken away nor delivered twice.
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { after, before, describe, test } from 'node:test';
import { eventLogContract } from './event-log.contract.ts';
import { deleteKafkaTestNames, kafkaBrokers, requireKafka, uniqueTopicPrefix } from '../support/kafka.ts';
import { createKafkaEventLog } from '../../src/adapters/kafka/kafka-event-log.ts';
import type { EventLog } from '../../src/app/ports/event-log.ts';

const brokers = kafkaBrokers();
const prefix = uniqueTopicPrefix('event-log-kafka');

eventLogContract('kafka', async () => {
  await requireKafka(brokers);
  const log = createKafkaEventLog({
    brokers,
    clientId: 'tiernet-contract',
    // Short backoffs keep the refused-batch test quick; the defaults are for production.
    consumer: { retryBaseDelayMs: 50, retryMaxDelayMs: 500 },
  });
  return {
    log,
    name: (tag) => `${prefix}contract.${tag}`,
    async cleanup() {
      await log.close();
      await deleteKafkaTestNames(`${prefix}contract.`, brokers);
    },
  };
});

void describe('kafkajs 2.2.4 against Kafka 4.1', () => {
  let log: EventLog;

  before(async () => {
    await requireKafka(brokers);
    log = createKafkaEventLog({
      brokers,
      clientId: 'tiernet-kafka-specific',
      // The broker's smallest allowed session (group.min.session.timeout.ms), so the test
      // outlasts it quickly; heartbeats must come well inside it.
      consumer: { sessionTimeoutMs: 6_000, heartbeatIntervalMs: 500 },
    });
  });

  after(async () => {
    await log.close();
    await deleteKafkaTestNames(`${prefix}specific.`, brokers);
  });

  void test('every API kafkajs implements negotiates a version the broker still serves', async () => {
    // kafkajs picks min(its newest, broker's newest) and never looks at the broker's oldest,
    // so an API whose oldest served version is above kafkajs's newest would fail at runtime.
    const require = createRequire(import.meta.url);
    const { requests } = require('kafkajs/src/protocol/requests/index.js');
    const apiKeys = require('kafkajs/src/protocol/requests/apiKeys.js') as Record<string, number>;
    const Connection = require('kafkajs/src/network/connection.js');
    const socketFactory = require('kafkajs/src/network/socketFactory.js');
    const { createLogger, LEVELS } = require('kafkajs/src/loggers/index.js');
    const [host, port] = brokers[0]!.split(':');
    const connection = new Connection({
      host,
      port: Number(port),
      clientId: 'tiernet-api-versions',
      connectionTimeout: 3_000,
      requestTimeout: 10_000,
      socketFactory: socketFactory(),
      logger: createLogger({ level: LEVELS.NOTHING, logCreator: () => () => undefined }),
    });
    await connection.connect();
    try {
      const response = await connection.send(requests.ApiVersions.protocol({ version: 2 })());
      const served = new Map<number, { minVersion: number; maxVersion: number }>(
        response.apiVersions.map((entry: { apiKey: number; minVersion: number; maxVersion: number }) => [
          entry.apiKey,
          entry,
        ]),
      );
      const checked: string[] = [];
      for (const [api, definition] of Object.entries<{ versions: string[] }>(requests)) {
        if (definition.versions.length === 0) continue; // not implemented by kafkajs
        const range = served.get(apiKeys[api]!);
        assert.ok(range !== undefined, `${api} is served`);
        const picked = Math.min(Math.max(...definition.versions.map(Number)), range.maxVersion);
        assert.ok(
          picked >= range.minVersion,
          `${api}: kafkajs would send v${picked}, broker serves v${range.minVersion}-v${range.maxVersion}`,
        );
        checked.push(api);
      }
      for (const used of [
        'Produce',
        'Fetch',
        'ListOffsets',
        'Metadata',
        'OffsetCommit',
        'OffsetFetch',
        'JoinGroup',
        'SyncGroup',
        'Heartbeat',
        'CreateTopics',
        'InitProducerId',
      ]) {
        assert.ok(checked.includes(used), `${used} was checked`);
      }
    } finally {
      await connection.disconnect();
    }
  });

  void test('a handler longer than the session timeout keeps its partition: delivered once, then committed', async () => {
    const topic = `${prefix}specific.long-handler`;
    const groupId = `${prefix}specific.long-handler-group`;
    await log.ensureTopics([topic], 1);
    await log.producer().send([
      { topic, key: 'k', value: 'slow' },
      { topic, key: 'k', value: 'after' },
    ]);
    const seen: string[] = [];
    const consumer = log.consumer({ groupId, topics: [topic], maxBatchSize: 1 });
    await consumer.start(async (batch) => {
      const value = batch.messages[0]!.value!;
      seen.push(value);
      // 1.5 session timeouts: without heartbeats the coordinator would evict the member,
      // its commit would be refused and the batch delivered again.
      if (value === 'slow') await new Promise((resolve) => setTimeout(resolve, 9_000));
    });
    const deadline = Date.now() + 30_000;
    while (!seen.includes('after') || (await consumer.lag()) !== 0) {
      assert.ok(Date.now() < deadline, `timed out; seen ${seen.join(',')}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await consumer.stop();
    assert.deepEqual(seen, ['slow', 'after']);
  });
});
