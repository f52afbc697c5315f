// Proves, through the real ingest use case on SQLite+memory lock and MariaDB+Redis, that
// nothing reaching a period after its claim is lost or paid twice, and committed lines never
// change:
// - a bet voided after its period was settled becomes a negative adjustment paid in a later
//   settlement (a clawback line), and a late bet for a settled period a positive one;
// - bets and voids that land between a settlement's claim and its commit are settled as the
//   period stood at the claim: the late bet goes to the next settlement, the voided bet is
//   paid now and taken back next time; the two settlements together pay exactly what the
//   final state of the bets pays;
// - pending adjustments alone make a settlement when an operator asks ({} on the API), not
//   for the automatic trigger, which lets them ride with the next period.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ingestBatch, type IngestDependencies, type IngestItem } from '../../src/app/ingest/ingest-batch.ts';
import type { DistributedLock } from '../../src/app/ports/lock.ts';
import type { LedgerLineRow } from '../../src/app/ports/store.ts';
import { runSettlement, settleDue, type SettleOutcome } from '../../src/app/settlement/run-settlement.ts';
import { LadderSource } from '../../src/app/vip/ladder-source.ts';
import { MemoryCache } from '../../src/adapters/memory/cache.ts';
import { referenceSettle, type ReferenceBet } from '../support/rebate-reference.ts';
import { openSettlementFixture, settlementBackends, type SettlementFixture } from '../support/settlement-fixture.ts';

const t0 = Date.UTC(2026, 10, 25, 8);
const json = (value: unknown): IngestItem => ({ input: { kind: 'json', value } });

// A(10%) <- B(6%) <- C(3%), user ids 1, 2, 3 in tree node order 0, 1, 2.
const tree = {
  parent: [-1, 0, 1],
  ratePpm: [100_000, 60_000, 30_000],
  eligible: [true, true, true],
  capMinor: [null, null, null],
};
const nodeOf: Record<string, number> = { '1': 0, '2': 1, '3': 2 };
const policy = { model: 'differential', selfRebate: true } as const;

function claimedOf(outcome: SettleOutcome) {
  assert.equal(outcome.kind, 'done');
  if (outcome.kind !== 'done' || outcome.claimed === null) throw new Error('expected a settlement');
  assert.equal(outcome.claimed.settlement.status, 'committed', outcome.claimed.settlement.error ?? '');
  return outcome.claimed.settlement;
}

/** The reference ledger of `bets` (bettor user id, signed amount) by user id: [amount, exact]. */
function expectedLedger(bets: readonly [string, bigint][]): Map<string, [bigint, bigint]> {
  const referenceBets: ReferenceBet[] = bets.map(([userId, amountMinor]) => ({ bettor: nodeOf[userId]!, amountMinor }));
  const reference = referenceSettle(tree, referenceBets, policy);
  return new Map(
    [...reference.lines].map(([node, line]) => [String(node + 1), [line.amountMinor, line.exactMinorPpm]]),
  );
}

function actualLedger(lines: Map<string, LedgerLineRow>): Map<string, [bigint, bigint]> {
  return new Map([...lines].map(([userId, line]) => [userId, [line.amountMinor, line.exactMinorPpm]]));
}

for (const backend of settlementBackends) {
  describe(`settlement adjustments: ${backend}`, () => {
    let fixture: SettlementFixture;
    let lock: DistributedLock;
    let ingest: IngestDependencies;
    let betId = 1_000;
    const bet = (userId: string, periodId: string, amount: string) =>
      json({ type: 'bet.placed', betId: String((betId += 1)), userId, gameId: 'ssc', periodId, amount, placedAt: t0 });
    const voided = (id: number) => json({ type: 'bet.voided', betId: String(id), voidedAt: t0 + 1 });
    const closed = (periodId: string) => json({ type: 'period.closed', gameId: 'ssc', periodId, closedAt: t0 + 2 });
    async function apply(...items: IngestItem[]): Promise<void> {
      const { results } = await ingestBatch(ingest, items);
      assert.deepEqual(
        results.map((result) => result.status),
        items.map(() => 'applied'),
        JSON.stringify(results),
      );
    }

    before(async () => {
      fixture = await openSettlementFixture(backend, 'settlement-adjustments');
      lock = await fixture.openLock();
      ingest = {
        store: fixture.store,
        cache: new MemoryCache({ clock: fixture.clock }),
        clock: fixture.clock,
        ladders: new LadderSource([1, 7, 30, 90]),
        currency: 'CNY',
        windowDays: [1, 7, 30, 90],
        topics: { vipChanges: 'vip', groupChanges: 'groups', settlements: 'tiernet.settlements', dlq: 'dlq' },
        consumerGroup: 'test',
      };
      await apply(
        json({ type: 'user.registered', userId: '1', rebateRate: '0.1', registeredAt: t0 - 1_000 }),
        json({ type: 'user.registered', userId: '2', parentId: '1', rebateRate: '0.06', registeredAt: t0 - 1_000 }),
        json({ type: 'user.registered', userId: '3', parentId: '2', rebateRate: '0.03', registeredAt: t0 - 1_000 }),
      );
    });
    after(async () => fixture.cleanup());

    test('a void and a late bet after settlement are paid in a later settlement; committed lines never change', async () => {
      await apply(bet('3', 'p1', '100'), bet('2', 'p1', '50'), bet('3', 'p1', '20'));
      const firstBet = betId - 2; // C's 100
      await apply(voided(betId), closed('p1')); // C's 20 is voided before the claim: never paid
      const first = claimedOf(await runSettlement(fixture.deps(lock), { periods: null, adjustmentsAlone: false }));
      const firstLines = await fixture.ledger(first.settlementId);
      assert.deepEqual(
        actualLedger(firstLines),
        expectedLedger([
          ['3', 1_000_000n],
          ['2', 500_000n],
        ]),
      );

      // After the commit: C's 100 is voided, C bets 40 late in p1, A bets 10 in p2.
      await apply(voided(firstBet), bet('3', 'p1', '40'), bet('1', 'p2', '10'), closed('p2'));
      const second = claimedOf(await runSettlement(fixture.deps(lock), { periods: null, adjustmentsAlone: false }));
      assert.deepEqual(second.periods, [{ gameId: 'ssc', periodId: 'p2' }]);
      assert.equal(second.adjustmentCount, 2, 'the void and the late bet');
      assert.equal(second.turnoverMinor, -1_000_000n + 400_000n + 100_000n);
      // C nets -60: a clawback on C's and B's lines; A earns on -60 and on its own 10.
      assert.deepEqual(
        actualLedger(await fixture.ledger(second.settlementId)),
        expectedLedger([
          ['3', -600_000n],
          ['1', 100_000n],
        ]),
      );
      const clawback = (await fixture.ledger(second.settlementId)).get('3');
      assert.equal(clawback?.amountMinor, -18_000n, 'C gives back 3% of 60');
      assert.deepEqual(await fixture.ledger(first.settlementId), firstLines, 'committed lines are unchanged');
      assert.deepEqual(
        await fixture.settlements.get(first.settlementId),
        first,
        'the committed settlement is unchanged',
      );
    });

    test('bets and voids landing between claim and commit are settled as the period stood at its claim', async () => {
      await apply(bet('3', 'p3', '200'));
      const paidThenVoided = betId;
      await apply(closed('p3'));
      let lateBetId = 0;
      const deps = fixture.deps(lock, {
        hooks: {
          afterClaim: async () => {
            // The period is claimed: ingest sees it and records adjustments.
            await apply(voided(paidThenVoided), bet('2', 'p3', '30'));
            lateBetId = betId;
          },
        },
      });
      const during = claimedOf(
        await runSettlement(deps, { periods: [{ gameId: 'ssc', periodId: 'p3' }], adjustmentsAlone: false }),
      );
      assert.ok(lateBetId > 0);
      assert.deepEqual(
        actualLedger(await fixture.ledger(during.settlementId)),
        expectedLedger([['3', 2_000_000n]]),
        'as claimed: the 200 counts, the late 30 does not',
      );

      const next = claimedOf(await runSettlement(fixture.deps(lock), { periods: null, adjustmentsAlone: true }));
      assert.deepEqual(next.periods, [], 'adjustments alone, on request');
      assert.equal(next.adjustmentCount, 2);
      assert.deepEqual(
        actualLedger(await fixture.ledger(next.settlementId)),
        expectedLedger([
          ['3', -2_000_000n],
          ['2', 300_000n],
        ]),
      );
      // Together: exactly the final state (the 200 voided, B's 30 placed).
      const together = new Map<string, bigint>();
      for (const settlement of [during, next]) {
        for (const [userId, line] of await fixture.ledger(settlement.settlementId))
          together.set(userId, (together.get(userId) ?? 0n) + line.exactMinorPpm);
      }
      const final = expectedLedger([['2', 300_000n]]);
      for (const [userId, exact] of together)
        assert.equal(exact, final.get(userId)?.[1] ?? 0n, `exact rebate of ${userId} over both settlements`);
    });

    test('pending adjustments alone wait for a period under the automatic trigger, and settle when asked', async () => {
      await apply(bet('2', 'p4', '10'), closed('p4'));
      claimedOf(await runSettlement(fixture.deps(lock), { periods: null, adjustmentsAlone: false }));
      await apply(voided(betId));
      assert.equal(await settleDue(fixture.deps(lock)), false);
      const nothing = await runSettlement(fixture.deps(lock), { periods: null, adjustmentsAlone: false });
      assert.ok(nothing.kind === 'done' && nothing.claimed === null, 'the trigger does not settle adjustments alone');
      const asked = claimedOf(await runSettlement(fixture.deps(lock), { periods: null, adjustmentsAlone: true }));
      assert.equal(asked.adjustmentCount, 1);
      assert.equal(asked.totalRebateMinor, -10_000n, 'B and A give back their 6% and 4% of 10');
      const none = await runSettlement(fixture.deps(lock), { periods: null, adjustmentsAlone: true });
      assert.ok(none.kind === 'done' && none.claimed === null, 'nothing is due any more');
    });
  });
}
