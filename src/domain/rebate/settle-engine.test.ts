// Unit tests of settleRebates on hand-computed examples: differential with and without self
// rebate, compression of an ineligible middle node and of an ineligible bettor, a cap whose
// excess is recorded and not moved up, per_level skipping ineligible ancestors, flooring once
// per beneficiary with the residue recorded, clawbacks rounded toward zero and never capped;
// every example on both arithmetic paths. Also: a 200k-deep chain settles without a stack
// overflow, and a cycle or an inverted rate is refused rather than looped over.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { RebatePolicy } from './policy.ts';
import { noCapMinor } from './settlement-input.ts';
import { rebateLineAt, settleRebates, type RebateLine, type RebateSettlement } from './settle-engine.ts';

interface NodeSpec {
  readonly parent: number;
  readonly ratePpm: number;
  readonly eligible?: boolean;
  readonly capMinor?: bigint;
  readonly betMinor?: bigint;
}

const differential: RebatePolicy = { model: 'differential', selfRebate: true };
const differentialNoSelf: RebatePolicy = { model: 'differential', selfRebate: false };

/** Settles on both arithmetic paths, asserts they agree, returns the result. */
function settle(
  nodes: readonly NodeSpec[],
  policy: RebatePolicy,
): { settlement: RebateSettlement; lines: Map<number, RebateLine> } {
  const input = {
    parentIndex: Int32Array.from(nodes, (node) => node.parent),
    ratePpm: Int32Array.from(nodes, (node) => node.ratePpm),
    eligible: Uint8Array.from(nodes, (node) => (node.eligible === false ? 0 : 1)),
    capMinor: BigInt64Array.from(nodes, (node) => node.capMinor ?? noCapMinor),
    betSumMinor: BigInt64Array.from(nodes, (node) => node.betMinor ?? 0n),
    policy,
  };
  const fast = settleRebates(input);
  const general = settleRebates({ ...input, arithmetic: 'bigint' });
  assert.ok(fast.ok && general.ok);
  assert.equal(fast.value.arithmetic, 'limbs');
  assert.equal(general.value.arithmetic, 'bigint');
  assert.deepEqual(fast.value.totals, general.value.totals);
  const lines = linesByNode(fast.value);
  assert.deepEqual(lines, linesByNode(general.value));
  return { settlement: fast.value, lines };
}

function linesByNode(settlement: RebateSettlement): Map<number, RebateLine> {
  const lines = new Map<number, RebateLine>();
  for (let index = 0; index < settlement.lines.count; index += 1) {
    const line = rebateLineAt(settlement, index);
    lines.set(line.nodeIndex, line);
  }
  return lines;
}

/** amount, residue and capped of the line for `node`, or undefined when it has none. */
function paid(lines: Map<number, RebateLine>, node: number): [bigint, bigint, bigint] | undefined {
  const line = lines.get(node);
  return line === undefined ? undefined : [line.amountMinor, line.residueMinorPpm, line.cappedMinorPpm];
}

// Chain A(0) <- B(1) <- C(2) at 5%, 3%, 1%; C bets 100.0000 = 1_000_000 minor.
const chain = (overrides: Partial<Record<0 | 1 | 2, Partial<NodeSpec>>> = {}): NodeSpec[] => [
  { parent: -1, ratePpm: 50_000, ...overrides[0] },
  { parent: 0, ratePpm: 30_000, ...overrides[1] },
  { parent: 1, ratePpm: 10_000, betMinor: 1_000_000n, ...overrides[2] },
];

describe('differential', () => {
  test('with self rebate: bettor earns its rate, each ancestor its margin', () => {
    // C: 10_000 ppm * 1_000_000 = 10^10 minor*ppm = 10_000 minor (1.0000)
    // B: (30_000 - 10_000) * 1_000_000 = 2*10^10 -> 20_000 minor
    // A: (50_000 - 30_000) * 1_000_000 = 2*10^10 -> 20_000 minor; total 50_000 = 5% of 100
    const { settlement, lines } = settle(chain(), differential);
    assert.deepEqual(paid(lines, 2), [10_000n, 0n, 0n]);
    assert.deepEqual(paid(lines, 1), [20_000n, 0n, 0n]);
    assert.deepEqual(paid(lines, 0), [20_000n, 0n, 0n]);
    assert.equal(settlement.totals.exactTotalMinorPpm, 50_000_000_000n);
    assert.equal(settlement.totals.linesTotalMinor, 50_000n);
    assert.equal(settlement.totals.beneficiaries, 3);
    assert.deepEqual([...settlement.teamTurnoverMinor], [1_000_000n, 1_000_000n, 1_000_000n]);
  });

  test('without self rebate: the bettor share stays with the house, B still earns only its margin', () => {
    // C: none (10_000 minor kept by the house); B: 20_000; A: 20_000; total 4*10^10.
    const { settlement, lines } = settle(chain(), differentialNoSelf);
    assert.equal(lines.has(2), false);
    assert.deepEqual(paid(lines, 1), [20_000n, 0n, 0n]);
    assert.deepEqual(paid(lines, 0), [20_000n, 0n, 0n]);
    assert.equal(settlement.totals.exactTotalMinorPpm, 40_000_000_000n);
  });

  test('an ineligible middle node earns nothing and its margin goes to the next eligible ancestor', () => {
    // C: 10_000; B ineligible: 0; A: (50_000 - 10_000) * 1_000_000 -> 40_000 minor.
    const { lines } = settle(chain({ 1: { eligible: false } }), differential);
    assert.deepEqual(paid(lines, 2), [10_000n, 0n, 0n]);
    assert.equal(lines.has(1), false);
    assert.deepEqual(paid(lines, 0), [40_000n, 0n, 0n]);
  });

  test('an ineligible bettor: its self rebate goes up with the margin', () => {
    // C ineligible: 0; B: (30_000 - 0) * 1_000_000 -> 30_000; A: 20_000.
    const { lines } = settle(chain({ 2: { eligible: false } }), differential);
    assert.equal(lines.has(2), false);
    assert.deepEqual(paid(lines, 1), [30_000n, 0n, 0n]);
    assert.deepEqual(paid(lines, 0), [20_000n, 0n, 0n]);
  });

  test('an ineligible bettor with self rebate off: nothing extra moves up', () => {
    // The house keeps C's 10_000 whatever C's eligibility; B: 20_000; A: 20_000.
    const { lines } = settle(chain({ 2: { eligible: false } }), differentialNoSelf);
    assert.deepEqual(paid(lines, 1), [20_000n, 0n, 0n]);
    assert.deepEqual(paid(lines, 0), [20_000n, 0n, 0n]);
  });

  test('a cap pays at most the cap, records the excess as capped and does not move it up', () => {
    // B exact 20_000 minor, cap 5_000: line 5_000, capped 15_000 minor = 15_000_000_000 minor*ppm.
    // A keeps its own 20_000 (not 35_000).
    const { settlement, lines } = settle(chain({ 1: { capMinor: 5_000n } }), differential);
    assert.deepEqual(paid(lines, 1), [5_000n, 0n, 15_000_000_000n]);
    assert.deepEqual(paid(lines, 0), [20_000n, 0n, 0n]);
    assert.equal(settlement.totals.cappedTotalMinorPpm, 15_000_000_000n);
    assert.equal(settlement.totals.linesTotalMinor, 35_000n);
    assert.equal(rebateLineAt(settlement, [...lines.keys()].indexOf(1)).exactMinorPpm, 20_000_000_000n);
  });

  test('a cap of zero pays nothing and the line still records the exact rebate as capped', () => {
    const { settlement, lines } = settle(chain({ 2: { capMinor: 0n } }), differential);
    assert.deepEqual(paid(lines, 2), [0n, 0n, 10_000_000_000n]);
    assert.equal(settlement.totals.beneficiaries, 2);
  });

  test('floors once per beneficiary, not per bet, and records the residue', () => {
    // Agent A at 15% over two rate-0 players betting 5 minor each, self rebate on:
    // per bet 150_000 * 5 = 750_000 minor*ppm (0.75 minor, would floor to 0 each);
    // per beneficiary 1_500_000 -> 1 minor, residue 500_000.
    const { settlement, lines } = settle(
      [
        { parent: -1, ratePpm: 150_000 },
        { parent: 0, ratePpm: 0, betMinor: 5n },
        { parent: 0, ratePpm: 0, betMinor: 5n },
      ],
      differential,
    );
    assert.deepEqual(paid(lines, 0), [1n, 500_000n, 0n]);
    assert.equal(lines.size, 1);
    assert.equal(settlement.totals.residueTotalMinorPpm, 500_000n);
    assert.equal(settlement.teamTurnoverMinor[0], 10n);
  });

  test('a net clawback is rounded toward zero and never capped', () => {
    // Player's net -15 minor (voids of bets settled earlier) under A at 15%, A capped at 1:
    // exact 150_000 * -15 = -2_250_000 minor*ppm -> amount -2 minor, residue -250_000.
    // (Flooring to -3 would take back more than the -2.25 owed.)
    const { settlement, lines } = settle(
      [
        { parent: -1, ratePpm: 150_000, capMinor: 1n },
        { parent: 0, ratePpm: 0, betMinor: -15n },
      ],
      differential,
    );
    assert.deepEqual(paid(lines, 0), [-2n, -250_000n, 0n]);
    assert.equal(settlement.totals.linesTotalMinor, -2n);
    assert.equal(settlement.teamTurnoverMinor[0], -15n);
  });

  test('a void settled alone takes back exactly what its bet paid', () => {
    // Bet 15 minor: A exact 2_250_000 -> paid 2. Its void later: -2_250_000 -> -2. Net 0.
    const tree = (betMinor: bigint): NodeSpec[] => [
      { parent: -1, ratePpm: 150_000 },
      { parent: 0, ratePpm: 0, betMinor },
    ];
    const original = settle(tree(15n), differential).settlement.totals.linesTotalMinor;
    const adjustment = settle(tree(-15n), differential).settlement.totals.linesTotalMinor;
    assert.equal(original, 2n);
    assert.equal(adjustment, -2n);
  });
});

describe('per_level', () => {
  test('pays the bettor its self rate and the d-th ELIGIBLE ancestor rates[d-1]', () => {
    // R(0) <- X(1, ineligible) <- Y(2) <- Z(3, ineligible) <- U(4) bets 1_000_000 minor.
    // selfRate 1%: U earns 10_000 * 10^6 minor*ppm -> 10_000 minor.
    // Eligible ancestors of U upwards: Y (1st, 0.5% -> 5_000), R (2nd, 0.3% -> 3_000);
    // there is no 3rd, so the 0.1% stays with the house. X and Z earn nothing.
    const policy: RebatePolicy = { model: 'per_level', selfRatePpm: 10_000, levelRatesPpm: [5_000, 3_000, 1_000] };
    const { settlement, lines } = settle(
      [
        { parent: -1, ratePpm: 0 },
        { parent: 0, ratePpm: 0, eligible: false },
        { parent: 1, ratePpm: 0 },
        { parent: 2, ratePpm: 0, eligible: false },
        { parent: 3, ratePpm: 0, betMinor: 1_000_000n },
      ],
      policy,
    );
    assert.deepEqual(paid(lines, 4), [10_000n, 0n, 0n]);
    assert.deepEqual(paid(lines, 2), [5_000n, 0n, 0n]);
    assert.deepEqual(paid(lines, 0), [3_000n, 0n, 0n]);
    assert.equal(lines.has(1), false);
    assert.equal(lines.has(3), false);
    assert.equal(settlement.totals.linesTotalMinor, 18_000n);
  });

  test('an ineligible bettor earns no self rebate and it does not move up', () => {
    // P(0) <- U(1, ineligible) bets 1_000_000: P earns rates[0] = 0.5% -> 5_000 only.
    const policy: RebatePolicy = { model: 'per_level', selfRatePpm: 10_000, levelRatesPpm: [5_000] };
    const { lines } = settle(
      [
        { parent: -1, ratePpm: 0 },
        { parent: 0, ratePpm: 0, eligible: false, betMinor: 1_000_000n },
      ],
      policy,
    );
    assert.equal(lines.has(1), false);
    assert.deepEqual(paid(lines, 0), [5_000n, 0n, 0n]);
  });
});

describe('tree shape and input', () => {
  test('a 200k-deep chain settles without recursion', () => {
    // Every node at 1%, a bet of 100 minor at the bottom: only the bettor earns
    // (1% * 100 = 1 minor); every margin above is 0. Team turnover is 100 all the way up.
    const depth = 200_000;
    const parentIndex = new Int32Array(depth);
    for (let node = 0; node < depth; node += 1) parentIndex[node] = node - 1;
    const betSumMinor = new BigInt64Array(depth);
    betSumMinor[depth - 1] = 100n;
    const result = settleRebates({
      parentIndex,
      ratePpm: new Int32Array(depth).fill(10_000),
      eligible: new Uint8Array(depth).fill(1),
      capMinor: new BigInt64Array(depth).fill(noCapMinor),
      betSumMinor,
      policy: differential,
    });
    assert.ok(result.ok);
    assert.equal(result.value.lines.count, 1);
    assert.deepEqual(rebateLineAt(result.value, 0).nodeIndex, depth - 1);
    assert.equal(result.value.totals.linesTotalMinor, 1n);
    assert.equal(result.value.teamTurnoverMinor[0], 100n);
  });

  test('a cycle in the parent links is refused, not looped over', () => {
    // 0 is a root; 1 -> 2 -> 3 -> 1 is a cycle.
    const result = settleRebates({
      parentIndex: Int32Array.from([-1, 3, 1, 2]),
      ratePpm: new Int32Array(4),
      eligible: new Uint8Array(4).fill(1),
      capMinor: new BigInt64Array(4).fill(noCapMinor),
      betSumMinor: BigInt64Array.from([0n, 5n, 0n, 0n]),
      policy: differential,
    });
    assert.equal(result.ok, false);
    assert.ok(!result.ok && result.code === 'rebate_tree_cycle');
    assert.ok(!result.ok && ['/parentIndex/1', '/parentIndex/2', '/parentIndex/3'].includes(result.path ?? ''));
  });

  test('a node pointing at itself is a cycle too', () => {
    const result = settleRebates({
      parentIndex: Int32Array.from([0]),
      ratePpm: new Int32Array(1),
      eligible: new Uint8Array(1),
      capMinor: new BigInt64Array(1),
      betSumMinor: new BigInt64Array(1),
      policy: differential,
    });
    assert.ok(!result.ok && result.code === 'rebate_tree_cycle' && result.path === '/parentIndex/0');
  });

  test('a child rate above its parent is refused naming the pair', () => {
    const result = settleRebates({
      parentIndex: Int32Array.from([-1, 0]),
      ratePpm: Int32Array.from([10_000, 20_000]),
      eligible: new Uint8Array(2).fill(1),
      capMinor: new BigInt64Array(2).fill(noCapMinor),
      betSumMinor: new BigInt64Array(2),
      policy: differential,
    });
    assert.ok(!result.ok && result.code === 'rate_above_parent' && result.path === '/ratePpm/1');
  });

  test('a parent index out of range, a rate above 1 and a cap below -1 are refused', () => {
    const base = {
      parentIndex: Int32Array.from([-1, 0]),
      ratePpm: new Int32Array(2),
      eligible: new Uint8Array(2),
      capMinor: new BigInt64Array(2).fill(noCapMinor),
      betSumMinor: new BigInt64Array(2),
      policy: differential,
    };
    const badParent = settleRebates({ ...base, parentIndex: Int32Array.from([-1, 7]) });
    assert.ok(!badParent.ok && badParent.code === 'rebate_input_invalid' && badParent.path === '/parentIndex/1');
    const badRate = settleRebates({ ...base, ratePpm: Int32Array.from([1_000_001, 0]) });
    assert.ok(!badRate.ok && badRate.code === 'rebate_input_invalid' && badRate.path === '/ratePpm/0');
    const badCap = settleRebates({ ...base, capMinor: BigInt64Array.from([-2n, -1n]) });
    assert.ok(!badCap.ok && badCap.code === 'rebate_input_invalid' && badCap.path === '/capMinor/0');
  });

  test('an absolute turnover above 2^63-1 is refused instead of wrapping', () => {
    const int64Max = 2n ** 63n - 1n;
    const result = settleRebates({
      parentIndex: Int32Array.from([-1, 0]),
      ratePpm: new Int32Array(2),
      eligible: new Uint8Array(2),
      capMinor: new BigInt64Array(2).fill(noCapMinor),
      betSumMinor: BigInt64Array.from([int64Max, -int64Max]),
      policy: differential,
    });
    assert.ok(!result.ok && result.code === 'rebate_turnover_too_large');
  });

  test('an empty tree settles to nothing', () => {
    const result = settleRebates({
      parentIndex: new Int32Array(0),
      ratePpm: new Int32Array(0),
      eligible: new Uint8Array(0),
      capMinor: new BigInt64Array(0),
      betSumMinor: new BigInt64Array(0),
      policy: differential,
    });
    assert.ok(result.ok && result.value.lines.count === 0 && result.value.totals.exactTotalMinorPpm === 0n);
  });
});
