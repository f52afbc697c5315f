// The rebate settlement core: one settlement's tree and bets in, every beneficiary's line
// and the settlement totals out, O(nodes + bets) for differential and O(nodes * levels) for
// per_level, no recursion, no object per node. Pure: the app layer loads the inputs, calls
// settleRebates, and writes the lines in one fenced transaction.
//
// Two exact arithmetic paths give identical results: limbs of doubles (proven exact below
// 2^50 minor of absolute turnover, see minor-ppm-limbs.ts) and bigint. The engine picks
// limbs when the proof covers the input because it measured several times faster.
import { invariant } from '../assert.ts';
import { accept, type Result } from '../result.ts';
import { buildBeneficiaryLines, type RebateLines } from './beneficiary-lines.ts';
import { differentialBigint, differentialLimbs } from './differential-pass.ts';
import { limbBaseBigint } from './minor-ppm-limbs.ts';
import type { NodeEarnings } from './node-earnings.ts';
import { perLevelBigint, perLevelLimbs } from './per-level-pass.ts';
import { int64FromNumber, int64Halves } from './int64-halves.ts';
import {
  gatherBigintColumns,
  positionSettlementInput,
  type BigintColumns,
  type PositionedInput,
  type RebateSettlementInput,
} from './settlement-input.ts';

export interface RebateTotals {
  /** Sum of every node's exact rebate before cap and rounding: what the bets generate. */
  readonly exactTotalMinorPpm: bigint;
  /** Sum of line amounts: what this settlement pays (net of clawbacks). */
  readonly linesTotalMinor: bigint;
  /** Rounding kept back over all lines (signed: clawbacks round toward zero). */
  readonly residueTotalMinorPpm: bigint;
  /** Excess over caps kept by the house. */
  readonly cappedTotalMinorPpm: bigint;
  /** Lines with a non-zero amount. */
  readonly beneficiaries: number;
  /** Net sum of the input bet sums. */
  readonly turnoverTotalMinor: bigint;
}

export interface RebateSettlement {
  readonly lines: RebateLines;
  /** Per node index: own bets plus all descendants' bets in this settlement (0 for none). */
  readonly teamTurnoverMinor: BigInt64Array;
  readonly totals: RebateTotals;
  /** Which exact path ran; for benchmarks and tests. */
  readonly arithmetic: 'limbs' | 'bigint';
}

/** One line read as an object; exact = amount * 10^6 + residue + capped. */
export interface RebateLine {
  readonly nodeIndex: number;
  readonly amountMinor: bigint;
  readonly exactMinorPpm: bigint;
  readonly residueMinorPpm: bigint;
  readonly cappedMinorPpm: bigint;
  readonly teamTurnoverMinor: bigint;
}

/**
 * Settles one batch of bets over the tree. Refuses a cycle, a parent index out of range, a
 * rate outside [0, 10^6] or above the parent's, a cap below -1 and an absolute turnover
 * above 2^63-1. Conservation is asserted before returning.
 */
export function settleRebates(input: RebateSettlementInput): Result<RebateSettlement> {
  const positioned = positionSettlementInput(input);
  if (!positioned.ok) return positioned;
  const tree = positioned.value;

  const useLimbs = input.arithmetic !== 'bigint' && tree.fitsLimbPath;
  const columns = useLimbs ? undefined : gatherBigintColumns(input, tree);
  const earnings = columns === undefined ? earnWithLimbs(input, tree) : earnWithBigint(input, tree, columns);
  const sums = buildBeneficiaryLines(tree, earnings, columns);

  // Two independent derivations of the total must agree: the money that left the top of
  // each tree (less what the house kept) and the sum of what each node earned.
  invariant(
    sums.earnedTotalMinorPpm === earnings.flowTotalMinorPpm,
    `rebate flow total ${earnings.flowTotalMinorPpm} differs from the sum of node rebates ${sums.earnedTotalMinorPpm}`,
  );
  invariant(
    sums.linesTotalMinor * limbBaseBigint + sums.residueTotalMinorPpm + sums.cappedTotalMinorPpm ===
      sums.earnedTotalMinorPpm,
    'rebate lines, residue and capped do not add up to the exact total',
  );

  return accept({
    lines: sums.lines,
    teamTurnoverMinor: teamTurnoverByNode(tree, earnings),
    totals: {
      exactTotalMinorPpm: sums.earnedTotalMinorPpm,
      linesTotalMinor: sums.linesTotalMinor,
      residueTotalMinorPpm: sums.residueTotalMinorPpm,
      cappedTotalMinorPpm: sums.cappedTotalMinorPpm,
      beneficiaries: sums.beneficiaries,
      turnoverTotalMinor: tree.netTurnoverMinor,
    },
    arithmetic: earnings.kind,
  });
}

/** Reads line `index` of a settlement as an object. */
export function rebateLineAt(settlement: RebateSettlement, index: number): RebateLine {
  const { lines } = settlement;
  invariant(
    Number.isInteger(index) && index >= 0 && index < lines.count,
    `line index ${index} outside [0, ${lines.count})`,
  );
  const nodeIndex = lines.nodeIndex[index]!;
  const amountMinor = lines.amountMinor[index]!;
  const residueMinorPpm = BigInt(lines.residueMinorPpm[index]!);
  const cappedMinorPpm = lines.cappedMinorPpm[index]!;
  return {
    nodeIndex,
    amountMinor,
    exactMinorPpm: amountMinor * limbBaseBigint + residueMinorPpm + cappedMinorPpm,
    residueMinorPpm,
    cappedMinorPpm,
    teamTurnoverMinor: settlement.teamTurnoverMinor[nodeIndex]!,
  };
}

function earnWithLimbs(input: RebateSettlementInput, tree: PositionedInput): NodeEarnings {
  const policy = input.policy;
  switch (policy.model) {
    case 'differential':
      return differentialLimbs(tree, policy.selfRebate);
    case 'per_level':
      return perLevelLimbs(tree, policy);
  }
}

function earnWithBigint(input: RebateSettlementInput, tree: PositionedInput, columns: BigintColumns): NodeEarnings {
  const policy = input.policy;
  switch (policy.model) {
    case 'differential':
      return differentialBigint(tree, columns, policy.selfRebate);
    case 'per_level':
      return perLevelBigint(tree, columns, policy);
  }
}

function teamTurnoverByNode(tree: PositionedInput, earnings: NodeEarnings): BigInt64Array {
  const byNode = new BigInt64Array(tree.nodeCount);
  const { order } = tree;
  if (earnings.kind === 'limbs') {
    const team = earnings.teamTurnoverMinor;
    const byNodeHalves = int64Halves(byNode);
    // Imports copied to locals once per call: see the note in minor-ppm-limbs.ts.
    const writeInt64 = int64FromNumber;
    for (let position = 0; position < tree.nodeCount; position += 1) {
      const turnover = team[position]!;
      if (turnover !== 0) writeInt64(byNodeHalves, order[position]!, turnover);
    }
  } else {
    const team = earnings.teamTurnoverMinor;
    for (let position = 0; position < tree.nodeCount; position += 1) {
      const turnover = team[position]!;
      if (turnover !== 0n) byNode[order[position]!] = turnover;
    }
  }
  return byNode;
}
