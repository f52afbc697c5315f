// Property: the engine's int64 half-word access (src/domain/rebate/int64-halves.ts) agrees
// with BigInt64Array itself: every value in [-2^53, 2^53) reads back exactly as a number and
// writes from a number to the same bigint; every value outside is reported unsafe (never
// read as a rounded number); zero is recognised exactly.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  int64FromNumber,
  int64Halves,
  int64IsSafe,
  int64IsZero,
  int64ToNumber,
} from '../../src/domain/rebate/int64-halves.ts';

const safeMin = -(2n ** 53n);
const safeMax = 2n ** 53n - 1n;

test('reads and writes agree with BigInt64Array for values in [-2^53, 2^53)', () => {
  fc.assert(
    fc.property(
      fc.oneof(
        fc.bigInt({ min: safeMin, max: safeMax }),
        fc.constantFrom(safeMin, safeMax, safeMin + 1n, -1n, 0n, 1n, 2n ** 32n - 1n, -(2n ** 32n)),
      ),
      (value) => {
        const values = BigInt64Array.of(7n, value, -7n);
        const halves = int64Halves(values);
        assert.equal(int64IsSafe(halves, 1), true);
        assert.equal(int64ToNumber(halves, 1), Number(value));
        assert.equal(int64IsZero(halves, 1), value === 0n);
        const written = new BigInt64Array(3);
        int64FromNumber(int64Halves(written), 1, Number(value));
        assert.deepEqual([...written], [0n, value, 0n]);
      },
    ),
    { numRuns: 20_000 },
  );
});

test('values outside [-2^53, 2^53) are unsafe, and not zero', () => {
  fc.assert(
    fc.property(fc.bigInt({ min: 2n ** 53n, max: 2n ** 63n - 1n }), fc.boolean(), (magnitude, negative) => {
      const halves = int64Halves(BigInt64Array.of(negative ? -magnitude - 1n : magnitude));
      assert.equal(int64IsSafe(halves, 0), false);
      assert.equal(int64IsZero(halves, 0), false);
    }),
  );
  assert.equal(int64IsSafe(int64Halves(BigInt64Array.of(-(2n ** 63n))), 0), false);
});
