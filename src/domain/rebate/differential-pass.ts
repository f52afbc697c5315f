// Model `differential` (DESIGN §5) in one bottom-up pass, O(nodes).
//
// Per bet of amount a by v0 with upline v1..vk, the per-bet rule pays each eligible node the
// rate it has minus the rate already paid below it on that path ("paid rate"): the paid rate
// starts at r(v0) with self rebate off (the house keeps r(v0)*a) and at 0 with it on; every
// eligible node on the way up (v0 included) earns (r(node) - paid rate)*a and raises the paid
// rate to r(node). An ineligible node earns nothing and leaves the paid rate alone, so its
// margin (or an ineligible bettor's self rebate) lands on the next eligible ancestor;
// whatever is above the last eligible node stays with the house. Rates never rise
// downwards, so with a >= 0 nothing is negative.
//
// Summed over all bets below a node p this needs two figures per node, not one per bet:
// S(p), the team turnover, and P(p), the sum of (paid rate after p) * a over those bets.
//   P_in(p)  = sum of P(child) + (self rebate off ? r(p) * own(p) : 0)
//   p eligible:   earns r(p) * S(p) - P_in(p), and P(p) = r(p) * S(p)
//   p ineligible: earns 0,                     and P(p) = P_in(p)
// What left the top of each tree, less what the house kept at self rebate off, is the total
// paid: the engine checks it against the sum of per-node earnings.
import { limbBaseMinorPpm, limbsToBigint, productHigh, productLow } from './minor-ppm-limbs.ts';
import type { BigintEarnings, LimbEarnings } from './node-earnings.ts';
import type { BigintColumns, PositionedInput } from './settlement-input.ts';
import { teamTurnoverBigint, teamTurnoverNumber } from './team-turnover.ts';

/** Number path; exact only under the bound proven in minor-ppm-limbs.ts. */
export function differentialLimbs(input: PositionedInput, selfRebate: boolean): LimbEarnings {
  const nodeCount = input.nodeCount;
  const { parentPosition, ratePpm, eligible, ownMinor } = input;
  const team = teamTurnoverNumber(parentPosition, ownMinor);
  // Imports copied to locals once per call: see the note in minor-ppm-limbs.ts.
  const base = limbBaseMinorPpm;
  const multiplyHigh = productHigh;
  const multiplyLow = productLow;
  const paidHigh = new Float64Array(nodeCount);
  const paidLow = new Float64Array(nodeCount);
  const earnedHigh = new Float64Array(nodeCount);
  const earnedLow = new Float64Array(nodeCount);
  let outflowHigh = 0;
  let outflowLow = 0;
  let houseHigh = 0;
  let houseLow = 0;

  for (let position = nodeCount - 1; position >= 0; position -= 1) {
    const rate = ratePpm[position]!;
    let inHigh = paidHigh[position]!;
    let inLow = paidLow[position]!;
    const own = ownMinor[position]!;
    if (!selfRebate && own !== 0 && rate !== 0) {
      const keptHigh = multiplyHigh(rate, own);
      const keptLow = multiplyLow(rate, own);
      inHigh += keptHigh;
      inLow += keptLow;
      if (inLow >= base) {
        inLow -= base;
        inHigh += 1;
      }
      houseHigh += keptHigh;
      houseLow += keptLow;
      if (houseLow >= base) {
        houseLow -= base;
        houseHigh += 1;
      }
    }
    let outHigh = inHigh;
    let outLow = inLow;
    if (eligible[position] === 1) {
      const turnover = team[position]!;
      outHigh = multiplyHigh(rate, turnover);
      outLow = multiplyLow(rate, turnover);
      let gainLow = outLow - inLow;
      let gainHigh = outHigh - inHigh;
      if (gainLow < 0) {
        gainLow += base;
        gainHigh -= 1;
      }
      earnedHigh[position] = gainHigh;
      earnedLow[position] = gainLow;
    }
    const parent = parentPosition[position]!;
    if (parent >= 0) {
      let low = paidLow[parent]! + outLow;
      let high = paidHigh[parent]! + outHigh;
      if (low >= base) {
        low -= base;
        high += 1;
      }
      paidLow[parent] = low;
      paidHigh[parent] = high;
    } else {
      outflowHigh += outHigh;
      outflowLow += outLow;
      if (outflowLow >= base) {
        outflowLow -= base;
        outflowHigh += 1;
      }
    }
  }
  const flowTotalMinorPpm = limbsToBigint(outflowHigh, outflowLow) - limbsToBigint(houseHigh, houseLow);
  return { kind: 'limbs', earnedHigh, earnedLow, teamTurnoverMinor: team, flowTotalMinorPpm };
}

/** General path: bigint throughout, for any turnover up to 2^63-1. */
export function differentialBigint(
  input: PositionedInput,
  columns: BigintColumns,
  selfRebate: boolean,
): BigintEarnings {
  const nodeCount = input.nodeCount;
  const { parentPosition, ratePpm, eligible } = input;
  const { betSumMinor } = columns;
  const team = teamTurnoverBigint(parentPosition, betSumMinor);
  const paidBelow = new Array<bigint>(nodeCount).fill(0n);
  const earned = new Array<bigint>(nodeCount).fill(0n);
  let outflow = 0n;
  let house = 0n;

  for (let position = nodeCount - 1; position >= 0; position -= 1) {
    const rate = BigInt(ratePpm[position]!);
    let paidIn = paidBelow[position]!;
    if (!selfRebate) {
      const own = betSumMinor[position]!;
      if (own !== 0n) {
        paidIn += rate * own;
        house += rate * own;
      }
    }
    let paidOut = paidIn;
    if (eligible[position] === 1) {
      paidOut = rate * team[position]!;
      earned[position] = paidOut - paidIn;
    }
    const parent = parentPosition[position]!;
    if (parent >= 0) paidBelow[parent] = paidBelow[parent]! + paidOut;
    else outflow += paidOut;
  }
  return { kind: 'bigint', earnedMinorPpm: earned, teamTurnoverMinor: team, flowTotalMinorPpm: outflow - house };
}
