// Proves, on SQLite with the in-memory lock and on MariaDB with the Redis lock, that a
// settlement loaded from the database (tree in keyset pages, bets aggregated in SQL,
// eligibility injected) writes exactly the ledger of the plain per-bet reference
// (test/support/rebate-reference.ts): the same beneficiaries, amounts, exact rebates, capped
// excess and team turnovers, and the same totals, residue and capped on the settlement row,
// which conserves. Inputs are random forests with shuffled user ids, voided bets (which pay
// nothing), caps, ineligible users, placeholder roots under which registered users earn as
// roots, both policy models, and policies stored as new versions through the policy source.
// Also: a 100k-deep chain settles on both backends (no recursion anywhere), one line per
// node with the closed-form amounts.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { putRebatePolicy } from '../../src/app/settlement/rebate-policy-source.ts';
import { runSettlement } from '../../src/app/settlement/run-settlement.ts';
import type { DistributedLock } from '../../src/app/ports/lock.ts';
import { referenceSettle, type ReferenceBet, type ReferencePolicy } from '../support/rebate-reference.ts';
import {
  openSettlementFixture,
  settlementBackends,
  type SeedBet,
  type SeedUser,
  type SettlementFixture,
} from '../support/settlement-fixture.ts';

interface Scenario {
  readonly parent: number[];
  readonly ratePpm: number[];
  readonly placeholder: boolean[];
  readonly eligible: boolean[];
  readonly capMinor: (bigint | null)[];
  /** User id of node i: shuffled, so id order is not tree order. */
  readonly idOf: number[];
  readonly bets: { bettor: number; amountMinor: bigint; voided: boolean; period: number }[];
  readonly policy: ReferencePolicy;
}

const scenarioArbitrary = fc.gen().map((g): Scenario => {
  const nodeCount = g(fc.integer, { min: 1, max: 40 });
  const parent: number[] = [];
  const ratePpm: number[] = [];
  const placeholder: boolean[] = [];
  for (let node = 0; node < nodeCount; node += 1) {
    const isPlaceholderRoot = node > 0 && g(fc.integer, { min: 0, max: 9 }) === 0;
    const parentNode =
      node === 0 || isPlaceholderRoot || g(fc.integer, { min: 0, max: 6 }) === 0
        ? -1
        : g(fc.integer, { min: 0, max: node - 1 });
    parent.push(parentNode);
    placeholder.push(isPlaceholderRoot);
    // A placeholder has rate 0 and constrains nobody; a child of one may have any rate.
    const ceiling = parentNode < 0 || placeholder[parentNode]! ? 150_000 : ratePpm[parentNode]!;
    ratePpm.push(isPlaceholderRoot ? 0 : g(fc.integer, { min: 0, max: ceiling }));
  }
  const eligible = parent.map(() => g(fc.integer, { min: 0, max: 4 }) !== 0);
  const capMinor = parent.map(() =>
    g(fc.integer, { min: 0, max: 4 }) === 0 ? BigInt(g(fc.integer, { min: 0, max: 50_000 })) : null,
  );
  const idOf = g(fc.shuffledSubarray, [...Array.from({ length: nodeCount * 3 }, (_, index) => index + 1)], {
    minLength: nodeCount,
    maxLength: nodeCount,
  });
  const betCount = g(fc.integer, { min: 0, max: 60 });
  const bets = Array.from({ length: betCount }, () => ({
    bettor: g(fc.integer, { min: 0, max: nodeCount - 1 }),
    amountMinor: BigInt(g(fc.integer, { min: 1, max: 50_000_000 })),
    voided: g(fc.integer, { min: 0, max: 5 }) === 0,
    period: g(fc.integer, { min: 0, max: 2 }),
  }));
  const policy: ReferencePolicy = g(fc.boolean)
    ? { model: 'differential', selfRebate: g(fc.boolean) }
    : {
        model: 'per_level',
        selfRatePpm: g(fc.integer, { min: 0, max: 20_000 }),
        levelRatesPpm: Array.from({ length: g(fc.integer, { min: 0, max: 4 }) }, () =>
          g(fc.integer, { min: 0, max: 30_000 }),
        ),
      };
  return { parent, ratePpm, placeholder, eligible, capMinor, idOf, bets, policy };
});

function policyDocument(policy: ReferencePolicy): unknown {
  const rate = (ppm: number): string => (ppm / 1_000_000).toFixed(6);
  return policy.model === 'differential'
    ? { model: 'differential', selfRebate: policy.selfRebate }
    : { model: 'per_level', selfRate: rate(policy.selfRatePpm), rates: policy.levelRatesPpm.map(rate) };
}

/** The contract's placeholder rule as the reference input: ineligible, rate raised to its highest child's. */
function referenceTreeOf(scenario: Scenario) {
  const ratePpm = [...scenario.ratePpm];
  // Placeholders here are roots whose children are registered: one level to raise.
  for (let node = 0; node < scenario.parent.length; node += 1) {
    const parent = scenario.parent[node]!;
    if (parent >= 0 && scenario.placeholder[parent]!) ratePpm[parent] = Math.max(ratePpm[parent]!, ratePpm[node]!);
  }
  return {
    parent: scenario.parent,
    ratePpm,
    eligible: scenario.eligible.map((eligible, node) => eligible && !scenario.placeholder[node]!),
    capMinor: scenario.capMinor,
  };
}

for (const backend of settlementBackends) {
  describe(`settlement ledger equals the per-bet reference: ${backend}`, () => {
    let fixture: SettlementFixture;
    let lock: DistributedLock;
    before(async () => {
      fixture = await openSettlementFixture(backend, 'settlement-ledger');
      lock = await fixture.openLock();
    });
    after(async () => fixture.cleanup());

    test('random forests with voids, caps, ineligible users and placeholders, both models', async () => {
      let run = 0;
      await fc.assert(
        fc.asyncProperty(scenarioArbitrary, async (scenario) => {
          run += 1;
          // Each run owns an id range and its periods; earlier runs' users stay in the tree
          // as other roots without bets, which must change nothing.
          const idBase = run * 1_000;
          const userIdOf = (node: number): string => String(idBase + scenario.idOf[node]!);
          const users: SeedUser[] = scenario.parent.map((parent, node) => ({
            userId: userIdOf(node),
            parentId: parent < 0 ? null : userIdOf(parent),
            ratePpm: scenario.ratePpm[node]!,
            placeholder: scenario.placeholder[node]!,
          }));
          const periodOf = (period: number) => ({ gameId: 'ssc', periodId: `r${run}-p${period}` });
          const bets: SeedBet[] = scenario.bets.map((bet, index) => ({
            betId: String(idBase * 100 + index + 1),
            userId: userIdOf(bet.bettor),
            ...periodOf(bet.period),
            amountMinor: bet.amountMinor,
            voided: bet.voided,
          }));
          await fixture.seedUsers(users);
          await fixture.seedBets(bets);
          await fixture.closePeriods([0, 1, 2].map(periodOf));
          const stored = await putRebatePolicy(fixture.store, fixture.clock, policyDocument(scenario.policy), 'test');
          assert.ok(stored.ok, 'policy stored');

          const disabled = new Set(scenario.eligible.flatMap((eligible, node) => (eligible ? [] : [userIdOf(node)])));
          const capMinor = new Map(
            scenario.capMinor.flatMap((cap, node) => (cap === null ? [] : [[userIdOf(node), cap] as const])),
          );
          const outcome = await runSettlement(
            fixture.deps(lock, { eligibility: async () => ({ disabled, capMinor }) }),
            { periods: null, adjustmentsAlone: false },
          );
          assert.equal(outcome.kind, 'done');
          if (outcome.kind !== 'done') return;
          const settlement = outcome.claimed?.settlement;
          assert.ok(settlement !== undefined, 'a settlement was claimed');
          assert.equal(settlement.status, 'committed', settlement.error ?? '');
          assert.equal(settlement.policyVersion, stored.value.version);
          assert.deepEqual(
            [...settlement.periods].sort((left, right) => left.periodId.localeCompare(right.periodId)),
            [0, 1, 2].map(periodOf),
          );

          const referenceBets: ReferenceBet[] = scenario.bets
            .filter((bet) => !bet.voided)
            .map((bet) => ({ bettor: bet.bettor, amountMinor: bet.amountMinor }));
          const reference = referenceSettle(referenceTreeOf(scenario), referenceBets, scenario.policy);
          const ledger = await fixture.ledger(settlement.settlementId);
          assert.equal(ledger.size, reference.lines.size, 'one line per node with a non-zero exact rebate');
          for (const [node, expected] of reference.lines) {
            const line = ledger.get(userIdOf(node));
            assert.ok(line !== undefined, `line of node ${node}`);
            assert.equal(line.amountMinor, expected.amountMinor, `amount of node ${node}`);
            assert.equal(line.exactMinorPpm, expected.exactMinorPpm, `exact of node ${node}`);
            assert.equal(line.cappedMinorPpm, expected.cappedMinorPpm, `capped of node ${node}`);
            assert.equal(line.teamTurnoverMinor, reference.teamTurnoverMinor[node], `team turnover of node ${node}`);
          }
          assert.equal(settlement.totalRebateMinor, reference.linesTotalMinor, 'total rebate');
          assert.equal(settlement.exactTotalMinorPpm, reference.exactTotalMinorPpm, 'exact total');
          assert.equal(settlement.residueMinorPpm, reference.residueTotalMinorPpm, 'residue');
          assert.equal(settlement.cappedMinorPpm, reference.cappedTotalMinorPpm, 'capped');
          assert.equal(settlement.beneficiaries, reference.beneficiaries, 'beneficiaries');
          assert.equal(settlement.lineCount, reference.lines.size, 'line count');
          assert.equal(
            settlement.turnoverMinor,
            referenceBets.reduce((sum, bet) => sum + bet.amountMinor, 0n),
            'turnover',
          );
        }),
        // Shrinking re-seeds the database per step: bounded, so a failure reports in a minute.
        {
          numRuns: backend === 'sqlite+memory' ? 40 : 20,
          interruptAfterTimeLimit: 60_000,
          markInterruptAsFailure: true,
        },
      );
    });

    test('a 100k-deep chain settles: one line per node with the closed-form amounts', async () => {
      // Chain 1 <- 2 <- ... <- 100000 at rates falling by 1 ppm per level from 150000 ppm; the
      // deepest user bets 100.0000 (10^6 minor). Differential with self rebate: the bettor earns
      // its rate, every ancestor 1 ppm of the bet = 1 minor, and the whole chain pays the top rate.
      const depth = 100_000;
      const idBase = 10_000_000;
      const users: SeedUser[] = Array.from({ length: depth }, (_, level) => ({
        userId: String(idBase + level + 1),
        parentId: level === 0 ? null : String(idBase + level),
        ratePpm: 150_000 - level,
      }));
      await fixture.seedUsers(users);
      await fixture.seedBets([
        {
          betId: '900000001',
          userId: String(idBase + depth),
          gameId: 'chain',
          periodId: 'deep',
          amountMinor: 1_000_000n,
        },
      ]);
      await fixture.closePeriods([{ gameId: 'chain', periodId: 'deep' }]);
      const stored = await putRebatePolicy(
        fixture.store,
        fixture.clock,
        { model: 'differential', selfRebate: true },
        'test',
      );
      assert.ok(stored.ok);
      const outcome = await runSettlement(fixture.deps(lock), {
        periods: [{ gameId: 'chain', periodId: 'deep' }],
        adjustmentsAlone: false,
      });
      assert.ok(outcome.kind === 'done' && outcome.claimed !== null);
      const settlement = outcome.claimed.settlement;
      assert.equal(settlement.status, 'committed', settlement.error ?? '');
      assert.equal(settlement.lineCount, depth);
      assert.equal(settlement.beneficiaries, depth);
      // bettor: (150000 - 99999) ppm * 10^6 minor / 10^6 = 50001 minor; 99999 ancestors 1 minor each.
      assert.equal(settlement.totalRebateMinor, 150_000n, 'the chain pays the top rate of the bet');
      const ledger = await fixture.ledger(settlement.settlementId);
      assert.equal(ledger.size, depth);
      assert.equal(ledger.get(String(idBase + depth))?.amountMinor, 50_001n);
      assert.equal(ledger.get(String(idBase + 1))?.amountMinor, 1n);
      assert.equal(
        ledger.get(String(idBase + 1))?.teamTurnoverMinor,
        1_000_000n,
        'the root sees the whole chain turnover',
      );
    });
  });
}
