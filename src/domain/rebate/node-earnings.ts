// What a model's pass hands to the line builder: every node's exact rebate before capping
// and rounding, in tree positions, in one of the two exact representations, plus the total
// the pass derived from money flows alone (what left the top of each tree, less what the
// house kept), which the engine checks against the sum of the per-node amounts.

export interface LimbEarnings {
  readonly kind: 'limbs';
  /** Node's exact rebate = earnedHigh * 10^6 + earnedLow, 0 <= earnedLow < 10^6 (see minor-ppm-limbs.ts). */
  readonly earnedHigh: Float64Array;
  readonly earnedLow: Float64Array;
  readonly teamTurnoverMinor: Float64Array;
  readonly flowTotalMinorPpm: bigint;
}

export interface BigintEarnings {
  readonly kind: 'bigint';
  readonly earnedMinorPpm: readonly bigint[];
  readonly teamTurnoverMinor: BigInt64Array;
  readonly flowTotalMinorPpm: bigint;
}

export type NodeEarnings = LimbEarnings | BigintEarnings;
