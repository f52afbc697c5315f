// The demo's only source of randomness: a seeded sfc32 generator, so `tiernet demo --seed N`
// produces the same platform and the same event stream every time. Math.random is never used
// by the generator; a seed is the whole state.
import { invariant } from '../../domain/assert.ts';

export class SeededRandom {
  #a: number;
  #b: number;
  #c: number;
  #d: number;

  constructor(seed: number) {
    invariant(Number.isSafeInteger(seed) && seed >= 0, `a demo seed is a non-negative safe integer, got ${seed}`);
    // splitmix32 spreads any seed (0, 1, 2 ...) over the whole state, so nearby seeds differ at once.
    let state = (seed ^ Math.floor(seed / 2 ** 32)) >>> 0;
    const next = (): number => {
      state = (state + 0x9e3779b9) >>> 0;
      let z = state;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.#a = next();
    this.#b = next();
    this.#c = next();
    this.#d = next() | 1;
    for (let round = 0; round < 12; round++) this.nextUint32();
  }

  nextUint32(): number {
    const a = this.#a;
    const b = this.#b;
    const c = this.#c;
    const d = this.#d;
    const t = (((a + b) >>> 0) + d) >>> 0;
    this.#d = (d + 1) >>> 0;
    this.#a = (b ^ (b >>> 9)) >>> 0;
    this.#b = (c + (c << 3)) >>> 0;
    this.#c = (((c << 21) | (c >>> 11)) + t) >>> 0;
    return t;
  }

  /** Uniform in [0, 1) with 32 bits of resolution. */
  nextFloat(): number {
    return this.nextUint32() / 2 ** 32;
  }

  /** Uniform integer in [0, bound). */
  nextInt(bound: number): number {
    invariant(
      Number.isSafeInteger(bound) && bound > 0 && bound <= 2 ** 32,
      `nextInt bound must be in [1, 2^32], got ${bound}`,
    );
    return Math.floor(this.nextFloat() * bound);
  }

  /** Uniform integer in [low, high]. */
  between(low: number, high: number): number {
    return low + this.nextInt(high - low + 1);
  }

  chance(probability: number): boolean {
    return this.nextFloat() < probability;
  }

  pick<T>(items: readonly T[]): T {
    invariant(items.length > 0, 'pick from an empty list');
    return items[this.nextInt(items.length)] as T;
  }

  /** Poisson-distributed count with the given mean (Knuth below 30, a rounded normal above). */
  poisson(mean: number): number {
    invariant(mean >= 0 && Number.isFinite(mean), `poisson mean must be finite and >= 0, got ${mean}`);
    if (mean === 0) return 0;
    if (mean < 30) {
      const limit = Math.exp(-mean);
      let product = this.nextFloat();
      let count = 0;
      // The expected number of rounds is mean + 1; 1000 covers mean < 30 with certainty in practice.
      for (let round = 0; round < 1_000 && product > limit; round++) {
        product *= this.nextFloat();
        count++;
      }
      return count;
    }
    // Box-Muller; 1 - u keeps the logarithm finite.
    const u = 1 - this.nextFloat();
    const v = this.nextFloat();
    const normal = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    return Math.max(0, Math.round(mean + Math.sqrt(mean) * normal));
  }
}
