// Shared fixtures for the VIP tests (not used by production code): a reference ladder, metric
// values built by hand, and a small single-user driver that does what the app layer does
// (keep buckets, catch reviews up before each event, call the deciders) so tests can replay
// event sequences end to end.
import { invariant } from '../assert.ts';
import { allMetricNames, defaultWindowDays } from '../metric-names.ts';
import { minorPerUnit } from '../money.ts';
import { validateLadder, type Ladder } from './ladder.ts';
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
  type MetricValue,
  type MetricValues,
} from './metrics.ts';
import { decideOverride } from './override.ts';
import { decideOnBet } from './promotion.ts';
import { decideOnReview } from './review.ts';
import { isReviewDue } from './schedule.ts';
import { initialVipState, type VipOverride, type VipPlan, type VipState } from './vip-state.ts';
import { dayNumberOf } from './zone-day.ts';

export const hourMs = 3_600_000;
export const dayMs = 24 * hourMs;

/** Whole currency units as minor units. */
export function units(amount: number): bigint {
  return BigInt(amount) * minorPerUnit;
}

/** A five-level ladder with lifetime promote thresholds and 30-day keep thresholds. */
export function referenceLadderJson(
  demotion: Record<string, unknown> = {},
  promotion: Record<string, unknown> = {},
  timezone = 'UTC',
): unknown {
  return {
    timezone,
    levels: [
      { level: 0, name: 'Member' },
      { level: 1, name: 'Bronze', promote: { turnoverLifetime: '1000' }, keep: { turnover30d: '200' } },
      { level: 2, name: 'Silver', promote: { turnoverLifetime: '5000' }, keep: { turnover30d: '800' } },
      { level: 3, name: 'Gold', promote: { turnoverLifetime: '20000' }, keep: { turnover30d: '3000' } },
      { level: 4, name: 'Platinum', promote: { turnoverLifetime: '100000' }, keep: { turnover30d: '10000' } },
    ],
    promotion: { maxStepsPerEvent: null, ...promotion },
    demotion: { mode: 'one_down', cycleDays: 30, graceDays: 0, newTierProtectionDays: 0, ...demotion },
  };
}

/** Lifetime turnover (units) that earns exactly each level of the reference ladder. */
export const referencePromoteUnits = [0, 1000, 5000, 20000, 100000] as const;
/** 30-day turnover (units) each level of the reference ladder needs to keep. */
export const referenceKeepUnits = [0, 200, 800, 3000, 10000] as const;

export function ladderFrom(json: unknown, windowDays: readonly number[] = defaultWindowDays): Ladder {
  const result = validateLadder(json, { windowDays });
  invariant(result.ok, `fixture ladder refused: ${result.ok ? '' : `${result.message} at ${result.path}`}`);
  return result.value;
}

/** Every metric of the default windows at zero, with the given ones set. */
export function metricsWith(
  values: Readonly<Record<string, MetricValue>> = {},
  windowDays: readonly number[] = defaultWindowDays,
): MetricValues {
  const all: Record<string, MetricValue> = {};
  for (const name of allMetricNames(windowDays)) all[name] = name.startsWith('turnover') ? 0n : 0;
  for (const [name, value] of Object.entries(values)) {
    invariant(name in all, `unknown metric ${name} in a fixture`);
    all[name] = value;
  }
  return all;
}

/** Metrics that meet the reference ladder's promote of `level` and keep of `keepLevel` exactly. */
export function referenceMetrics(promoteLevel: number, keepLevel: number): MetricValues {
  return metricsWith({
    turnoverLifetime: units(referencePromoteUnits[promoteLevel] ?? 0),
    turnover30d: units(referenceKeepUnits[keepLevel] ?? 0),
  });
}

/** A user promoted from level 0 to `level` by one bet at `atMs`. */
export function promotedState(ladder: Ladder, level: number, atMs: number, sinceMs = atMs - dayMs): VipState {
  const plan = decideOnBet(initialVipState(sinceMs), referenceMetrics(level, 0), ladder, atMs, {
    kind: 'bet',
    betId: '1',
  });
  invariant(plan.state.level === level, `fixture could not promote to ${level}`);
  return plan.state;
}

export type DriverEvent =
  | { readonly kind: 'bet'; readonly atMs: number; readonly betId: string; readonly amountMinor: bigint }
  | { readonly kind: 'void'; readonly atMs: number; readonly betId: string }
  | { readonly kind: 'tick'; readonly atMs: number }
  | { readonly kind: 'override'; readonly atMs: number; readonly override: VipOverride };

export interface DriverStep {
  readonly before: VipState;
  readonly plan: VipPlan;
}

export interface DriverRun {
  readonly state: VipState;
  readonly steps: readonly DriverStep[];
  readonly buckets: readonly DayBucket[];
  readonly lifetime: LifetimeTotals;
}

/** Review calls per catch-up; each call is itself bounded by reviewStepsMax. */
const catchUpCallsMax = 100;

/** Plays one user's events in order the way the app layer does. */
export function runDriver(
  events: readonly DriverEvent[],
  ladder: Ladder,
  startMs: number,
  windowDays: readonly number[] = defaultWindowDays,
): DriverRun {
  let state = initialVipState(startMs);
  let buckets: DayBucket[] = [];
  let lifetime = emptyLifetime;
  const bets = new Map<string, { day: number; amountMinor: bigint; voided: boolean }>();
  const steps: DriverStep[] = [];
  const apply = (plan: VipPlan): void => {
    steps.push({ before: state, plan });
    state = plan.state;
  };
  const catchUp = (atMs: number): void => {
    for (let call = 0; isReviewDue(state, ladder, atMs); call++) {
      invariant(call < catchUpCallsMax, 'driver catch-up did not finish');
      apply(decideOnReview(state, metricsAsOfReader(buckets, lifetime, ladder.timeZone, windowDays), ladder, atMs));
    }
  };
  for (const event of events) {
    switch (event.kind) {
      case 'bet': {
        if (bets.has(event.betId)) break; // a redelivered bet changes nothing
        const day = dayNumberOf(event.atMs, ladder.timeZone);
        bets.set(event.betId, { day, amountMinor: event.amountMinor, voided: false });
        buckets = applyBetDelta(buckets, day, betPlacedDelta(event.amountMinor));
        lifetime = applyLifetimeDelta(lifetime, betPlacedDelta(event.amountMinor));
        catchUp(event.atMs);
        const metricsNow = computeMetrics(buckets, lifetime, day, windowDays);
        apply(decideOnBet(state, metricsNow, ladder, event.atMs, { kind: 'bet', betId: event.betId }));
        break;
      }
      case 'void': {
        const bet = bets.get(event.betId);
        if (bet === undefined || bet.voided) break;
        bet.voided = true;
        // The void lands on the bet's own day and calls no decider: it never demotes mid-cycle.
        buckets = applyBetDelta(buckets, bet.day, betVoidedDelta(bet.amountMinor));
        lifetime = applyLifetimeDelta(lifetime, betVoidedDelta(bet.amountMinor));
        break;
      }
      case 'tick':
        catchUp(event.atMs);
        break;
      case 'override': {
        catchUp(event.atMs);
        const metricsNow = computeMetrics(buckets, lifetime, dayNumberOf(event.atMs, ladder.timeZone), windowDays);
        const result = decideOverride(state, event.override, metricsNow, ladder, event.atMs);
        if (result.ok) apply(result.value);
        break;
      }
    }
  }
  return { state, steps, buckets, lifetime };
}
