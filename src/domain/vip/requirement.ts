// A ladder requirement (promote or keep): a list of metric thresholds that all must be met
// (DESIGN.md §3: "holds when every listed metric is >= its threshold"). Turnover thresholds
// are money (bigint minor units), counts are plain integers; the ladder validator guarantees
// the kind, and the comparisons assert it so a mix-up can never compare money with a count.
import { invariant } from '../assert.ts';
import type { MetricKind } from '../metric-names.ts';
import type { MetricValue, MetricValues } from './metrics.ts';

export interface Threshold {
  readonly metric: string;
  readonly kind: MetricKind;
  /** bigint minor units for turnover, an integer count otherwise. */
  readonly minimum: MetricValue;
}

/** Never empty: an empty requirement would hold for everyone, which the validator refuses. */
export type Requirement = readonly Threshold[];

export interface MetricComparison {
  readonly metric: string;
  readonly kind: MetricKind;
  readonly current: MetricValue;
  readonly required: MetricValue;
  readonly met: boolean;
  /** How much is still missing; zero when met. Same unit as `required`. */
  readonly gap: MetricValue;
}

/** The value of a threshold's metric, asserting the metrics were computed for the same windows. */
export function metricValueFor(threshold: Threshold, metrics: MetricValues): MetricValue {
  const value = metrics[threshold.metric];
  invariant(
    value !== undefined,
    `metric ${threshold.metric} was not computed: the metric windows differ from the ladder's`,
  );
  invariant(typeof value === typeof threshold.minimum, `metric ${threshold.metric} has the wrong kind of value`);
  return value;
}

/** Compares two values of one metric kind: negative, zero or positive. */
export function compareMetricValues(left: MetricValue, right: MetricValue): number {
  invariant(typeof left === typeof right, 'cannot compare money with a count');
  return left < right ? -1 : left > right ? 1 : 0;
}

export function requirementHolds(requirement: Requirement, metrics: MetricValues): boolean {
  for (const threshold of requirement) {
    if (compareMetricValues(metricValueFor(threshold, metrics), threshold.minimum) < 0) return false;
  }
  return true;
}

export function compareRequirement(requirement: Requirement, metrics: MetricValues): MetricComparison[] {
  return requirement.map((threshold) => {
    const current = metricValueFor(threshold, metrics);
    const met = compareMetricValues(current, threshold.minimum) >= 0;
    const gap = met ? zeroLike(current) : difference(threshold.minimum, current);
    return { metric: threshold.metric, kind: threshold.kind, current, required: threshold.minimum, met, gap };
  });
}

function zeroLike(value: MetricValue): MetricValue {
  return typeof value === 'bigint' ? 0n : 0;
}

function difference(minuend: MetricValue, subtrahend: MetricValue): MetricValue {
  if (typeof minuend === 'bigint' && typeof subtrahend === 'bigint') return minuend - subtrahend;
  invariant(typeof minuend === 'number' && typeof subtrahend === 'number', 'cannot subtract a count from money');
  return minuend - subtrahend;
}
