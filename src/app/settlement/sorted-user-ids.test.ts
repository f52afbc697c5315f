// Unit and property tests of the settlement's dense index: any ascending set of ids from 1 to
// 2^63-1 (both sides of 2^53, where ids stop being exact doubles) is found at its position,
// reads back as the same canonical string, and an absent id is -1; ids out of order or more
// ids than counted are refused.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { SortedUserIds, writeUserIdHalves } from './sorted-user-ids.ts';

const idMax = 2n ** 63n - 1n;
const idArbitrary = fc.oneof(
  fc.bigInt({ min: 1n, max: 2n ** 53n + 10n }),
  fc.bigInt({ min: 1n, max: idMax }),
  fc.constantFrom(1n, 2n ** 32n - 1n, 2n ** 32n, 2n ** 53n - 1n, 2n ** 53n, 2n ** 53n + 1n, idMax),
);

describe('SortedUserIds', () => {
  test('every id is found at its position and reads back canonically; absent ids are -1', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(idArbitrary, { minLength: 1, maxLength: 200 }),
        fc.array(idArbitrary, { maxLength: 20 }),
        (ids, probes) => {
          const sorted = [...ids].sort((left, right) => (left < right ? -1 : left > right ? 1 : 0));
          const index = new SortedUserIds(sorted.length);
          for (const [position, id] of sorted.entries())
            assert.equal(index.push(id.toString()), position, 'push returns the position');
          for (const [position, id] of sorted.entries()) {
            assert.equal(index.indexOf(id.toString()), position, `index of ${id}`);
            assert.equal(index.idAt(position), id.toString(), `id at ${position}`);
            const highs = new Uint32Array(1);
            const lows = new Uint32Array(1);
            writeUserIdHalves(id.toString(), highs, lows, 0);
            assert.equal(index.indexOfHalves(highs[0]!, lows[0]!), position, `halves of ${id}`);
          }
          const members = new Set(sorted);
          for (const probe of probes)
            if (!members.has(probe)) assert.equal(index.indexOf(probe.toString()), -1, `absent ${probe}`);
        },
      ),
    );
  });

  test('ids out of order, repeated, or beyond the count are refused', () => {
    const index = new SortedUserIds(2);
    index.push('10');
    assert.throws(() => index.push('9'), /ascending/);
    assert.throws(() => index.push('10'), /ascending/);
    index.push('9007199254740993');
    assert.throws(() => index.push('9007199254740994'), /more users than/);
    assert.equal(new SortedUserIds(0).indexOf('1'), -1);
  });
});
