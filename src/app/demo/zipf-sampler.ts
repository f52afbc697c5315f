// Picks an index with Zipf-like weights (weight of rank r is 1 / (r + 1)^exponent): a few
// heavy players place most bets, as on real betting platforms. Ranks are shuffled over the
// indices by the seeded generator, so the heaviest players are spread over the tree.
import { invariant } from '../../domain/assert.ts';
import type { SeededRandom } from './seeded-random.ts';

export class ZipfSampler {
  /** cumulative[i] = total weight of indices 0..i. */
  readonly #cumulative: Float64Array;
  /** rankOf[index]: 0 is the heaviest. */
  readonly rankOf: Uint32Array;

  /** `pinned`: give these indices these ranks (a user the demo wants active whatever the shuffle). */
  constructor(
    count: number,
    exponent: number,
    random: SeededRandom,
    pinned: readonly { readonly index: number; readonly rank: number }[] = [],
  ) {
    invariant(Number.isSafeInteger(count) && count > 0, `a Zipf sampler needs at least one item, got ${count}`);
    invariant(exponent > 0 && exponent < 4, `Zipf exponent must be in (0, 4), got ${exponent}`);
    const rankOf = new Uint32Array(count);
    for (let index = 0; index < count; index++) rankOf[index] = index;
    for (let index = count - 1; index > 0; index--) {
      const other = random.nextInt(index + 1);
      const swap = rankOf[index] as number;
      rankOf[index] = rankOf[other] as number;
      rankOf[other] = swap;
    }
    for (const { index, rank } of pinned) {
      invariant(
        index >= 0 && index < count && rank >= 0 && rank < count,
        `pinned rank ${rank} of index ${index} is outside [0, ${count})`,
      );
      const holder = rankOf.indexOf(rank);
      rankOf[holder] = rankOf[index] as number;
      rankOf[index] = rank;
    }
    const cumulative = new Float64Array(count);
    let total = 0;
    for (let index = 0; index < count; index++) {
      total += 1 / ((rankOf[index] as number) + 1) ** exponent;
      cumulative[index] = total;
    }
    this.#cumulative = cumulative;
    this.rankOf = rankOf;
  }

  get size(): number {
    return this.#cumulative.length;
  }

  /** An index, drawn by weight: a binary search over the cumulative weights (at most 53 steps). */
  sample(random: SeededRandom): number {
    const cumulative = this.#cumulative;
    const target = random.nextFloat() * (cumulative[cumulative.length - 1] as number);
    let low = 0;
    let high = cumulative.length - 1;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if ((cumulative[middle] as number) > target) high = middle;
      else low = middle + 1;
    }
    return low;
  }
}
