// Property: the O(nodes + bets) settlement engine pays exactly what the plain per-bet upline
// walk (test/support/rebate-reference.ts) pays, to the minor unit, line by line (amount,
// exact rebate, residue, capped), with the same team turnovers and totals; and conservation
// (lines * 10^6 + residue + capped = exact total) holds on every run. Inputs are random
// forests with shuffled node indexes (the engine may not assume parents come first), long
// chains a few thousand deep, ineligible nodes, caps, negative adjustments, both models,
// self rebate on and off, and amounts on both sides of the limb path's 2^50 bound. The
// forced-bigint path must give the same answer as the default path on the same input.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { RebatePolicy } from '../../src/domain/rebate/policy.ts';
import { noCapMinor } from '../../src/domain/rebate/settlement-input.ts';
import { rebateLineAt, settleRebates, type RebateSettlement } from '../../src/domain/rebate/settle-engine.ts';
import {
  referenceSettle,
  type ReferenceBet,
  type ReferencePolicy,
  type ReferenceTree,
} from '../support/rebate-reference.ts';

interface Scenario {
  readonly tree: ReferenceTree;
  readonly bets: readonly ReferenceBet[];
  readonly policy: ReferencePolicy;
}

interface Shape {
  readonly nodesMax: number;
  readonly chainMin: number;
  readonly chainMax: number;
  readonly betsMax: number;
}

type Regime = 'small' | 'edge' | 'huge';
const magnitudeMaxMinor: Record<Regime, bigint> = {
  small: 10n ** 7n,
  // Up to 60 bets of up to 2^44 straddle the limb path's 2^50 bound.
  edge: 2n ** 44n,
  // The contract's largest bet, 10^12 currency units.
  huge: 10n ** 16n,
};

function generateScenario(g: fc.GeneratorValue, shape: Shape): Scenario {
  const chainLength = g(fc.integer, { min: shape.chainMin, max: shape.chainMax });
  const extraNodes = g(fc.integer, { min: shape.chainMin > 0 ? 0 : 1, max: shape.nodesMax });
  const nodeCount = chainLength + extraNodes;

  // Built in topological labels (parent label < child label), then shuffled to indexes.
  const parentLabel: number[] = [];
  for (let label = 0; label < nodeCount; label += 1) {
    if (label === 0) parentLabel.push(-1);
    else if (label < chainLength) parentLabel.push(label - 1);
    else if (g(fc.integer, { min: 0, max: 7 }) === 0) parentLabel.push(-1);
    else parentLabel.push(g(fc.integer, { min: 0, max: label - 1 }));
  }
  const rateLabel: number[] = [];
  for (let label = 0; label < nodeCount; label += 1) {
    const parent = parentLabel[label]!;
    const ceiling = parent < 0 ? 1_000_000 : rateLabel[parent]!;
    const pick = g(fc.integer, { min: 0, max: 5 });
    // Equal to the parent (zero margin), zero, or anything up to the parent's rate.
    rateLabel.push(
      pick === 0 ? ceiling : pick === 1 ? 0 : g(fc.integer, { min: Math.max(0, ceiling - 2_000), max: ceiling }),
    );
  }
  const indexOf = g(fc.shuffledSubarray, [...Array(nodeCount).keys()], { minLength: nodeCount, maxLength: nodeCount });

  const regime: Regime = g(fc.constantFrom<Regime[]>, 'small', 'edge', 'huge');
  const magnitudeMax = magnitudeMaxMinor[regime];
  const parent = new Array<number>(nodeCount);
  const ratePpm = new Array<number>(nodeCount);
  const eligible = new Array<boolean>(nodeCount);
  const capMinor = new Array<bigint | null>(nodeCount);
  for (let label = 0; label < nodeCount; label += 1) {
    const index = indexOf[label]!;
    const parentOfLabel = parentLabel[label]!;
    parent[index] = parentOfLabel < 0 ? -1 : indexOf[parentOfLabel]!;
    ratePpm[index] = rateLabel[label]!;
    eligible[index] = g(fc.integer, { min: 0, max: 3 }) !== 0;
    capMinor[index] =
      g(fc.integer, { min: 0, max: 5 }) === 0 ? g(fc.bigInt, { min: 0n, max: magnitudeMax / 50_000n + 3n }) : null;
  }

  const betCount = g(fc.integer, { min: 0, max: shape.betsMax });
  const bets: ReferenceBet[] = [];
  for (let bet = 0; bet < betCount; bet += 1) {
    // Bias bettors to the bottom of the chain so deep uplines are exercised.
    const deep = chainLength > 0 && g(fc.boolean);
    const label = deep
      ? g(fc.integer, { min: Math.max(0, chainLength - 20), max: chainLength - 1 })
      : g(fc.integer, { min: 0, max: nodeCount - 1 });
    const magnitude = g(fc.bigInt, { min: 1n, max: magnitudeMax });
    const negative = g(fc.integer, { min: 0, max: 5 }) === 0;
    bets.push({ bettor: indexOf[label]!, amountMinor: negative ? -magnitude : magnitude });
  }

  const policy: ReferencePolicy = g(fc.boolean)
    ? { model: 'differential', selfRebate: g(fc.boolean) }
    : generatePerLevelPolicy(g);
  return { tree: { parent, ratePpm, eligible, capMinor }, bets, policy };
}

function generatePerLevelPolicy(g: fc.GeneratorValue): ReferencePolicy {
  // Within the policy's budget: selfRate plus all rates at most 1.
  let budgetPpm = 1_000_000;
  const selfRatePpm = g(fc.integer, { min: 0, max: 300_000 });
  budgetPpm -= selfRatePpm;
  const levelCount = g(fc.integer, { min: 0, max: 6 });
  const levelRatesPpm: number[] = [];
  for (let level = 0; level < levelCount; level += 1) {
    const rate = g(fc.integer, { min: 0, max: Math.min(budgetPpm, 250_000) });
    levelRatesPpm.push(rate);
    budgetPpm -= rate;
  }
  return { model: 'per_level', selfRatePpm, levelRatesPpm };
}

function runEngine(scenario: Scenario, arithmetic: 'auto' | 'bigint'): RebateSettlement {
  const { tree, bets } = scenario;
  const nodeCount = tree.parent.length;
  const betSumMinor = new BigInt64Array(nodeCount);
  for (const bet of bets) betSumMinor[bet.bettor]! += bet.amountMinor;
  const policy: RebatePolicy = scenario.policy;
  const result = settleRebates({
    parentIndex: Int32Array.from(tree.parent),
    ratePpm: Int32Array.from(tree.ratePpm),
    eligible: Uint8Array.from(tree.eligible, (flag) => (flag ? 1 : 0)),
    capMinor: BigInt64Array.from(tree.capMinor, (cap) => cap ?? noCapMinor),
    betSumMinor,
    policy,
    arithmetic,
  });
  assert.ok(result.ok, result.ok ? '' : result.message);
  return result.value;
}

function assertMatchesReference(scenario: Scenario): void {
  const expected = referenceSettle(scenario.tree, scenario.bets, scenario.policy);
  const actual = runEngine(scenario, 'auto');
  const general = runEngine(scenario, 'bigint');

  assert.equal(actual.lines.count, expected.lines.size);
  for (let index = 0; index < actual.lines.count; index += 1) {
    const line = rebateLineAt(actual, index);
    const want = expected.lines.get(line.nodeIndex);
    assert.ok(want !== undefined, `engine has a line for node ${line.nodeIndex} the reference does not`);
    assert.deepEqual(
      [line.exactMinorPpm, line.amountMinor, line.residueMinorPpm, line.cappedMinorPpm],
      [want.exactMinorPpm, want.amountMinor, want.residueMinorPpm, want.cappedMinorPpm],
      `line of node ${line.nodeIndex}`,
    );
    assert.equal(line.teamTurnoverMinor, expected.teamTurnoverMinor[line.nodeIndex]);
    assert.deepEqual(rebateLineAt(general, index), line);
  }
  assert.deepEqual([...actual.teamTurnoverMinor], expected.teamTurnoverMinor);
  assert.deepEqual([...general.teamTurnoverMinor], expected.teamTurnoverMinor);

  const totals = actual.totals;
  assert.equal(totals.exactTotalMinorPpm, expected.exactTotalMinorPpm);
  assert.equal(totals.linesTotalMinor, expected.linesTotalMinor);
  assert.equal(totals.residueTotalMinorPpm, expected.residueTotalMinorPpm);
  assert.equal(totals.cappedTotalMinorPpm, expected.cappedTotalMinorPpm);
  assert.equal(totals.beneficiaries, expected.beneficiaries);
  assert.equal(
    totals.linesTotalMinor * 1_000_000n + totals.residueTotalMinorPpm + totals.cappedTotalMinorPpm,
    totals.exactTotalMinorPpm,
  );
  assert.deepEqual(general.totals, totals);
}

describe('rebate engine against the per-bet reference', () => {
  test('random forests, both models, caps, ineligible nodes, adjustments', () => {
    fc.assert(
      fc.property(fc.gen(), (g) =>
        assertMatchesReference(generateScenario(g, { nodesMax: 40, chainMin: 0, chainMax: 12, betsMax: 60 })),
      ),
      { numRuns: 400 },
    );
  });

  test('long chains a few thousand deep with side branches', () => {
    fc.assert(
      fc.property(fc.gen(), (g) =>
        assertMatchesReference(generateScenario(g, { nodesMax: 60, chainMin: 2_000, chainMax: 4_000, betsMax: 80 })),
      ),
      // Shrinking thousands of generated nodes takes longer than reading the first failure.
      { numRuns: 12, endOnFailure: true },
    );
  });

  test('both arithmetic paths are exercised by the generator', () => {
    // Guards the properties above against silently testing one path only.
    const seen = new Set<string>();
    fc.assert(
      fc.property(fc.gen(), (g) => {
        seen.add(
          runEngine(generateScenario(g, { nodesMax: 40, chainMin: 0, chainMax: 12, betsMax: 60 }), 'auto').arithmetic,
        );
      }),
      { numRuns: 200 },
    );
    assert.deepEqual([...seen].sort(), ['bigint', 'limbs']);
  });
});
