// Proves the metric windows: a window of N days as of day D covers (D-N, D], activeDays counts
// days with bets, lifetime as of a past day leaves later buckets out, a void is a negative
// delta on its bet's own day, and the bucketed figures equal a plain per-bet reference.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { InvariantViolation } from '../assert.ts';
import {
  applyBetDelta,
  applyLifetimeDelta,
  betPlacedDelta,
  betVoidedDelta,
  computeMetrics,
  emptyLifetime,
  metricsAsOfReader,
  type DayBucket,
  type LifetimeTotals,
} from './metrics.ts';
import { dayNumberOf } from './zone-day.ts';

const windows = [1, 7, 30];
const asOfDay = 20_000;

function placeAll(bets: readonly { day: number; amountMinor: bigint }[]): {
  buckets: DayBucket[];
  lifetime: LifetimeTotals;
} {
  let buckets: DayBucket[] = [];
  let lifetime = emptyLifetime;
  for (const bet of bets) {
    buckets = applyBetDelta(buckets, bet.day, betPlacedDelta(bet.amountMinor));
    lifetime = applyLifetimeDelta(lifetime, betPlacedDelta(bet.amountMinor));
  }
  return { buckets, lifetime };
}

void describe('computeMetrics', () => {
  void test('given bets on the window edges, when computed as of day D, then a 7-day window holds days D-6..D and not D-7 or D+1', () => {
    const { buckets, lifetime } = placeAll([
      { day: asOfDay - 7, amountMinor: 1n },
      { day: asOfDay - 6, amountMinor: 10n },
      { day: asOfDay, amountMinor: 100n },
      { day: asOfDay + 1, amountMinor: 1000n },
    ]);
    const metrics = computeMetrics(buckets, lifetime, asOfDay, windows);
    assert.equal(metrics['turnover1d'], 100n);
    assert.equal(metrics['turnover7d'], 110n);
    assert.equal(metrics['turnover30d'], 111n);
    assert.equal(metrics['betCount7d'], 2);
    assert.equal(metrics['activeDays7d'], 2);
    // Lifetime as of D leaves out the bet of D+1 although the all-time total includes it.
    assert.equal(metrics['turnoverLifetime'], 111n);
    assert.equal(metrics['betCountLifetime'], 3);
  });

  void test('given two bets on one day and one voided on another, when computed, then activeDays counts days with bets left', () => {
    let { buckets, lifetime } = placeAll([
      { day: asOfDay, amountMinor: 5n },
      { day: asOfDay, amountMinor: 7n },
      { day: asOfDay - 1, amountMinor: 9n },
    ]);
    buckets = applyBetDelta(buckets, asOfDay - 1, betVoidedDelta(9n));
    lifetime = applyLifetimeDelta(lifetime, betVoidedDelta(9n));
    const metrics = computeMetrics(buckets, lifetime, asOfDay, windows);
    assert.equal(metrics['activeDays7d'], 1);
    assert.equal(metrics['betCount7d'], 2);
    assert.equal(metrics['turnover7d'], 12n);
    assert.equal(metrics['turnoverLifetime'], 12n);
  });

  void test('given a void for more than its day holds, when applied, then it is an invariant violation, not a negative bucket', () => {
    const { buckets } = placeAll([{ day: asOfDay, amountMinor: 5n }]);
    assert.throws(() => applyBetDelta(buckets, asOfDay, betVoidedDelta(6n)), InvariantViolation);
  });

  void test('given any bets and voids, when computed as of any day, then every metric equals a plain per-bet reference', () => {
    const betArbitrary = fc.record({
      day: fc.integer({ min: asOfDay - 40, max: asOfDay + 5 }),
      amountMinor: fc.bigInt({ min: 1n, max: 10n ** 12n }),
      voided: fc.boolean(),
    });
    fc.assert(
      fc.property(
        fc.array(betArbitrary, { maxLength: 60 }),
        fc.integer({ min: asOfDay - 10, max: asOfDay + 5 }),
        (bets, day) => {
          let { buckets, lifetime } = placeAll(bets);
          for (const bet of bets.filter((candidate) => candidate.voided)) {
            buckets = applyBetDelta(buckets, bet.day, betVoidedDelta(bet.amountMinor));
            lifetime = applyLifetimeDelta(lifetime, betVoidedDelta(bet.amountMinor));
          }
          const metrics = computeMetrics(buckets, lifetime, day, windows);
          const live = bets.filter((bet) => !bet.voided && bet.day <= day);
          assert.equal(
            metrics['turnoverLifetime'],
            live.reduce((sum, bet) => sum + bet.amountMinor, 0n),
          );
          assert.equal(metrics['betCountLifetime'], live.length);
          for (const days of windows) {
            const inWindow = live.filter((bet) => bet.day > day - days);
            assert.equal(
              metrics[`turnover${days}d`],
              inWindow.reduce((sum, bet) => sum + bet.amountMinor, 0n),
            );
            assert.equal(metrics[`betCount${days}d`], inWindow.length);
            assert.equal(metrics[`activeDays${days}d`], new Set(inWindow.map((bet) => bet.day)).size);
          }
        },
      ),
    );
  });
});

void describe('metricsAsOfReader', () => {
  void test('given a boundary at Shanghai midnight, when read, then the bets of the boundary day are left out and the day before is in', () => {
    const boundaryMs = Date.UTC(2026, 10, 25) - 8 * 3_600_000;
    const boundaryDay = dayNumberOf(boundaryMs, 'Asia/Shanghai');
    const { buckets, lifetime } = placeAll([
      { day: boundaryDay - 1, amountMinor: 3n },
      { day: boundaryDay, amountMinor: 40n },
    ]);
    const metrics = metricsAsOfReader(buckets, lifetime, 'Asia/Shanghai', windows)(boundaryMs);
    assert.equal(metrics['turnover1d'], 3n);
    assert.equal(metrics['turnoverLifetime'], 3n);
  });
});
