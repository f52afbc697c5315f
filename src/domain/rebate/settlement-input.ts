// What one settlement computes over, as the app layer loads it: the agent tree and the
// period's bets in typed arrays indexed by a dense node index 0..n-1 (the app keeps the
// userId <-> index map). Typed arrays, not an object per node, keep a 1M-node settlement
// within tens of megabytes.
//
// The tree comes from the database, where every invariant is already enforced on write.
// If it arrives broken anyway (a cycle, an inverted rate) the settlement is refused with a
// code rather than asserted: one corrupt row should fail one settlement with a reason an
// operator can act on, not crash-loop the service. Mismatched array lengths are a
// programming error in the caller and are asserted.
import { invariant } from '../assert.ts';
import { ppmPerUnit } from '../rate.ts';
import { accept, refuse, type Result } from '../result.ts';
import { perLevelRatesCountMax, type RebatePolicy } from './policy.ts';
import { int64Halves, safeHighHalfBound, twoPower32 } from './int64-halves.ts';
import { buildTreeOrder } from './tree-order.ts';

/** capMinor value meaning "no rebate.maxPerSettlement for this node". */
export const noCapMinor = -1n;

const int64Max = 2n ** 63n - 1n;

export interface RebateSettlementInput {
  /** Parent node index, -1 for a root. */
  readonly parentIndex: Int32Array;
  /** The node's rebate rate; never above its parent's. */
  readonly ratePpm: Int32Array;
  /** Effective policy `rebate.enabled`: 0 means the node earns nothing (compression). */
  readonly eligible: Uint8Array;
  /** Effective policy `rebate.maxPerSettlement`, or noCapMinor (-1n). */
  readonly capMinor: BigInt64Array;
  /**
   * Per bettor, the sum of its bets in this settlement. Negative when it carries voids of
   * bets settled earlier (adjustments): rebates are linear in the amount, so netting is exact.
   */
  readonly betSumMinor: BigInt64Array;
  readonly policy: RebatePolicy;
  /**
   * 'auto' (default) takes the proven-exact Number path when the turnover allows it, else
   * bigint. 'bigint' forces the general path; tests and benchmarks use it to compare.
   */
  readonly arithmetic?: 'auto' | 'bigint';
}

/** The input regathered by tree position (see tree-order.ts), validated. */
export interface PositionedInput {
  readonly nodeCount: number;
  /** order[k] is the node index at position k. */
  readonly order: Int32Array;
  readonly parentPosition: Int32Array;
  readonly ratePpm: Int32Array;
  /** 0 or 1. */
  readonly eligible: Uint8Array;
  /**
   * True when every bet sum and the absolute turnover are at most 2^50 minor: the limb path
   * is then proven exact (minor-ppm-limbs.ts) and the two number columns below are exact.
   */
  readonly fitsLimbPath: boolean;
  /** Own bet sum per position; only filled when fitsLimbPath. */
  readonly ownMinor: Float64Array;
  /**
   * Cap per position, Infinity for none. Exact below 2^53; a larger cap is Infinity, which is
   * the same thing on the limb path, where no node earns more than the turnover (<= 2^50).
   */
  readonly capMinor: Float64Array;
  /** Sum of |betSumMinor|: bounds every sum and product the passes form. */
  readonly absoluteTurnoverMinor: bigint;
  /** Sum of betSumMinor. */
  readonly netTurnoverMinor: bigint;
}

/** Bet sums and caps by position as bigint, for the general path only. */
export interface BigintColumns {
  readonly betSumMinor: BigInt64Array;
  readonly capMinor: BigInt64Array;
}

const limbPathAmountMax = 2 ** 50;

export function positionSettlementInput(input: RebateSettlementInput): Result<PositionedInput> {
  const nodeCount = input.parentIndex.length;
  invariant(
    input.ratePpm.length === nodeCount &&
      input.eligible.length === nodeCount &&
      input.capMinor.length === nodeCount &&
      input.betSumMinor.length === nodeCount,
    'rebate input arrays must all have one entry per node',
  );
  assertPolicyShape(input.policy);

  const treeOrder = buildTreeOrder(input.parentIndex);
  if (!treeOrder.ok) return treeOrder;
  const { order, parentPosition } = treeOrder.value;

  // One gather per column: small loops that each read one input array measured about three
  // times faster than one loop reading them all.
  // Imports copied to locals once per call: see the note in minor-ppm-limbs.ts.
  const rateMaxPpm = ppmPerUnit;
  const highHalfBound = safeHighHalfBound;
  const halfBase = twoPower32;
  const ratePpm = new Int32Array(nodeCount);
  const rateByNode = input.ratePpm;
  for (let position = 0; position < nodeCount; position += 1) {
    const node = order[position]!;
    const rate = rateByNode[node]!;
    if (rate < 0 || rate > rateMaxPpm) return refuseRate(node, rate);
    const parent = parentPosition[position]!;
    // Parents sit at smaller positions, so the parent's rate is already gathered.
    if (parent >= 0 && rate > ratePpm[parent]!) return refuseInversion(node, rate, order[parent]!, ratePpm[parent]!);
    ratePpm[position] = rate;
  }

  const eligible = new Uint8Array(nodeCount);
  const eligibleByNode = input.eligible;
  for (let position = 0; position < nodeCount; position += 1)
    eligible[position] = eligibleByNode[order[position]!] === 0 ? 0 : 1;

  // Caps and bet sums are read as int64 halves (int64-halves.ts), inlined in these loops.
  const capMinor = new Float64Array(nodeCount);
  const capHalves = int64Halves(input.capMinor);
  for (let position = 0; position < nodeCount; position += 1) {
    const node = order[position]!;
    const high = capHalves[2 * node + 1]!;
    // A high half outside [-2^21, 2^21) is beyond 2^53: unrepresentable, but its sign is known.
    const safe = high >= -highHalfBound && high < highHalfBound;
    const cap = safe ? high * halfBase + (capHalves[2 * node]! >>> 0) : high < 0 ? -Infinity : Infinity;
    if (cap < -1) return refuseCap(node, input.capMinor[node]!);
    capMinor[position] = cap === -1 ? Infinity : cap;
  }

  const ownMinor = new Float64Array(nodeCount);
  const betHalves = int64Halves(input.betSumMinor);
  let everyBetSumSafe = true;
  // Exact while at most 2^50 + 2^50; past 2^50 only the comparison below matters.
  let absoluteTurnover = 0;
  let netTurnover = 0;
  for (let position = 0; position < nodeCount; position += 1) {
    const node = order[position]!;
    const high = betHalves[2 * node + 1]!;
    const low = betHalves[2 * node]!;
    if (high === 0 && low === 0) continue;
    if (high < -highHalfBound || high >= highHalfBound) {
      everyBetSumSafe = false;
      continue;
    }
    const betSum = high * halfBase + (low >>> 0);
    ownMinor[position] = betSum;
    absoluteTurnover += Math.abs(betSum);
    netTurnover += betSum;
  }

  const fitsLimbPath = everyBetSumSafe && absoluteTurnover <= limbPathAmountMax;
  let absoluteTurnoverMinor = BigInt(absoluteTurnover);
  let netTurnoverMinor = BigInt(netTurnover);
  if (!fitsLimbPath) {
    absoluteTurnoverMinor = 0n;
    netTurnoverMinor = 0n;
    for (const betSum of input.betSumMinor) {
      absoluteTurnoverMinor += betSum < 0n ? -betSum : betSum;
      netTurnoverMinor += betSum;
    }
  }
  // Every team turnover is a partial sum bounded by this, so it fits the int64 the output holds.
  if (absoluteTurnoverMinor > int64Max) {
    return refuse(
      'rebate_turnover_too_large',
      `absolute turnover ${absoluteTurnoverMinor} minor exceeds 2^63-1`,
      '/betSumMinor',
    );
  }
  return accept({
    nodeCount,
    order,
    parentPosition,
    ratePpm,
    eligible,
    fitsLimbPath,
    ownMinor,
    capMinor,
    absoluteTurnoverMinor,
    netTurnoverMinor,
  });
}

/** Regathers bet sums and caps by position as bigint (the general path's columns). */
export function gatherBigintColumns(input: RebateSettlementInput, positioned: PositionedInput): BigintColumns {
  const { nodeCount, order } = positioned;
  const betSumMinor = new BigInt64Array(nodeCount);
  const capMinor = new BigInt64Array(nodeCount);
  for (let position = 0; position < nodeCount; position += 1) {
    const node = order[position]!;
    betSumMinor[position] = input.betSumMinor[node]!;
    capMinor[position] = input.capMinor[node]!;
  }
  return { betSumMinor, capMinor };
}

function refuseRate(node: number, rate: number): Result<never> {
  return refuse(
    'rebate_input_invalid',
    `node ${node} has rate ${rate} ppm, outside [0, ${ppmPerUnit}]`,
    `/ratePpm/${node}`,
  );
}

function refuseInversion(node: number, rate: number, parentNode: number, parentRate: number): Result<never> {
  return refuse(
    'rate_above_parent',
    `node ${node} has rate ${rate} ppm above its parent node ${parentNode} at ${parentRate} ppm`,
    `/ratePpm/${node}`,
  );
}

function refuseCap(node: number, cap: bigint): Result<never> {
  return refuse(
    'rebate_input_invalid',
    `node ${node} has cap ${cap}; a cap is >= 0, or -1 for none`,
    `/capMinor/${node}`,
  );
}

/**
 * The policy reaches the engine already validated; these are the facts the arithmetic
 * bounds rely on (each rate <= 1, per_level rates summing to <= 1), asserted again.
 */
function assertPolicyShape(policy: RebatePolicy): void {
  if (policy.model === 'differential') return;
  invariant(policy.levelRatesPpm.length <= perLevelRatesCountMax, 'per_level policy has too many levels');
  let payoutPpm = policy.selfRatePpm;
  invariant(
    Number.isInteger(policy.selfRatePpm) && policy.selfRatePpm >= 0,
    'per_level selfRatePpm must be a non-negative integer',
  );
  for (const ratePpm of policy.levelRatesPpm) {
    invariant(Number.isInteger(ratePpm) && ratePpm >= 0, 'per_level rates must be non-negative integers');
    payoutPpm += ratePpm;
  }
  invariant(payoutPpm <= ppmPerUnit, 'per_level rates must sum to at most 1');
}
