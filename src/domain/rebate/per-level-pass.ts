// Model `per_level` (DESIGN §5): the bettor, if eligible, earns selfRate * a; its d-th
// ELIGIBLE ancestor earns rates[d-1] * a for d <= rates.length. Ineligible ancestors are
// skipped, not counted, and an ineligible bettor's self rebate stays with the house (the
// contract moves it up only in the differential model).
//
// One pass per level instead of an L-long vector per node: `carried[p]` holds the amount of
// bets whose current payer-so-far is p (at level 0, each bettor's own bets). A level moves
// every carried amount to the nearest eligible strict ancestor, which earns rate * amount.
// Time O(nodes * levels), memory O(nodes) whatever the level count; passes stop early once
// every amount has left the top of its tree.
import { limbBaseMinorPpm, limbsToBigint, productHigh, productLow } from './minor-ppm-limbs.ts';
import type { BigintEarnings, LimbEarnings } from './node-earnings.ts';
import type { PerLevelPolicy } from './policy.ts';
import type { BigintColumns, PositionedInput } from './settlement-input.ts';
import { teamTurnoverBigint, teamTurnoverNumber } from './team-turnover.ts';

/** Position of each node's nearest eligible strict ancestor, -1 when there is none. */
export function eligibleAncestorPositions(parentPosition: Int32Array, eligible: Uint8Array): Int32Array {
  const ancestor = new Int32Array(parentPosition.length);
  // Forwards: a parent's position is smaller, so its answer is ready when a child needs it.
  for (let position = 0; position < parentPosition.length; position += 1) {
    const parent = parentPosition[position]!;
    ancestor[position] = parent < 0 ? -1 : eligible[parent] === 1 ? parent : ancestor[parent]!;
  }
  return ancestor;
}

/** Number path; exact only under the bound proven in minor-ppm-limbs.ts. */
export function perLevelLimbs(input: PositionedInput, policy: PerLevelPolicy): LimbEarnings {
  const nodeCount = input.nodeCount;
  const { ownMinor } = input;
  const team = teamTurnoverNumber(input.parentPosition, ownMinor);
  const ancestor = eligibleAncestorPositions(input.parentPosition, input.eligible);
  // Imports copied to locals once per call: see the note in minor-ppm-limbs.ts.
  const base = limbBaseMinorPpm;
  const multiplyHigh = productHigh;
  const multiplyLow = productLow;
  const earnedHigh = new Float64Array(nodeCount);
  const earnedLow = new Float64Array(nodeCount);
  // Per-node sums and this flow total are accumulated apart, so the engine's comparison of
  // the two catches a slip in either.
  let flowHigh = 0;
  let flowLow = 0;

  const selfRate = policy.selfRatePpm;
  for (let position = 0; position < nodeCount; position += 1) {
    const own = ownMinor[position]!;
    if (own === 0 || selfRate === 0 || input.eligible[position] !== 1) continue;
    const high = multiplyHigh(selfRate, own);
    const low = multiplyLow(selfRate, own);
    earnedHigh[position] = high;
    earnedLow[position] = low;
    flowHigh += high;
    flowLow += low;
    if (flowLow >= base) {
      flowLow -= base;
      flowHigh += 1;
    }
  }

  let carried = new Float64Array(ownMinor);
  let next = new Float64Array(nodeCount);
  for (const rate of policy.levelRatesPpm) {
    let moved = false;
    for (let position = 0; position < nodeCount; position += 1) {
      const amount = carried[position]!;
      if (amount === 0) continue;
      const payer = ancestor[position]!;
      if (payer < 0) continue;
      moved = true;
      next[payer]! += amount;
      if (rate === 0) continue;
      const high = multiplyHigh(rate, amount);
      const low = multiplyLow(rate, amount);
      let payerLow = earnedLow[payer]! + low;
      let payerHigh = earnedHigh[payer]! + high;
      if (payerLow >= base) {
        payerLow -= base;
        payerHigh += 1;
      }
      earnedLow[payer] = payerLow;
      earnedHigh[payer] = payerHigh;
      flowHigh += high;
      flowLow += low;
      if (flowLow >= base) {
        flowLow -= base;
        flowHigh += 1;
      }
    }
    if (!moved) break;
    [carried, next] = [next, carried];
    next.fill(0);
  }
  return {
    kind: 'limbs',
    earnedHigh,
    earnedLow,
    teamTurnoverMinor: team,
    flowTotalMinorPpm: limbsToBigint(flowHigh, flowLow),
  };
}

/** General path: bigint throughout, for any turnover up to 2^63-1. */
export function perLevelBigint(input: PositionedInput, columns: BigintColumns, policy: PerLevelPolicy): BigintEarnings {
  const nodeCount = input.nodeCount;
  const { betSumMinor } = columns;
  const team = teamTurnoverBigint(input.parentPosition, betSumMinor);
  const ancestor = eligibleAncestorPositions(input.parentPosition, input.eligible);
  const earned = new Array<bigint>(nodeCount).fill(0n);
  let flow = 0n;

  const selfRate = BigInt(policy.selfRatePpm);
  for (let position = 0; position < nodeCount; position += 1) {
    const own = betSumMinor[position]!;
    if (own === 0n || input.eligible[position] !== 1) continue;
    earned[position] = selfRate * own;
    flow += selfRate * own;
  }

  // Carried amounts are partial sums of bet sums, so they fit int64 (input check).
  let carried = new BigInt64Array(betSumMinor);
  let next = new BigInt64Array(nodeCount);
  for (const ratePpm of policy.levelRatesPpm) {
    const rate = BigInt(ratePpm);
    let moved = false;
    for (let position = 0; position < nodeCount; position += 1) {
      const amount = carried[position]!;
      if (amount === 0n) continue;
      const payer = ancestor[position]!;
      if (payer < 0) continue;
      moved = true;
      next[payer]! += amount;
      earned[payer] = earned[payer]! + rate * amount;
      flow += rate * amount;
    }
    if (!moved) break;
    [carried, next] = [next, carried];
    next.fill(0n);
  }
  return { kind: 'bigint', earnedMinorPpm: earned, teamTurnoverMinor: team, flowTotalMinorPpm: flow };
}
