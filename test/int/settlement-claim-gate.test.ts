// Proves the settlement claim gate on MariaDB (READ COMMITTED, where a plain read does not
// wait for a claim in flight): an ingest-style transaction that holds the gate shared, has
// read the period as unclaimed and has written a bet, makes a concurrent claim wait until it
// commits, so the settlement counts that bet; and a transaction that takes the gate after a
// claim sees the claim (and so records a late bet as an adjustment). SQLite has one writer at
// a time, so there every transaction is already serial.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { DistributedLock } from '../../src/app/ports/lock.ts';
import { runSettlement } from '../../src/app/settlement/run-settlement.ts';
import { insertRows } from '../../src/adapters/sql/database.ts';
import { shareSettlementClaimGate } from '../../src/adapters/sql/settlement-claim-gate.ts';
import { createPeriodsRepository } from '../../src/adapters/sql/periods-repository.ts';
import { openSettlementFixture, type SettlementFixture } from '../support/settlement-fixture.ts';
import { betColumns } from '../../src/adapters/sql/bets-repository.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const nowMs = Date.UTC(2026, 10, 25, 9);

describe('settlement claim gate: mysql+redis', () => {
  let fixture: SettlementFixture;
  let lock: DistributedLock;
  before(async () => {
    fixture = await openSettlementFixture('mysql+redis', 'settlement-claim-gate');
    lock = await fixture.openLock();
    await fixture.seedUsers([
      { userId: '1', parentId: null, ratePpm: 100_000 },
      { userId: '2', parentId: '1', ratePpm: 50_000 },
    ]);
  });
  after(async () => fixture.cleanup());

  /** What an ingest batch does with a bet: gate, read the claim, write the bet (and a late adjustment if claimed). */
  async function ingestBet(
    betId: string,
    periodId: string,
    amountMinor: bigint,
    holdOpen: Promise<void>,
  ): Promise<boolean> {
    const { database } = fixture;
    return database.transaction(async (trx) => {
      await shareSettlementClaimGate(database, trx, nowMs);
      const claimed =
        (await createPeriodsRepository(database, trx).claimedKeys([{ gameId: 'gate', periodId }])).size > 0;
      await insertRows(
        database,
        trx,
        'bets',
        betColumns,
        [[betId, '2', 'gate', periodId, amountMinor, nowMs, 0, null, nowMs]],
        '',
      );
      if (claimed) {
        await insertRows(
          database,
          trx,
          'bet_adjustments',
          ['bet_id', 'kind', 'user_id', 'amount_minor', 'created_at_ms', 'settlement_id'],
          [[betId, 'late', '2', amountMinor, nowMs, null]],
          '',
        );
      }
      await holdOpen;
      return claimed;
    });
  }

  test('a claim waits for an ingest transaction holding the gate, and counts its bet', async () => {
    await fixture.seedBets([{ betId: '1', userId: '2', gameId: 'gate', periodId: 'p1', amountMinor: 1_000_000n }]);
    await fixture.closePeriods([{ gameId: 'gate', periodId: 'p1' }]);
    let release = (): void => undefined;
    const holdOpen = new Promise<void>((resolve) => (release = resolve));
    const ingest = ingestBet('2', 'p1', 3_000_000n, holdOpen);
    await sleep(100); // the ingest transaction holds the gate and has written its bet
    const settling = runSettlement(fixture.deps(lock), {
      periods: [{ gameId: 'gate', periodId: 'p1' }],
      adjustmentsAlone: false,
    });
    await sleep(500);
    const created = await fixture.database.db.selectFrom('settlements').select('settlement_id').execute();
    assert.equal(created.length, 0, 'the claim waits at the gate');
    release();
    assert.equal(await ingest, false, 'ingest saw the period unclaimed');
    const outcome = await settling;
    assert.ok(outcome.kind === 'done' && outcome.claimed !== null);
    assert.equal(outcome.claimed.settlement.turnoverMinor, 4_000_000n, 'the bet written under the gate is counted');
    assert.equal(
      (await fixture.ledger(outcome.claimed.settlement.settlementId)).get('1')?.teamTurnoverMinor,
      4_000_000n,
    );
  });

  test('a transaction taking the gate after a claim sees it and records a late adjustment', async () => {
    await fixture.seedBets([{ betId: '10', userId: '2', gameId: 'gate', periodId: 'p2', amountMinor: 1_000_000n }]);
    await fixture.closePeriods([{ gameId: 'gate', periodId: 'p2' }]);
    let sawClaim: boolean | null = null;
    const outcome = await runSettlement(
      fixture.deps(lock, {
        hooks: { afterClaim: async () => void (sawClaim = await ingestBet('11', 'p2', 7_000_000n, Promise.resolve())) },
      }),
      { periods: [{ gameId: 'gate', periodId: 'p2' }], adjustmentsAlone: false },
    );
    assert.equal(sawClaim, true);
    assert.ok(outcome.kind === 'done' && outcome.claimed !== null);
    assert.equal(outcome.claimed.settlement.turnoverMinor, 1_000_000n, 'the late bet is not in this settlement');
    const next = await runSettlement(fixture.deps(lock), { periods: null, adjustmentsAlone: true });
    assert.ok(next.kind === 'done' && next.claimed !== null);
    assert.equal(next.claimed.settlement.turnoverMinor, 7_000_000n, 'it is paid in the next one, once');
  });
});
