// Exact minor*ppm arithmetic in JS numbers, for the fast path.
//
// A rebate before rounding is amount * rate, in minor*ppm: 10^16 minor times 10^6 ppm is
// 10^22, past the 2^53 a double holds exactly. BigInt is exact but allocates on every
// operation; measured on 1M nodes it made the bottom-up pass ~5x slower. So the fast path
// holds a minor*ppm value v as two doubles, v = hi * 10^6 + lo with 0 <= lo < 10^6: hi is
// whole minor units (the floor), lo the fraction in ppm. Flooring to a minor unit then costs
// nothing, and every operation stays on integers far below 2^53, hence exact.
//
// Proof of exactness, given absoluteTurnoverMinor T <= 2^50 (limbPathTurnoverMaxMinor):
// - Every amount the passes form (own bets, team turnover, per-level carried amounts) is a
//   partial sum of bet sums, so |amount| <= T <= 2^50: exact.
// - Splitting an integer x with |x| < 2^53 as q = Math.floor(x / 10^6), x - q * 10^6 is
//   exact: x = 10^6 * (m + f) with m integer and f in {0, 10^-6, ..., 1 - 10^-6}, so a
//   non-integer quotient is at least 10^-6 from the next integer. The division is correctly
//   rounded; |x| / 10^6 < 2^53 / 10^6 < 2^34, where half an ulp is at most 2^-20 < 10^-6, so
//   rounding never reaches the next integer and the floor is m. (Measured: `%` on doubles compiles to a slow fmod call; the floor is much cheaper.)
// - product(rate, amount), 0 <= rate <= 10^6: split amount = a1 * 10^6 + a0, 0 <= a0 < 10^6.
//   rate * a0 < 10^12 and |rate * a1| <= 10^6 * (2^50 / 10^6 + 1) < 2^51: exact.
// - Sums of values: lo + lo < 2 * 10^6, one carry. A node's rebate is a sum over bets of a
//   rate gain in [0, 10^6] times the bet, so |rebate| <= 10^6 * T and its hi is at most
//   2^50 + 1; a node's r*S and the paid sum it passes up are bounded the same way. Totals
//   over all nodes are at most 10^6 * T as well (differential: rate gains along one path
//   telescope to at most the top rate; per_level: the policy's rates sum to at most 1), so
//   |total hi| <= 2^50 + n.
// - Everything stays below 2^53, where doubles are exact integers.
// Above T = 2^50 minor (10^11 currency units in one settlement) the engine uses bigint.
//
// Hot loops copy the imported names they use into locals once per call: tsx runs these
// modules as CommonJS, where every use of an imported name is a property getter call, and a
// settlement's loops run cold (once per settlement); measured, the getters made the first
// call of a 1M-iteration loop up to twice as slow.

/** One minor unit in minor*ppm. */
export const limbBaseMinorPpm = 1_000_000;
export const limbBaseBigint = 1_000_000n;
/** The largest absolute turnover for which the number path is proven exact (see above). */
export const limbPathTurnoverMaxMinor = 2n ** 50n;

/** floor(value / 10^6) for an integer |value| < 2^53 (exact, see above). */
function wholeMinor(valueMinorPpm: number): number {
  return Math.floor(valueMinorPpm / limbBaseMinorPpm);
}

/** hi limb of rate * amount: floor(rate * amount / 10^6). */
export function productHigh(ratePpm: number, amountMinor: number): number {
  const amountHigh = wholeMinor(amountMinor);
  const amountLow = amountMinor - amountHigh * limbBaseMinorPpm;
  return ratePpm * amountHigh + wholeMinor(ratePpm * amountLow);
}

/** lo limb of rate * amount: (rate * amount) mod 10^6, in [0, 10^6). */
export function productLow(ratePpm: number, amountMinor: number): number {
  const amountLow = amountMinor - wholeMinor(amountMinor) * limbBaseMinorPpm;
  const lowProduct = ratePpm * amountLow;
  return lowProduct - wholeMinor(lowProduct) * limbBaseMinorPpm;
}

/** The exact minor*ppm value of a limb pair. */
export function limbsToBigint(high: number, low: number): bigint {
  return BigInt(high) * limbBaseBigint + BigInt(low);
}
