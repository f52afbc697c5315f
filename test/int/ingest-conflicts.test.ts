// Ingest's conflict paths on MariaDB.
//
// A bet placed again while the cache does not know it (Redis restarted, a crash before the
// cache write) is first taken as new without a lookup; its insert hits the primary key, the
// batch retries with every bet looked up, and answers duplicate (or bet_conflict for other
// content), counting nothing twice.
//
// A bet voided by another transaction between this batch's read and its write is not
// subtracted twice: the batch sees fewer bets marked than it voided, retries as a conflict,
// and the retry answers duplicate. The interleaving is forced, not hoped for: the first
// attempt's markVoided is preceded by a committed void from another connection (what a
// second consumer still holding the partition, or the same void sent under two keys, does).
// A user the batch creates has no VIP state or metrics to look up; if another transaction
// created the user (with a bet) meanwhile, this batch's user insert hits the key, and the
// retry decides on the stored state.
//
// MariaDB only: SQLite has one writer at a time, so the interleaving cannot happen there.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { ingestBatch, type IngestDependencies, type IngestItem } from '../../src/app/ingest/ingest-batch.ts';
import type { Store } from '../../src/app/ports/store.ts';
import { openStoreFixture, type StoreFixture } from '../support/backends.ts';
import { testIngestDeps } from '../support/ingest-deps.ts';
import { storeWithSessions } from '../support/session-seam.ts';

const t0 = Date.UTC(2026, 10, 20, 8);
const clock = { nowMs: () => t0 + 60_000 };
const item = (value: unknown): IngestItem => ({ input: { kind: 'json', value } });

let fixture: StoreFixture;
before(async () => {
  fixture = await openStoreFixture('mysql', 'ingest-void-race');
});
after(() => fixture.cleanup());

function depsWith(store: Store): IngestDependencies {
  return testIngestDeps(store, clock, { consumerGroup: 'void-race' });
}

test('a void committed concurrently between read and write is subtracted once; the batch retries', async () => {
  const base = fixture.store;
  await ingestBatch(depsWith(base), [
    item({ type: 'bet.placed', betId: '71', userId: '7', gameId: 'g', periodId: 'p', amount: '10', placedAt: t0 }),
  ]);
  let interleaved = 0;
  // The first attempt's session: before it marks the void, another connection voids the bet and commits.
  const racing = storeWithSessions(base, (session) => ({
    ...session,
    bets: {
      ...session.bets,
      markVoided: async (voids) => {
        if (interleaved === 0) {
          interleaved += 1;
          await base.transaction(async (other) => {
            const bet = (await other.bets.getMany(['71'])).get('71');
            assert.ok(bet !== undefined);
            await other.bets.markVoided([{ betId: '71', voidedAtMs: t0 + 5 }]);
            await other.metrics.addDeltas([
              { userId: '7', day: bet.day, turnoverDeltaMinor: -bet.amountMinor, betCountDelta: -1 },
            ]);
          });
        }
        return session.bets.markVoided(voids);
      },
    },
  }));
  const { results, stats } = await ingestBatch(depsWith(racing), [
    item({ type: 'bet.voided', betId: '71', voidedAt: t0 + 9 }),
  ]);
  assert.equal(interleaved, 1);
  assert.equal(stats.attempts, 2, 'the first attempt conflicted and the batch was retried');
  assert.equal(results[0]?.status, 'duplicate');
  const totals = await base.metrics.totals(['7']);
  assert.deepEqual(totals.get('7'), { userId: '7', turnoverMinor: 0n, betCount: 0 });
  assert.equal((await base.bets.getMany(['71'])).get('71')?.voidedAtMs, t0 + 5);
});

test('a stored bet placed again with a cold cache is a duplicate after one retry; other content is bet_conflict', async () => {
  const base = fixture.store;
  const placed = { type: 'bet.placed', userId: '8', gameId: 'g', periodId: 'p', placedAt: t0 };
  await ingestBatch(depsWith(base), [
    item({ ...placed, betId: '81', amount: '10' }),
    item({ ...placed, betId: '82', amount: '20' }),
  ]);
  const before = (await base.metrics.totals(['8'])).get('8');
  assert.ok(before !== undefined && before.betCount === 2);
  // A fresh dependency set: a cache that has never seen these bets.
  const again = await ingestBatch(depsWith(base), [
    item({ ...placed, betId: '81', amount: '10' }),
    item({ ...placed, betId: '82', amount: '25' }),
    item({ ...placed, betId: '83', amount: '30' }),
  ]);
  assert.equal(again.stats.attempts, 2, 'the optimistic attempt hit the primary key and the batch was retried');
  assert.deepEqual(
    again.results.map((result) => [result.status, result.error?.code]),
    [
      ['duplicate', undefined],
      ['rejected', 'bet_conflict'],
      ['applied', undefined],
    ],
  );
  // Only bet 83 (as much as 81 and 82 together) was added.
  assert.deepEqual((await base.metrics.totals(['8'])).get('8'), {
    userId: '8',
    turnoverMinor: before.turnoverMinor * 2n,
    betCount: 3,
  });
  // New bets only: one attempt, no lookup needed.
  const fresh = await ingestBatch(depsWith(base), [item({ ...placed, betId: '84', amount: '1' })]);
  assert.equal(fresh.stats.attempts, 1);
});

test('a user another transaction created after this batch read it as new: the batch retries and decides on the stored state', async () => {
  const base = fixture.store;
  let interleaved = 0;
  // The first attempt read user 9 as absent (so it looks up no VIP state or metrics for it);
  // before it writes, another connection ingests a bet of user 9 and commits.
  const racing = storeWithSessions(base, (session) => ({
    ...session,
    vipStates: {
      ...session.vipStates,
      getMany: async (userIds) => {
        if (interleaved === 0) {
          interleaved += 1;
          const other = await ingestBatch(depsWith(base), [
            item({
              type: 'bet.placed',
              betId: '91',
              userId: '9',
              gameId: 'g',
              periodId: 'p',
              amount: '6000',
              placedAt: t0,
            }),
          ]);
          assert.equal(other.stats.applied, 1, JSON.stringify(other.results));
        }
        return session.vipStates.getMany(userIds);
      },
    },
  }));
  const { results, stats } = await ingestBatch(depsWith(racing), [
    item({
      type: 'bet.placed',
      betId: '92',
      userId: '9',
      gameId: 'g',
      periodId: 'p',
      amount: '6000',
      placedAt: t0 + 1,
    }),
  ]);
  assert.equal(interleaved, 1);
  assert.equal(stats.attempts, 2, 'the user insert hit the key the other transaction wrote, and the batch retried');
  assert.equal(results[0]?.status, 'applied');
  const totals = await base.metrics.totals(['9']);
  assert.deepEqual(totals.get('9'), { userId: '9', turnoverMinor: 120_000_000n, betCount: 2 });
  // 12,000 of lifetime turnover passes the default ladder's Bronze (10,000): only counting the
  // stored 6,000 with this batch's 6,000 gets there.
  const state = (await base.vipStates.getMany(['9'])).get('9');
  assert.equal(state?.state.level, 1, 'promoted on the second bet, over the stored first');
  assert.equal(stats.vipChanges, 1);
});
