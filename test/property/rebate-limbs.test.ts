// Property: the limb arithmetic of the engine's number path (src/domain/rebate/minor-ppm-limbs.ts)
// is exact: for every rate in [0, 10^6] ppm and every amount with |amount| <= 2^50 minor,
// productHigh * 10^6 + productLow equals the bigint product and productLow lies in [0, 10^6).
// Extremes of both ranges are always included.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  limbPathTurnoverMaxMinor,
  limbsToBigint,
  productHigh,
  productLow,
} from '../../src/domain/rebate/minor-ppm-limbs.ts';

const amountMax = Number(limbPathTurnoverMaxMinor);

function assertExact(ratePpm: number, amountMinor: number): void {
  const low = productLow(ratePpm, amountMinor);
  assert.ok(Number.isInteger(low) && low >= 0 && low < 1_000_000, `low ${low}`);
  assert.equal(limbsToBigint(productHigh(ratePpm, amountMinor), low), BigInt(ratePpm) * BigInt(amountMinor));
}

test('rate * amount in limbs equals the bigint product', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 1_000_000 }), fc.integer({ min: -amountMax, max: amountMax }), assertExact),
    { numRuns: 20_000 },
  );
});

test('extremes of both ranges', () => {
  const rates = [0, 1, 999_999, 1_000_000];
  const amounts = [
    0,
    1,
    -1,
    999_999,
    1_000_000,
    -1_000_000,
    -999_999,
    amountMax,
    -amountMax,
    amountMax - 1,
    -(amountMax - 1),
  ];
  for (const rate of rates) for (const amount of amounts) assertExact(rate, amount);
});
