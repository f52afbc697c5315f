// From each node's exact rebate to the one line it is paid in this settlement: cap, then
// round once to a minor unit, recording what the cap and the rounding kept back.
//
// Positive exact amount E (a payout):
//   cap C set and E > C * 10^6  ->  amount C, capped E - C * 10^6, residue 0;
//   otherwise                   ->  amount floor(E / 10^6), residue E mod 10^6, capped 0.
//   The excess over the cap stays with the house: it is not passed to an ancestor.
// Negative exact amount E (clawback: voids of bets settled earlier outweigh new bets):
//   amount = E / 10^6 rounded toward zero, residue = E - amount * 10^6 (in (-10^6, 0]),
//   never capped. A cap limits what is paid out, not what is taken back. Rounding the
//   magnitude down means an adjustment that reverses one earlier line takes back exactly
//   what that line paid (floor(E) then -floor(E)), instead of a minor unit more.
// Either way E = amount * 10^6 + residue + capped holds per line, so the totals conserve.
import { invariant } from '../assert.ts';
import { limbBaseBigint, limbBaseMinorPpm, limbsToBigint } from './minor-ppm-limbs.ts';
import type { NodeEarnings } from './node-earnings.ts';
import type { BigintColumns, PositionedInput } from './settlement-input.ts';
import { int64FromNumber, int64Halves } from './int64-halves.ts';

/**
 * The settlement's lines, one per node with a non-zero exact rebate, as columns (entry i of
 * every array is line i), in tree order (roots first). Columns, not an object per line:
 * building 700k line objects measured 0.3-1.4 s, longer than the whole settlement.
 * `rebateLineAt` reads one line as an object.
 */
export interface RebateLines {
  readonly count: number;
  readonly nodeIndex: Int32Array;
  /** What the line pays: exact rebate capped, then rounded toward zero to a minor unit. */
  readonly amountMinor: BigInt64Array;
  /** Rounding kept back, |residue| < 10^6 (one minor unit). */
  readonly residueMinorPpm: Int32Array;
  /** Excess over the node's cap, kept by the house; 0n on almost every line. */
  readonly cappedMinorPpm: readonly bigint[];
}

export interface LineSums {
  readonly lines: RebateLines;
  readonly earnedTotalMinorPpm: bigint;
  readonly linesTotalMinor: bigint;
  readonly residueTotalMinorPpm: bigint;
  readonly cappedTotalMinorPpm: bigint;
  /** Lines that move money (amount != 0). */
  readonly beneficiaries: number;
}

/** `columns` is required for bigint earnings (their caps), unused for limb earnings. */
export function buildBeneficiaryLines(
  input: PositionedInput,
  earnings: NodeEarnings,
  columns: BigintColumns | undefined,
): LineSums {
  if (earnings.kind === 'limbs') return linesFromLimbs(input, earnings.earnedHigh, earnings.earnedLow);
  invariant(columns !== undefined, 'bigint earnings need the bigint columns');
  return linesFromBigint(input, columns, earnings.earnedMinorPpm);
}

function allocateLines(count: number): {
  nodeIndex: Int32Array;
  amountMinor: BigInt64Array;
  residueMinorPpm: Int32Array;
  cappedMinorPpm: bigint[];
} {
  return {
    nodeIndex: new Int32Array(count),
    amountMinor: new BigInt64Array(count),
    residueMinorPpm: new Int32Array(count),
    cappedMinorPpm: new Array<bigint>(count).fill(0n),
  };
}

function linesFromLimbs(input: PositionedInput, earnedHigh: Float64Array, earnedLow: Float64Array): LineSums {
  const nodeCount = input.nodeCount;
  let count = 0;
  for (let position = 0; position < nodeCount; position += 1) {
    if (earnedHigh[position] !== 0 || earnedLow[position] !== 0) count += 1;
  }
  const lines = allocateLines(count);
  // Amounts are written as int64 halves, not through a BigInt per line (int64-halves.ts).
  const amountHalves = int64Halves(lines.amountMinor);
  // Imports copied to locals once per call: see the note in minor-ppm-limbs.ts.
  const base = limbBaseMinorPpm;
  const writeInt64 = int64FromNumber;
  // Bounded as proven in minor-ppm-limbs.ts: sums of |hi| <= 2^50 + n, residues < n * 10^6.
  let earnedHighSum = 0;
  let earnedLowSum = 0;
  let amountSum = 0;
  let residueSum = 0;
  let cappedSum = 0n;
  let beneficiaries = 0;
  let line = 0;
  for (let position = 0; position < nodeCount; position += 1) {
    const high = earnedHigh[position]!;
    const low = earnedLow[position]!;
    if (high === 0 && low === 0) continue;
    earnedHighSum += high;
    earnedLowSum += low;
    let amount: number;
    let residue: number;
    if (high < 0) {
      const roundsUp = low > 0;
      amount = roundsUp ? high + 1 : high;
      residue = roundsUp ? low - base : 0;
    } else {
      // Infinity for no cap; exact otherwise (settlement-input.ts).
      const cap = input.capMinor[position]!;
      if (high > cap || (high === cap && low > 0)) {
        amount = cap;
        residue = 0;
        const capped = limbsToBigint(high - cap, low);
        lines.cappedMinorPpm[line] = capped;
        cappedSum += capped;
      } else {
        amount = high;
        residue = low;
      }
    }
    lines.nodeIndex[line] = input.order[position]!;
    writeInt64(amountHalves, line, amount);
    lines.residueMinorPpm[line] = residue;
    amountSum += amount;
    residueSum += residue;
    if (amount !== 0) beneficiaries += 1;
    line += 1;
  }
  return {
    lines: { count, ...lines },
    earnedTotalMinorPpm: BigInt(earnedHighSum) * limbBaseBigint + BigInt(earnedLowSum),
    linesTotalMinor: BigInt(amountSum),
    residueTotalMinorPpm: BigInt(residueSum),
    cappedTotalMinorPpm: cappedSum,
    beneficiaries,
  };
}

function linesFromBigint(input: PositionedInput, columns: BigintColumns, earned: readonly bigint[]): LineSums {
  const nodeCount = input.nodeCount;
  let count = 0;
  for (let position = 0; position < nodeCount; position += 1) {
    if (earned[position] !== 0n) count += 1;
  }
  const lines = allocateLines(count);
  let earnedSum = 0n;
  let amountSum = 0n;
  let residueSum = 0n;
  let cappedSum = 0n;
  let beneficiaries = 0;
  let line = 0;
  for (let position = 0; position < nodeCount; position += 1) {
    const exact = earned[position]!;
    if (exact === 0n) continue;
    earnedSum += exact;
    const capMinor = columns.capMinor[position]!;
    let amount: bigint;
    let residue: bigint;
    if (exact > 0n && capMinor >= 0n && exact > capMinor * limbBaseBigint) {
      amount = capMinor;
      residue = 0n;
      const capped = exact - capMinor * limbBaseBigint;
      lines.cappedMinorPpm[line] = capped;
      cappedSum += capped;
    } else {
      // bigint division truncates toward zero: floor for payouts, toward zero for clawbacks.
      amount = exact / limbBaseBigint;
      residue = exact - amount * limbBaseBigint;
    }
    lines.nodeIndex[line] = input.order[position]!;
    lines.amountMinor[line] = amount;
    lines.residueMinorPpm[line] = Number(residue);
    amountSum += amount;
    residueSum += residue;
    if (amount !== 0n) beneficiaries += 1;
    line += 1;
  }
  return {
    lines: { count, ...lines },
    earnedTotalMinorPpm: earnedSum,
    linesTotalMinor: amountSum,
    residueTotalMinorPpm: residueSum,
    cappedTotalMinorPpm: cappedSum,
    beneficiaries,
  };
}
