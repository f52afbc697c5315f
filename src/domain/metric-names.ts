// The metric vocabulary shared by VIP ladders and group rules (DESIGN.md §3): lifetime and
// rolling-window turnover, bet count and active days. Window lengths come from configuration.
export type MetricKind = 'turnover' | 'betCount' | 'activeDays';

export interface MetricName {
  readonly name: string;
  readonly kind: MetricKind;
  /** null for lifetime metrics. */
  readonly windowDays: number | null;
}

export const defaultWindowDays: readonly number[] = [1, 7, 30, 90];

const metricPattern = /^(turnover|betCount|activeDays)(?:(Lifetime)|(\d{1,4})d)$/;

/** Parses a metric name against the configured window list; null when it is not one. */
export function parseMetricName(name: string, windowDays: readonly number[]): MetricName | null {
  const match = metricPattern.exec(name);
  if (match === null) return null;
  const kind = match[1] as MetricKind;
  if (match[2] === 'Lifetime') return kind === 'activeDays' ? null : { name, kind, windowDays: null };
  const days = Number(match[3]);
  if (!windowDays.includes(days)) return null;
  return { name, kind, windowDays: days };
}

/** Every metric name that exists under the configured windows. */
export function allMetricNames(windowDays: readonly number[]): string[] {
  const names = ['turnoverLifetime', 'betCountLifetime'];
  for (const days of windowDays) names.push(`turnover${days}d`, `betCount${days}d`, `activeDays${days}d`);
  return names;
}

/** Turnover metrics are money (minor units); counts are plain integers. */
export function isMoneyMetric(metric: MetricName): boolean {
  return metric.kind === 'turnover';
}
