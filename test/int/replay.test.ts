// Proves `replay` recomputes VIP state from stored bets under the ladder in force: a dry run
// reports who would move and writes nothing; a real run writes the new states with one
// `replay` history row and a vip.changed per moved user, and running it again changes nothing.
// Runs on SQLite and on MariaDB; the CLI form is exercised on SQLite through the real binary.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemoryCache } from '../../src/adapters/memory/cache.ts';
import { ingestBatch, type IngestDependencies } from '../../src/app/ingest/ingest-batch.ts';
import { LadderSource } from '../../src/app/vip/ladder-source.ts';
import { replayVip } from '../../src/app/vip/replay.ts';
import { openStoreFixture, sqlBackends, type StoreFixture } from '../support/backends.ts';
import { runCli } from '../support/cli.ts';

const t0 = Date.UTC(2026, 10, 20, 8);
const clock = { nowMs: () => t0 + 86_400_000 };
const windowDays = [1, 7, 30, 90];
const ladderV1 = {
  timezone: 'UTC',
  levels: [
    { level: 0, name: 'Member' },
    { level: 1, name: 'Bronze', promote: { turnoverLifetime: '100' }, keep: { turnover30d: '50' } },
    { level: 2, name: 'Silver', promote: { turnoverLifetime: '500' }, keep: { turnover30d: '200' } },
  ],
};
const ladderV2 = {
  ...ladderV1,
  levels: [
    { level: 0, name: 'Member' },
    { level: 1, name: 'Bronze', promote: { turnoverLifetime: '300' }, keep: { turnover30d: '50' } },
    { level: 2, name: 'Silver', promote: { turnoverLifetime: '5000' }, keep: { turnover30d: '200' } },
  ],
};

const bet = (betId: string, userId: string, amount: string, minute: number) => ({
  type: 'bet.placed',
  betId,
  userId,
  gameId: 'g',
  periodId: 'p',
  amount,
  placedAt: t0 + minute * 60_000,
});

for (const backend of sqlBackends) {
  describe(`replay on ${backend}`, () => {
    let fixture: StoreFixture;
    let deps: IngestDependencies;
    const ladders = new LadderSource(windowDays);

    before(async () => {
      fixture = await openStoreFixture(backend, 'replay');
      await fixture.store.ladders.insert({
        version: 1,
        document: JSON.stringify(ladderV1),
        actor: 't',
        createdAtMs: t0,
      });
      deps = {
        store: fixture.store,
        cache: new MemoryCache({ clock }),
        clock,
        ladders,
        currency: 'CNY',
        windowDays,
        topics: { vipChanges: 'vip', groupChanges: 'g', settlements: 's', dlq: 'dlq' },
        consumerGroup: 't',
      };
      // 1: 600 total → Silver under v1, Bronze under v2. 2: 150 → Bronze under v1, Member under v2. 3: 40 → Member under both.
      await ingestBatch(deps, [
        { input: { kind: 'json', value: bet('1', '1', '200', 0) } },
        { input: { kind: 'json', value: bet('2', '1', '400', 1) } },
        { input: { kind: 'json', value: bet('3', '2', '150', 2) } },
        { input: { kind: 'json', value: bet('4', '3', '40', 3) } },
        { input: { kind: 'json', value: { type: 'bet.voided', betId: '4', voidedAt: t0 + 10 * 60_000 } } },
      ]);
      await fixture.store.ladders.insert({
        version: 2,
        document: JSON.stringify(ladderV2),
        actor: 't',
        createdAtMs: t0 + 1,
      });
    });
    after(() => fixture.cleanup());

    const levels = async () => {
      const states = await fixture.store.vipStates.getMany(['1', '2', '3']);
      return ['1', '2', '3'].map((id) => states.get(id)?.state.level ?? 0);
    };
    const replayDeps = () => ({ store: fixture.store, clock, ladders, windowDays, vipChangesTopic: 'vip' });

    test('a dry run reports the moves and writes nothing', async () => {
      assert.deepEqual(await levels(), [2, 1, 0]);
      const outboxBefore = await fixture.store.outbox.count();
      const report = await replayVip(replayDeps(), { dryRun: true, rebuildMetrics: false, usersPerPage: 2 });
      assert.deepEqual(
        report.moves.map((move) => [move.userId, move.fromLevel, move.toLevel]),
        [
          ['1', 2, 1],
          ['2', 1, 0],
        ],
      );
      assert.equal(report.users, 3);
      assert.equal(report.bets, 4);
      assert.deepEqual(await levels(), [2, 1, 0]);
      assert.equal(await fixture.store.outbox.count(), outboxBefore);
    });

    test('a real run writes states, one replay history row and vip.changed per moved user; a second run changes nothing', async () => {
      const report = await replayVip(replayDeps(), {
        dryRun: false,
        rebuildMetrics: true,
        usersPerPage: 2,
        betsPerChunk: 1,
      });
      assert.equal(report.moves.length, 2);
      assert.deepEqual(await levels(), [1, 0, 0]);
      const history = await fixture.store.vipHistory.pageForUser('1', null, 10);
      assert.deepEqual(
        [
          history.items[0]?.reason,
          history.items[0]?.fromLevel,
          history.items[0]?.toLevel,
          history.items[0]?.ladderVersion,
        ],
        ['replay', 2, 1, 2],
      );
      const events = (await fixture.store.outbox.readBatch(1000))
        .filter((record) => record.topic === 'vip')
        .map((record) => JSON.parse(record.payload) as { userId: string; reason: string; toLevel: number });
      assert.deepEqual(
        events.filter((event) => event.reason === 'replay').map((event) => [event.userId, event.toLevel]),
        [
          ['1', 1],
          ['2', 0],
        ],
      );
      const totals = await fixture.store.metrics.totals(['1', '3']);
      assert.equal(totals.get('1')?.turnoverMinor, 6_000_000n, 'rebuilt totals equal the bets');
      assert.equal(totals.get('3')?.turnoverMinor, 0n, 'a voided bet counts for nothing after a rebuild');
      const again = await replayVip(replayDeps(), { dryRun: false, rebuildMetrics: false });
      assert.equal(again.changed, 0);
      assert.equal(again.moves.length, 0);
    });
  });
}

describe('tiernet replay (CLI)', () => {
  const directory = mkdtempSync(join(tmpdir(), 'tiernet-replay-cli-'));
  after(() => rmSync(directory, { recursive: true, force: true }));

  test('--dry-run --json on the embedded default reports a machine-readable result and exits 0', async () => {
    const result = await runCli(['replay', '--data-dir', directory, '--dry-run', '--json']);
    assert.equal(result.code, 0, result.stderr);
    const report = JSON.parse(result.stdout) as { dryRun: boolean; users: number; moves: unknown[] };
    assert.equal(report.dryRun, true);
    assert.equal(report.users, 0);
    assert.deepEqual(report.moves, []);
  });
});
