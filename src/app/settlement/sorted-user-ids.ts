// The dense index of a settlement: user ids in ascending order, position = node index.
// Loading the tree in id order (keyset pages) makes the index the load order itself, and a
// lookup is a binary search. Ids are held as two uint32 halves rather than strings in a Map
// (about 100 bytes per entry at 1M users) or a BigInt64Array (whose every read allocates a
// bigint): 8 bytes per user and no allocation per comparison.
import { invariant } from '../../domain/assert.ts';
import type { UserId } from '../../domain/ids.ts';

const halfBase = 2 ** 32;
/** Ids of at most 15 digits are below 2^53 and parse exactly as a double. */
const exactDigitsMax = 15;
/** A high half below 2^21 keeps high * 2^32 + low below 2^53. */
const exactHighMax = 2 ** 21;

// Results of splitId; module scratch instead of a returned object per call.
let splitHigh = 0;
let splitLow = 0;

/** Splits a canonical decimal id (1 .. 2^63-1) into uint32 halves (splitHigh, splitLow). */
function splitId(userId: UserId): void {
  if (userId.length <= exactDigitsMax) {
    const value = Number(userId);
    const high = Math.floor(value / halfBase);
    splitHigh = high;
    splitLow = value - high * halfBase;
    return;
  }
  const value = BigInt(userId);
  splitHigh = Number(value >> 32n);
  splitLow = Number(value & 0xffff_ffffn);
}

export class SortedUserIds {
  readonly #high: Uint32Array;
  readonly #low: Uint32Array;
  #count = 0;

  constructor(capacity: number) {
    invariant(
      Number.isSafeInteger(capacity) && capacity >= 0,
      `capacity must be a non-negative integer, got ${capacity}`,
    );
    this.#high = new Uint32Array(capacity);
    this.#low = new Uint32Array(capacity);
  }

  get count(): number {
    return this.#count;
  }

  get capacity(): number {
    return this.#high.length;
  }

  /** Appends the next id, which must be above every id appended so far; returns its index. */
  push(userId: UserId): number {
    const index = this.#count;
    invariant(index < this.#high.length, `more users than the ${this.#high.length} counted`);
    splitId(userId);
    if (index > 0) {
      const previousHigh = this.#high[index - 1]!;
      invariant(
        splitHigh > previousHigh || (splitHigh === previousHigh && splitLow > this.#low[index - 1]!),
        `user ids must arrive in ascending order; ${userId} came after ${this.idAt(index - 1)}`,
      );
    }
    this.#high[index] = splitHigh;
    this.#low[index] = splitLow;
    this.#count = index + 1;
    return index;
  }

  /** Index of `userId`, or -1 when it is not in the index. */
  indexOf(userId: UserId): number {
    splitId(userId);
    return this.indexOfHalves(splitHigh, splitLow);
  }

  /** Index of the id with these halves, or -1. */
  indexOfHalves(high: number, low: number): number {
    const highs = this.#high;
    const lows = this.#low;
    let lowerBound = 0;
    let upperBound = this.#count - 1;
    // Binary search: at most 33 rounds for any count a Uint32Array can hold.
    while (lowerBound <= upperBound) {
      const middle = (lowerBound + upperBound) >>> 1;
      const middleHigh = highs[middle]!;
      const middleLow = lows[middle]!;
      if (middleHigh === high && middleLow === low) return middle;
      if (middleHigh < high || (middleHigh === high && middleLow < low)) lowerBound = middle + 1;
      else upperBound = middle - 1;
    }
    return -1;
  }

  idAt(index: number): UserId {
    invariant(
      Number.isInteger(index) && index >= 0 && index < this.#count,
      `user index ${index} outside [0, ${this.#count})`,
    );
    const high = this.#high[index]!;
    const low = this.#low[index]!;
    if (high < exactHighMax) return String(high * halfBase + low);
    return ((BigInt(high) << 32n) | BigInt(low)).toString();
  }
}

/** Writes the halves of `userId` at `index` of two arrays, for callers that hold ids as halves (indexOfHalves). */
export function writeUserIdHalves(userId: UserId, highs: Uint32Array, lows: Uint32Array, index: number): void {
  splitId(userId);
  highs[index] = splitHigh;
  lows[index] = splitLow;
}
