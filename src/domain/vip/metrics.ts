// Per-user metrics from day buckets (DESIGN.md §3). A bet lands in the bucket of its own
// event day in the ladder's zone, and its void is a negative delta on that same bucket, so
// a replay in any order of arrival gives the same buckets and the same metrics.
//
// Window semantics: a window of N days as of day D covers the days (D-N, D]; activeDays
// counts the days in the window with betCount > 0. Lifetime metrics as of D exclude buckets
// after D, which is how a review at a past boundary sees the lifetime of that moment.
import { invariant } from '../assert.ts';
import { dayNumberOf } from './zone-day.ts';

export interface DayBucket {
  /** Zone day number (see zone-day.ts). */
  readonly day: number;
  readonly turnoverMinor: bigint;
  readonly betCount: number;
}

export interface LifetimeTotals {
  readonly turnoverMinor: bigint;
  readonly betCount: number;
}

/** A placed bet adds, a void subtracts; both touch exactly one day bucket and the lifetime. */
export interface MetricDelta {
  readonly turnoverMinor: bigint;
  readonly betCount: number;
}

/** bigint minor units for turnover metrics, a plain integer for counts. */
export type MetricValue = bigint | number;

/** Every metric name of the configured windows (see metric-names.ts allMetricNames) to its value. */
export type MetricValues = Readonly<Record<string, MetricValue>>;

/**
 * A user's buckets are bounded by what the app keeps: the longest window (at most 9999 days,
 * the metric-name grammar) plus the days after a pending review. 20 000 covers that with room.
 */
export const bucketCountMax = 20_000;

export const emptyLifetime: LifetimeTotals = { turnoverMinor: 0n, betCount: 0 };

export function betPlacedDelta(amountMinor: bigint): MetricDelta {
  invariant(amountMinor > 0n, 'a placed bet has a positive amount');
  return { turnoverMinor: amountMinor, betCount: 1 };
}

export function betVoidedDelta(amountMinor: bigint): MetricDelta {
  invariant(amountMinor > 0n, 'a voided bet has a positive amount');
  return { turnoverMinor: -amountMinor, betCount: -1 };
}

/** The bucket after a delta; `bucket` is the current bucket of `day`, if any. */
export function applyDeltaToBucket(bucket: DayBucket | undefined, day: number, delta: MetricDelta): DayBucket {
  invariant(bucket === undefined || bucket.day === day, "delta applied to another day's bucket");
  const turnoverMinor = (bucket?.turnoverMinor ?? 0n) + delta.turnoverMinor;
  const betCount = (bucket?.betCount ?? 0) + delta.betCount;
  // A void without its bet, or applied twice, would go negative: the app's bet ledger is meant to prevent both.
  invariant(turnoverMinor >= 0n && betCount >= 0, `bucket of day ${day} would go negative`);
  return { day, turnoverMinor, betCount };
}

/** Buckets after a delta on `day`; the input is not changed. Order is kept; a new day is appended. */
export function applyBetDelta(buckets: readonly DayBucket[], day: number, delta: MetricDelta): DayBucket[] {
  invariant(buckets.length <= bucketCountMax, `more than ${bucketCountMax} day buckets`);
  const index = buckets.findIndex((bucket) => bucket.day === day);
  const updated = applyDeltaToBucket(index < 0 ? undefined : buckets[index], day, delta);
  const next = buckets.slice();
  if (index < 0) next.push(updated);
  else next[index] = updated;
  return next;
}

export function applyLifetimeDelta(lifetime: LifetimeTotals, delta: MetricDelta): LifetimeTotals {
  const turnoverMinor = lifetime.turnoverMinor + delta.turnoverMinor;
  const betCount = lifetime.betCount + delta.betCount;
  invariant(turnoverMinor >= 0n && betCount >= 0, 'lifetime totals would go negative');
  return { turnoverMinor, betCount };
}

/**
 * Metrics as of the end of zone day `asOfDay`. `lifetime` is the all-time total including
 * every bucket; buckets after `asOfDay` are taken back out of it, so they must be present
 * (the app keeps at least every day after the oldest pending review).
 */
export function computeMetrics(
  buckets: readonly DayBucket[],
  lifetime: LifetimeTotals,
  asOfDay: number,
  windowDays: readonly number[],
): MetricValues {
  invariant(buckets.length <= bucketCountMax, `more than ${bucketCountMax} day buckets`);
  invariant(Number.isSafeInteger(asOfDay), 'asOfDay must be an integer day number');
  const turnoverMinor = windowDays.map(() => 0n);
  const betCount = windowDays.map(() => 0);
  const activeDays = windowDays.map(() => 0);
  let lifetimeTurnoverMinor = lifetime.turnoverMinor;
  let lifetimeBetCount = lifetime.betCount;
  const seenDays = new Set<number>();
  for (const bucket of buckets) {
    invariant(!seenDays.has(bucket.day), `two buckets for day ${bucket.day}`);
    seenDays.add(bucket.day);
    invariant(bucket.turnoverMinor >= 0n && bucket.betCount >= 0, `negative bucket on day ${bucket.day}`);
    if (bucket.day > asOfDay) {
      lifetimeTurnoverMinor -= bucket.turnoverMinor;
      lifetimeBetCount -= bucket.betCount;
      continue;
    }
    windowDays.forEach((days, index) => {
      if (bucket.day <= asOfDay - days) return;
      turnoverMinor[index] = (turnoverMinor[index] ?? 0n) + bucket.turnoverMinor;
      betCount[index] = (betCount[index] ?? 0) + bucket.betCount;
      if (bucket.betCount > 0) activeDays[index] = (activeDays[index] ?? 0) + 1;
    });
  }
  invariant(
    lifetimeTurnoverMinor >= 0n && lifetimeBetCount >= 0,
    'lifetime totals are smaller than the buckets they include',
  );
  const values: Record<string, MetricValue> = {
    turnoverLifetime: lifetimeTurnoverMinor,
    betCountLifetime: lifetimeBetCount,
  };
  windowDays.forEach((days, index) => {
    invariant(Number.isSafeInteger(days) && days > 0, `window of ${days} days`);
    values[`turnover${days}d`] = turnoverMinor[index] ?? 0n;
    values[`betCount${days}d`] = betCount[index] ?? 0;
    values[`activeDays${days}d`] = activeDays[index] ?? 0;
  });
  return values;
}

/**
 * The reader decideOnReview wants: metrics as of a boundary or deadline instant use only the
 * zone days strictly before the day containing it. Boundaries are local midnights, so that is
 * exactly "everything before the boundary"; no bet after it can leak in, whenever the review runs.
 */
export function metricsAsOfReader(
  buckets: readonly DayBucket[],
  lifetime: LifetimeTotals,
  timeZone: string,
  windowDays: readonly number[],
): (atMs: number) => MetricValues {
  return (atMs) => computeMetrics(buckets, lifetime, dayNumberOf(atMs, timeZone) - 1, windowDays);
}
