// Contract for EventLog (src/app/ports/event-log.ts), run against every adapter by
// event-log.kafka.test.ts (the real broker) and event-log.memory.test.ts (in process, with and
// without persistence). It proves: ensureTopics creates missing topics with the partition
// count asked and leaves existing ones alone, however often it is called; a key always lands
// on one partition, the one Kafka's default partitioner picks; per-key order holds across
// many keys, partitions and concurrent send() calls; no batch exceeds maxBatchSize and each
// is one partition's contiguous offsets; a handler that rejects gets the same messages again
// and, in the end, every message is handled exactly once with nothing lost or skipped; a
// consumer stopped before committing leaves its messages to the next member of its group;
// stop() waits for the handler in flight and commits its offsets, and committed messages
// are not delivered again to a new member; lag() counts exactly the uncommitted messages.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { ConsumedBatch, EventConsumer, EventLog, LogRecord } from '../../src/app/ports/event-log.ts';
import { partitionForKey } from '../../src/adapters/memory/event-log-partitioner.ts';

export interface EventLogHarness {
  readonly log: EventLog;
  /** A topic or group name that no other test, file or run shares. */
  name(tag: string): string;
  cleanup(): Promise<void>;
}

const pollStepMs = 25;
const waitMsMax = 60_000;

interface Delivery {
  readonly partition: number;
  readonly offsets: number[];
  readonly keys: (string | null)[];
  readonly values: (string | null)[];
  accepted: boolean;
}

/** Waits until `condition` holds, polling; fails naming `what` after `timeoutMs`. */
async function waitFor(
  what: string,
  condition: () => boolean | Promise<boolean>,
  timeoutMs = waitMsMax,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) assert.fail(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, pollStepMs));
  }
}

function record(topic: string, key: string, sequence: number): LogRecord {
  return { topic, key, value: JSON.stringify({ key, sequence }) };
}

function sequenceOf(value: string | null): number {
  assert.ok(value !== null, 'no test message is a tombstone');
  return (JSON.parse(value) as { sequence: number }).sequence;
}

function toDelivery(batch: ConsumedBatch): Delivery {
  return {
    partition: batch.partition,
    offsets: batch.messages.map((message) => Number(message.offset)),
    keys: batch.messages.map((message) => message.key),
    values: batch.messages.map((message) => message.value),
    accepted: false,
  };
}

function acceptedCount(deliveries: readonly Delivery[]): number {
  return deliveries.filter((delivery) => delivery.accepted).reduce((sum, delivery) => sum + delivery.offsets.length, 0);
}

/** Accepted deliveries of one partition must tile its offsets from `firstOffset` with no gap or repeat. */
function assertContiguous(deliveries: readonly Delivery[], partition: number, firstOffset: number): number {
  let next = firstOffset;
  for (const delivery of deliveries) {
    if (!delivery.accepted || delivery.partition !== partition) continue;
    assert.deepEqual(
      delivery.offsets,
      delivery.offsets.map((_offset, index) => next + index),
      `partition ${partition} continues at ${next}`,
    );
    next += delivery.offsets.length;
  }
  return next;
}

export function eventLogContract(name: string, makeHarness: () => Promise<EventLogHarness>): void {
  void describe(`EventLog contract: ${name}`, () => {
    let harness: EventLogHarness;
    let log: EventLog;
    const started: EventConsumer[] = [];

    before(async () => {
      harness = await makeHarness();
      log = harness.log;
      await log.ping();
    });

    after(async () => {
      await Promise.allSettled(started.map((consumer) => consumer.stop()));
      await harness.cleanup();
    });

    async function startConsumer(
      groupId: string,
      topics: string[],
      maxBatchSize: number,
      deliveries: Delivery[],
      decide: (delivery: Delivery) => Promise<boolean> | boolean = () => true,
    ): Promise<EventConsumer> {
      const consumer = log.consumer({ groupId, topics, maxBatchSize });
      started.push(consumer);
      await consumer.start(async (batch) => {
        assert.ok(
          batch.messages.length >= 1 && batch.messages.length <= maxBatchSize,
          `batch of ${batch.messages.length} within 1..${maxBatchSize}`,
        );
        for (const message of batch.messages) {
          assert.equal(message.topic, batch.topic);
          assert.equal(message.partition, batch.partition);
        }
        const delivery = toDelivery(batch);
        deliveries.push(delivery);
        if (!(await decide(delivery))) throw new Error('handler refuses this batch (test)');
        delivery.accepted = true;
      });
      return consumer;
    }

    void test('ensureTopics creates missing topics with the partitions asked and ignores existing ones', async () => {
      const first = harness.name('ensure-first');
      const second = harness.name('ensure-second');
      await log.ensureTopics([first], 3);
      await log.ensureTopics([first, second], 3);
      await log.ensureTopics([first, second], 3);
      // An existing topic keeps its partitions even when asked for more.
      await log.ensureTopics([first], 5);
      const keys = Array.from({ length: 24 }, (_unused, index) => `ensure-key-${index}`);
      await log
        .producer()
        .send([...keys.map((key) => record(first, key, 0)), ...keys.map((key) => record(second, key, 0))]);
      const deliveries: Delivery[] = [];
      const consumer = await startConsumer(harness.name('ensure-group'), [first, second], 50, deliveries);
      await waitFor('48 messages', () => acceptedCount(deliveries) === 48);
      await consumer.stop();
      const partitions = new Set<number>();
      for (const delivery of deliveries) {
        for (const key of delivery.keys) {
          assert.equal(
            delivery.partition,
            partitionForKey(key!, 3),
            `key ${key} is on its default-partitioner partition of 3`,
          );
        }
        partitions.add(delivery.partition);
      }
      assert.deepEqual([...partitions].sort(), [0, 1, 2], '24 keys spread over all 3 partitions');
    });

    void test('per-key order holds across many keys, partitions and concurrent sends; batches stay within maxBatchSize', async () => {
      const topic = harness.name('order');
      const partitionCount = 4;
      await log.ensureTopics([topic], partitionCount);
      const keys = Array.from({ length: 60 }, (_unused, index) => String(1_000_000 + index * 7919));
      const perKey = 20;
      const producer = log.producer();
      // Ten sends in flight at once, each carrying two consecutive sequences of every key.
      const sends: Promise<void>[] = [];
      for (let round = 0; round < perKey / 2; round += 1) {
        const records: LogRecord[] = [];
        for (const sequence of [round * 2, round * 2 + 1])
          for (const key of keys) records.push(record(topic, key, sequence));
        sends.push(producer.send(records));
      }
      await Promise.all(sends);
      const maxBatchSize = 7;
      const deliveries: Delivery[] = [];
      const consumer = await startConsumer(harness.name('order-group'), [topic], maxBatchSize, deliveries);
      await waitFor(`${keys.length * perKey} messages`, () => acceptedCount(deliveries) === keys.length * perKey);
      await consumer.stop();

      const sequencesByKey = new Map<string, number[]>();
      const partitionOfKey = new Map<string, number>();
      let largestBatch = 0;
      for (const delivery of deliveries) {
        largestBatch = Math.max(largestBatch, delivery.offsets.length);
        delivery.keys.forEach((key, index) => {
          assert.ok(key !== null);
          const known = partitionOfKey.get(key);
          assert.ok(known === undefined || known === delivery.partition, `key ${key} stays on one partition`);
          partitionOfKey.set(key, delivery.partition);
          sequencesByKey.set(key, [...(sequencesByKey.get(key) ?? []), sequenceOf(delivery.values[index]!)]);
        });
      }
      assert.ok(largestBatch <= maxBatchSize);
      assert.ok(largestBatch > 1, 'batches do carry several messages');
      for (const key of keys) {
        assert.deepEqual(
          sequencesByKey.get(key),
          Array.from({ length: perKey }, (_unused, index) => index),
          `order of key ${key}`,
        );
        assert.equal(partitionOfKey.get(key), partitionForKey(key, partitionCount));
      }
      let total = 0;
      for (let partition = 0; partition < partitionCount; partition += 1)
        total += assertContiguous(deliveries, partition, 0);
      assert.equal(total, keys.length * perKey);
    });

    void test('a rejected batch is delivered again with the same messages; in the end each message is handled once, none lost or skipped', async () => {
      const topic = harness.name('reject');
      await log.ensureTopics([topic], 2);
      const keys = Array.from({ length: 10 }, (_unused, index) => `reject-key-${index}`);
      const perKey = 10;
      const records: LogRecord[] = [];
      for (let sequence = 0; sequence < perKey; sequence += 1)
        for (const key of keys) records.push(record(topic, key, sequence));
      await log.producer().send(records);
      const rejectedOnce = new Set<string>();
      const deliveries: Delivery[] = [];
      // Every third slice position is refused twice before it is taken.
      const consumer = await startConsumer(harness.name('reject-group'), [topic], 4, deliveries, (delivery) => {
        const first = delivery.offsets[0]!;
        if (first % 3 !== 0) return true;
        const attempts = deliveries.filter(
          (other) => other.partition === delivery.partition && other.offsets[0] === first,
        ).length;
        if (attempts <= 2) {
          rejectedOnce.add(`${delivery.partition}:${first}`);
          return false;
        }
        return true;
      });
      await waitFor(`${records.length} messages accepted`, () => acceptedCount(deliveries) === records.length);
      await consumer.stop();

      assert.ok(rejectedOnce.size >= 3, `several batches were refused (${rejectedOnce.size})`);
      deliveries.forEach((delivery, index) => {
        if (delivery.accepted) return;
        const next = deliveries.slice(index + 1).find((later) => later.partition === delivery.partition);
        assert.ok(next !== undefined, 'a refused batch is delivered again');
        assert.deepEqual(
          next.offsets.slice(0, delivery.offsets.length),
          delivery.offsets,
          'redelivery starts with the same messages',
        );
        assert.deepEqual(next.values.slice(0, delivery.values.length), delivery.values);
      });
      const ends = [0, 1].map((partition) => assertContiguous(deliveries, partition, 0));
      assert.equal(ends[0]! + ends[1]!, records.length, 'every message accepted exactly once');
      const sequencesByKey = new Map<string, number[]>();
      for (const delivery of deliveries.filter((candidate) => candidate.accepted)) {
        delivery.keys.forEach((key, index) =>
          sequencesByKey.set(key!, [...(sequencesByKey.get(key!) ?? []), sequenceOf(delivery.values[index]!)]),
        );
      }
      for (const key of keys)
        assert.deepEqual(
          sequencesByKey.get(key),
          Array.from({ length: perKey }, (_unused, index) => index),
        );
    });

    void test('a consumer stopped before it committed leaves its messages to the next member of the group', async () => {
      const topic = harness.name('handover');
      const groupId = harness.name('handover-group');
      await log.ensureTopics([topic], 2);
      const records = Array.from({ length: 30 }, (_unused, index) => record(topic, `handover-key-${index % 6}`, index));
      await log.producer().send(records);
      const refused: Delivery[] = [];
      const failing = await startConsumer(groupId, [topic], 5, refused, () => false);
      await waitFor('two refused deliveries', () => refused.length >= 2);
      assert.equal(await failing.lag(), 30, 'nothing was committed');
      await failing.stop();

      const deliveries: Delivery[] = [];
      const successor = await startConsumer(groupId, [topic], 5, deliveries);
      await waitFor('30 messages at the successor', () => acceptedCount(deliveries) === 30);
      await waitFor('lag 0', async () => (await successor.lag()) === 0);
      await successor.stop();
      const ends = [0, 1].map((partition) => assertContiguous(deliveries, partition, 0));
      assert.equal(ends[0]! + ends[1]!, 30, 'the successor starts at offset 0 of each partition');
      for (const delivery of refused) {
        const redelivered = deliveries.find(
          (candidate) => candidate.partition === delivery.partition && candidate.offsets[0] === delivery.offsets[0],
        );
        assert.ok(redelivered !== undefined, `refused offsets ${delivery.offsets.join(',')} reach the successor`);
      }
    });

    void test('stop() waits for the handler in flight and commits it; a new member gets only what came after', async () => {
      const topic = harness.name('commit');
      const groupId = harness.name('commit-group');
      await log.ensureTopics([topic], 1);
      const producer = log.producer();
      await producer.send(Array.from({ length: 12 }, (_unused, index) => record(topic, 'commit-key', index)));
      let releaseGate: () => void = () => undefined;
      const gate = new Promise<void>((resolve) => {
        releaseGate = resolve;
      });
      let entered = false;
      const first: Delivery[] = [];
      const consumer = await startConsumer(groupId, [topic], 5, first, async (delivery) => {
        if (delivery.offsets.includes(11)) {
          entered = true;
          await gate;
        }
        return true;
      });
      await waitFor('the last batch in its handler', () => entered);
      let stopped = false;
      const stopping = consumer.stop().then(() => {
        stopped = true;
      });
      for (let turn = 0; turn < 20; turn += 1) await new Promise((resolve) => setImmediate(resolve));
      assert.equal(stopped, false, 'stop() waits while the handler runs');
      releaseGate();
      await stopping;
      assert.equal(acceptedCount(first), 12);
      assert.equal(await consumer.lag(), 0, 'the in-flight batch was committed by stop()');

      await producer.send(Array.from({ length: 3 }, (_unused, index) => record(topic, 'commit-key', 12 + index)));
      const second: Delivery[] = [];
      const successor = await startConsumer(groupId, [topic], 5, second);
      await waitFor('3 new messages', () => acceptedCount(second) === 3);
      await waitFor('lag 0', async () => (await successor.lag()) === 0);
      await successor.stop();
      assert.deepEqual(
        second.flatMap((delivery) => delivery.offsets),
        [12, 13, 14],
        'nothing committed is delivered again',
      );
    });

    void test('lag() counts exactly the messages the group has not committed', async () => {
      const topic = harness.name('lag');
      const groupId = harness.name('lag-group');
      await log.ensureTopics([topic], 3);
      const producer = log.producer();
      await producer.send(Array.from({ length: 12 }, (_unused, index) => record(topic, `lag-key-${index}`, index)));
      const idle = log.consumer({ groupId, topics: [topic], maxBatchSize: 10 });
      assert.equal(await idle.lag(), 12, 'a group that never committed is behind by everything (fromBeginning)');
      const latest = log.consumer({
        groupId: harness.name('lag-latest'),
        topics: [topic],
        maxBatchSize: 10,
        fromBeginning: false,
      });
      assert.equal(await latest.lag(), 0, 'a group starting at the end is behind by nothing');

      const deliveries: Delivery[] = [];
      const consumer = await startConsumer(groupId, [topic], 4, deliveries);
      await waitFor('lag 0 after consuming', async () => (await consumer.lag()) === 0);
      await consumer.stop();
      assert.equal(acceptedCount(deliveries), 12);
      await producer.send(
        Array.from({ length: 5 }, (_unused, index) => record(topic, `lag-key-${index}`, 100 + index)),
      );
      assert.equal(await consumer.lag(), 5, 'five new messages are uncommitted');
      assert.equal(
        await log.consumer({ groupId, topics: [topic], maxBatchSize: 10 }).lag(),
        5,
        'lag is the group’s, whichever member asks',
      );
    });
  });
}
