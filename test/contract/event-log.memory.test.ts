// Runs the EventLog contract against the in-process log, memory only and persisted to a
// directory. Then proves what persistence adds: a new log on the same directory continues
// where the old one stopped (records kept, committed offsets kept, uncommitted messages
// delivered again), a torn last line from a crash is dropped and repaired, and the memory
// bound pushes back with bound_exceeded instead of dropping unconsumed records.
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { eventLogContract } from './event-log.contract.ts';
import { isTiernetError } from '../../src/app/errors.ts';
import type { ConsumedBatch, EventLog } from '../../src/app/ports/event-log.ts';
import { createMemoryEventLog } from '../../src/adapters/memory/event-log.ts';

const directories: string[] = [];
function temporaryDirectory(): string {
  const directory = mkdtempSync(join(tmpdir(), 'tiernet-event-log-'));
  directories.push(directory);
  return directory;
}
after(() => {
  for (const directory of directories) rmSync(directory, { recursive: true, force: true });
});

eventLogContract('memory', async () => {
  const log = createMemoryEventLog();
  return { log, name: (tag) => `memory.${tag}`, cleanup: () => log.close() };
});

eventLogContract('memory, persisted', async () => {
  const log = createMemoryEventLog({ directory: temporaryDirectory() });
  return { log, name: (tag) => `persisted.${tag}`, cleanup: () => log.close() };
});

async function consumeUntil(
  log: EventLog,
  groupId: string,
  topic: string,
  count: number,
  accept: boolean,
): Promise<ConsumedBatch[]> {
  const batches: ConsumedBatch[] = [];
  const consumer = log.consumer({ groupId, topics: [topic], maxBatchSize: 4 });
  let seen = 0;
  let reached: () => void = () => undefined;
  const done = new Promise<void>((resolve) => {
    reached = resolve;
  });
  await consumer.start(async (batch) => {
    batches.push(batch);
    seen += batch.messages.length;
    if (seen >= count) reached();
    if (!accept) throw new Error('refused (test)');
  });
  const timer = setTimeout(() => reached(), 10_000);
  await done;
  clearTimeout(timer);
  await consumer.stop();
  assert.ok(seen >= count, `saw ${seen} of ${count} messages within 10 s`);
  return batches;
}

void describe('in-process event log persistence', () => {
  void test('a new log on the same directory keeps records and commits and redelivers what was not committed', async () => {
    const directory = temporaryDirectory();
    const first = createMemoryEventLog({ directory });
    await first.ensureTopics(['bets'], 2);
    await first
      .producer()
      .send(
        Array.from({ length: 10 }, (_unused, index) => ({ topic: 'bets', key: `u${index % 3}`, value: `v${index}` })),
      );
    const committed = await consumeUntil(first, 'ingest', 'bets', 10, true);
    await first
      .producer()
      .send(
        Array.from({ length: 6 }, (_unused, index) => ({ topic: 'bets', key: `u${index % 3}`, value: `w${index}` })),
      );
    await consumeUntil(first, 'ingest', 'bets', 1, false);
    await first.close();

    const second = createMemoryEventLog({ directory });
    const consumer = second.consumer({ groupId: 'ingest', topics: ['bets'], maxBatchSize: 4 });
    assert.equal(await consumer.lag(), 6, 'only the six uncommitted records are behind');
    const redelivered = await consumeUntil(second, 'ingest', 'bets', 6, true);
    const values = redelivered.flatMap((batch) => batch.messages.map((message) => message.value)).sort();
    assert.deepEqual(values, ['w0', 'w1', 'w2', 'w3', 'w4', 'w5']);
    assert.equal(committed.flatMap((batch) => batch.messages).length, 10);
    const fresh = await consumeUntil(second, 'audit', 'bets', 16, true);
    assert.equal(
      fresh.flatMap((batch) => batch.messages).length,
      16,
      'a new group still reads all 16 records from disk',
    );
    await second.close();
  });

  void test('a torn last line left by a crash is dropped, and later appends start on a clean line', async () => {
    const directory = temporaryDirectory();
    const first = createMemoryEventLog({ directory });
    await first.ensureTopics(['users'], 1);
    await first.producer().send([{ topic: 'users', key: 'a', value: 'one' }]);
    await first.close();
    const file = join(directory, 'log', 'users-0.jsonl');
    appendFileSync(file, '{"offset":1,"key":"a","val');

    const second = createMemoryEventLog({ directory });
    await second.producer().send([{ topic: 'users', key: 'a', value: 'two' }]);
    const batches = await consumeUntil(second, 'g', 'users', 2, true);
    const messages = batches.flatMap((batch) => batch.messages);
    assert.deepEqual(
      messages.map((message) => [message.offset, message.value]),
      [
        ['0', 'one'],
        ['1', 'two'],
      ],
    );
    await second.close();
    assert.equal(readFileSync(file, 'utf8').trim().split('\n').length, 2, 'the file holds two whole lines');
  });

  void test('the memory bound drops only committed records and refuses sends past an uncommitted backlog', async () => {
    const log = createMemoryEventLog({ retainedRecordsPerPartitionMax: 5 });
    await log.ensureTopics(['periods'], 1);
    const consumer = log.consumer({ groupId: 'g', topics: ['periods'], maxBatchSize: 10 });
    await consumer.start(async () => {
      throw new Error('never commits (test)');
    });
    const producer = log.producer();
    await producer.send(
      Array.from({ length: 5 }, (_unused, index) => ({ topic: 'periods', key: 'k', value: String(index) })),
    );
    await assert.rejects(producer.send([{ topic: 'periods', key: 'k', value: '5' }]), (error) =>
      isTiernetError(error, 'bound_exceeded'),
    );
    await consumer.stop();
    const batches = await consumeUntil(log, 'g', 'periods', 5, true);
    assert.equal(batches.flatMap((batch) => batch.messages).length, 5, 'the refused send changed nothing');
    await producer.send(
      Array.from({ length: 5 }, (_unused, index) => ({ topic: 'periods', key: 'k', value: String(5 + index) })),
    );
    assert.equal(await log.consumer({ groupId: 'g', topics: ['periods'], maxBatchSize: 10 }).lag(), 5);
    await log.close();
  });
});
