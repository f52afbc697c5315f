// Proves a refused event is dead-lettered once per consumer group, however often the log
// delivers it: a redelivered batch (crash between the DB commit and the offset commit) or a
// group moved back to offset 0 finds the offsets the store committed with the earlier dead
// letter and writes no second one under a new event id; a later offset, or another
// partition, is still dead-lettered; and the stored offsets never move backwards.
// Runs on SQLite and on MariaDB. (End to end on Kafka: test/fault/replay-offset-zero.test.ts.)
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ingestBatch, type IngestDependencies, type IngestItem } from '../../src/app/ingest/ingest-batch.ts';
import { openStoreFixture, sqlBackends, type StoreFixture } from '../support/backends.ts';
import { testIngestDeps } from '../support/ingest-deps.ts';

const t0 = Date.UTC(2026, 10, 20, 8);
const clock = { nowMs: () => t0 + 60_000 };
const topic = 'in.bets';
const group = 'dead-letter-once';

const message = (partition: number, offset: number, text: string): IngestItem => ({
  input: { kind: 'text', text, byteLength: Buffer.byteLength(text) },
  source: { topic, partition, offset: String(offset), key: '7' },
});
const bet = (betId: string): string =>
  JSON.stringify({
    type: 'bet.placed',
    betId,
    userId: '7',
    gameId: 'g',
    periodId: 'p',
    amount: '10',
    placedAt: t0,
  });

for (const backend of sqlBackends) {
  describe(`dead letters once per offset on ${backend}`, () => {
    let fixture: StoreFixture;
    let deps: IngestDependencies;

    before(async () => {
      fixture = await openStoreFixture(backend, 'dead-letter-once');
      deps = testIngestDeps(fixture.store, clock, { consumerGroup: group });
    });
    after(() => fixture.cleanup());

    const deadLetters = async (): Promise<{ partition: number; offset: string }[]> =>
      (await fixture.store.outbox.readBatch(1_000))
        .filter((record) => record.topic === 'dlq')
        .map((record) => {
          const payload = JSON.parse(record.payload) as { partition: number; offset: string };
          return { partition: payload.partition, offset: payload.offset };
        });
    const storedNext = async (): Promise<string[]> =>
      (await fixture.store.offsets.load(group, topic)).map((row) => `${row.partition}:${row.nextOffset}`);

    test('first delivery dead-letters the refused item and stores the next offset', async () => {
      const { stats } = await ingestBatch(deps, [
        message(0, 0, bet('1')),
        message(0, 1, 'not json'),
        message(0, 2, bet('2')),
      ]);
      assert.deepEqual([stats.applied, stats.rejected, stats.deadLettered], [2, 1, 1]);
      assert.deepEqual(await deadLetters(), [{ partition: 0, offset: '1' }]);
      assert.deepEqual(await storedNext(), ['0:3']);
    });

    test('the same batch again, and a replay from offset 0, add no dead letter and keep the offset', async () => {
      const again = await ingestBatch(deps, [
        message(0, 0, bet('1')),
        message(0, 1, 'not json'),
        message(0, 2, bet('2')),
      ]);
      assert.deepEqual(
        [again.stats.duplicates, again.stats.rejected, again.stats.deadLettered],
        [2, 1, 0],
        'still refused, counted as such, but not dead-lettered (nor counted in tiernet_dlq_records_total) again',
      );
      await ingestBatch(deps, [message(0, 0, bet('1')), message(0, 1, 'not json')]);
      assert.deepEqual(await deadLetters(), [{ partition: 0, offset: '1' }]);
      assert.deepEqual(await storedNext(), ['0:3'], 'a replayed batch never moves the stored offset back');
    });

    test('a refused item at a new offset, or on another partition, is dead-lettered', async () => {
      await ingestBatch(deps, [message(0, 2, bet('2')), message(0, 3, '{"type":"bet.placed"}')]);
      await ingestBatch(deps, [message(1, 0, 'not json either')]);
      assert.deepEqual(await deadLetters(), [
        { partition: 0, offset: '1' },
        { partition: 0, offset: '3' },
        { partition: 1, offset: '0' },
      ]);
      assert.deepEqual(await storedNext(), ['0:4', '1:1']);
    });

    test('items without a log position (POST /v1/events) are never dead-lettered', async () => {
      const { results, stats } = await ingestBatch(deps, [{ input: { kind: 'json', value: { type: 'nope' } } }]);
      assert.equal(results[0]?.status, 'rejected');
      assert.equal(stats.deadLettered, 0);
      assert.equal((await deadLetters()).length, 3);
    });
  });
}
