// The plain per-bet rebate reference the engine is compared with (DESIGN §5: "a property
// test compares with a plain per-bet reference"). It is the classic design, written for
// reading, not speed: for each single bet, walk the upline one node at a time and apply the
// contract's words literally; then sum per beneficiary, cap, and round. It shares no code
// with src/domain/rebate and works on plain arrays and individual bets, so it also checks
// that aggregating bets per bettor first changes nothing.

export interface ReferenceTree {
  /** parent[i], or -1 for a root. Must be acyclic. */
  readonly parent: readonly number[];
  readonly ratePpm: readonly number[];
  readonly eligible: readonly boolean[];
  /** rebate.maxPerSettlement in minor units, null for none. */
  readonly capMinor: readonly (bigint | null)[];
}

export interface ReferenceBet {
  readonly bettor: number;
  /** Positive for a bet, negative for the void of a bet settled earlier. */
  readonly amountMinor: bigint;
}

export type ReferencePolicy =
  | { readonly model: 'differential'; readonly selfRebate: boolean }
  | { readonly model: 'per_level'; readonly selfRatePpm: number; readonly levelRatesPpm: readonly number[] };

export interface ReferenceLine {
  readonly exactMinorPpm: bigint;
  readonly amountMinor: bigint;
  readonly residueMinorPpm: bigint;
  readonly cappedMinorPpm: bigint;
}

export interface ReferenceSettlement {
  /** Keyed by node index; only nodes whose exact rebate is not zero. */
  readonly lines: Map<number, ReferenceLine>;
  readonly teamTurnoverMinor: bigint[];
  readonly exactTotalMinorPpm: bigint;
  readonly linesTotalMinor: bigint;
  readonly residueTotalMinorPpm: bigint;
  readonly cappedTotalMinorPpm: bigint;
  readonly beneficiaries: number;
}

const minorPpmPerMinor = 1_000_000n;

export function referenceSettle(
  tree: ReferenceTree,
  bets: readonly ReferenceBet[],
  policy: ReferencePolicy,
): ReferenceSettlement {
  const nodeCount = tree.parent.length;
  const exactByNode = new Map<number, bigint>();
  const credit = (node: number, amountMinorPpm: bigint): void => {
    exactByNode.set(node, (exactByNode.get(node) ?? 0n) + amountMinorPpm);
  };
  const teamTurnoverMinor = new Array<bigint>(nodeCount).fill(0n);

  for (const bet of bets) {
    const upline = uplineOf(tree, bet.bettor); // [bettor, parent, grandparent, ..., root]
    const a = bet.amountMinor;
    for (const node of upline) teamTurnoverMinor[node]! += a;

    if (policy.model === 'differential') {
      // The bettor's own share: r(v0)*a with self rebate on; with it off the house keeps it.
      let waiting = policy.selfRebate ? BigInt(tree.ratePpm[bet.bettor]!) * a : 0n;
      if (tree.eligible[bet.bettor]!) {
        credit(bet.bettor, waiting);
        waiting = 0n;
      }
      for (let i = 1; i < upline.length; i += 1) {
        const node = upline[i]!;
        const below = upline[i - 1]!;
        // v_i's margin over v_(i-1); an ineligible node's margin waits for the next
        // eligible ancestor, together with anything already waiting from below.
        waiting += BigInt(tree.ratePpm[node]! - tree.ratePpm[below]!) * a;
        if (tree.eligible[node]!) {
          credit(node, waiting);
          waiting = 0n;
        }
      }
      // Anything still waiting above the last eligible ancestor stays with the house.
    } else {
      if (tree.eligible[bet.bettor]!) credit(bet.bettor, BigInt(policy.selfRatePpm) * a);
      let eligibleAncestorsSeen = 0;
      for (let i = 1; i < upline.length; i += 1) {
        const node = upline[i]!;
        if (!tree.eligible[node]!) continue;
        eligibleAncestorsSeen += 1;
        if (eligibleAncestorsSeen > policy.levelRatesPpm.length) break;
        credit(node, BigInt(policy.levelRatesPpm[eligibleAncestorsSeen - 1]!) * a);
      }
    }
  }

  const lines = new Map<number, ReferenceLine>();
  let exactTotalMinorPpm = 0n;
  let linesTotalMinor = 0n;
  let residueTotalMinorPpm = 0n;
  let cappedTotalMinorPpm = 0n;
  let beneficiaries = 0;
  for (const [node, exact] of exactByNode) {
    if (exact === 0n) continue;
    const line = roundLine(exact, tree.capMinor[node] ?? null);
    lines.set(node, line);
    exactTotalMinorPpm += exact;
    linesTotalMinor += line.amountMinor;
    residueTotalMinorPpm += line.residueMinorPpm;
    cappedTotalMinorPpm += line.cappedMinorPpm;
    if (line.amountMinor !== 0n) beneficiaries += 1;
  }
  return {
    lines,
    teamTurnoverMinor,
    exactTotalMinorPpm,
    linesTotalMinor,
    residueTotalMinorPpm,
    cappedTotalMinorPpm,
    beneficiaries,
  };
}

/**
 * A payout is capped at the cap first (the excess is `capped`), then floored to a minor
 * unit. A clawback is never capped and is rounded toward zero: the beneficiary gives back
 * whole minor units, never more than the exact amount.
 */
export function roundLine(exactMinorPpm: bigint, capMinor: bigint | null): ReferenceLine {
  if (exactMinorPpm < 0n) {
    const magnitude = -exactMinorPpm;
    const amountMinor = -floorDivide(magnitude, minorPpmPerMinor);
    return {
      exactMinorPpm,
      amountMinor,
      residueMinorPpm: exactMinorPpm - amountMinor * minorPpmPerMinor,
      cappedMinorPpm: 0n,
    };
  }
  const capMinorPpm = capMinor === null ? null : capMinor * minorPpmPerMinor;
  const payable = capMinorPpm !== null && exactMinorPpm > capMinorPpm ? capMinorPpm : exactMinorPpm;
  const amountMinor = floorDivide(payable, minorPpmPerMinor);
  return {
    exactMinorPpm,
    amountMinor,
    residueMinorPpm: payable - amountMinor * minorPpmPerMinor,
    cappedMinorPpm: exactMinorPpm - payable,
  };
}

/** floor(numerator / denominator) for a non-negative numerator and positive denominator. */
function floorDivide(numerator: bigint, denominator: bigint): bigint {
  let quotient = numerator / denominator;
  if (quotient * denominator > numerator) quotient -= 1n;
  return quotient;
}

/** The bettor and its ancestors up to the root, bounded by the node count (a cycle throws). */
function uplineOf(tree: ReferenceTree, bettor: number): number[] {
  const upline: number[] = [];
  let node = bettor;
  while (node !== -1) {
    if (upline.length > tree.parent.length) throw new Error(`reference: cycle above node ${bettor}`);
    upline.push(node);
    node = tree.parent[node]!;
  }
  return upline;
}
