// Team turnover: a node's own bets plus every descendant's, the figure agents are shown and
// the differential pass multiplies by the rate. One bottom-up pass over tree positions:
// walking positions from last to first meets every child before its parent.

/**
 * Number flavour. Exact while the absolute turnover is at most 2^53 (each team turnover is a
 * partial sum of bet sums); the caller only uses it below limbPathTurnoverMaxMinor.
 */
export function teamTurnoverNumber(parentPosition: Int32Array, ownMinor: Float64Array): Float64Array {
  const team = new Float64Array(ownMinor);
  for (let position = team.length - 1; position > 0; position -= 1) {
    const parent = parentPosition[position]!;
    if (parent >= 0) team[parent]! += team[position]!;
  }
  return team;
}

/** Bigint flavour. Cannot wrap: the input check bounds the absolute turnover by 2^63-1. */
export function teamTurnoverBigint(parentPosition: Int32Array, ownMinor: BigInt64Array): BigInt64Array {
  const team = new BigInt64Array(ownMinor);
  for (let position = team.length - 1; position > 0; position -= 1) {
    const parent = parentPosition[position]!;
    const turnover = team[position]!;
    if (parent >= 0 && turnover !== 0n) team[parent]! += turnover;
  }
  return team;
}
