// Properties of the VIP deciders over generated ladders and histories:
// - promotion is monotone in turnover: more turnover never yields a lower target;
// - replaying the same sorted event sequence is deterministic, every plan's state is exactly
//   the fold of evolveVip over its rows, seqs are contiguous and VIP time never runs back;
// - catching up over k boundaries in one review equals reviewing at each boundary in turn,
//   and equals reviewing at any other sequence of instants ending at the same time.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { evolveVip } from './evolve.ts';
import { topLevel, type Ladder } from './ladder.ts';
import type { MetricValues } from './metrics.ts';
import { decideOverride } from './override.ts';
import { decideOnBet, promotionTarget } from './promotion.ts';
import { decideOnReview } from './review.ts';
import { dayMs, hourMs, ladderFrom, metricsWith, runDriver, units, type DriverEvent } from './test-support.ts';
import { initialVipState, type VipChange, type VipOverride, type VipState } from './vip-state.ts';
import { dayNumberOf } from './zone-day.ts';

const levelCountMax = 7;
const startMs = Date.UTC(2026, 0, 1, 9);

/** Running sums make every promote threshold non-decreasing, as validation demands. */
function cumulative(steps: readonly number[]): number[] {
  let sum = 0;
  return steps.map((step) => (sum += step));
}

const ladderArbitrary = fc
  .record({
    levelCount: fc.integer({ min: 2, max: levelCountMax }),
    lifetimeSteps: fc.array(fc.integer({ min: 0, max: 4000 }), { minLength: levelCountMax, maxLength: levelCountMax }),
    windowSteps: fc.array(fc.integer({ min: 0, max: 800 }), { minLength: levelCountMax, maxLength: levelCountMax }),
    countSteps: fc.array(fc.integer({ min: 0, max: 5 }), { minLength: levelCountMax, maxLength: levelCountMax }),
    keepSteps: fc.array(fc.integer({ min: 0, max: 600 }), { minLength: levelCountMax, maxLength: levelCountMax }),
    uses: fc.array(fc.record({ window: fc.boolean(), count: fc.boolean(), keep: fc.boolean() }), {
      minLength: levelCountMax,
      maxLength: levelCountMax,
    }),
    maxStepsPerEvent: fc.option(fc.integer({ min: 1, max: 3 }), { nil: null }),
    mode: fc.constantFrom('one_down', 'recalc'),
    cycleDays: fc.integer({ min: 1, max: 20 }),
    graceDays: fc.integer({ min: 0, max: 4 }),
    newTierProtectionDays: fc.integer({ min: 0, max: 25 }),
    timezone: fc.constantFrom('UTC', 'Asia/Shanghai', 'Europe/Berlin'),
  })
  .map((spec): Ladder => {
    const lifetime = cumulative(spec.lifetimeSteps);
    const window = cumulative(spec.windowSteps);
    const counts = cumulative(spec.countSteps);
    const keeps = cumulative(spec.keepSteps);
    const levels: unknown[] = [{ level: 0, name: 'L0' }];
    for (let level = 1; level < spec.levelCount; level++) {
      const use = spec.uses[level]!;
      const promote: Record<string, unknown> = { turnoverLifetime: String(lifetime[level]! + level) };
      if (use.window) promote['turnover7d'] = String(window[level]);
      if (use.count) promote['betCount30d'] = counts[level];
      levels.push({
        level,
        name: `L${level}`,
        promote,
        ...(use.keep || level === 1 ? { keep: { turnover30d: String(keeps[level]! + 1) } } : {}),
      });
    }
    return ladderFrom({
      timezone: spec.timezone,
      levels,
      promotion: { maxStepsPerEvent: spec.maxStepsPerEvent },
      demotion: {
        mode: spec.mode,
        cycleDays: spec.cycleDays,
        graceDays: spec.graceDays,
        newTierProtectionDays: spec.newTierProtectionDays,
      },
    });
  });

const turnoverMinorArbitrary = fc.bigInt({ min: 0n, max: units(40_000) });

void describe('promotion target', () => {
  void test('given any ladder and metrics, when turnover only grows, then the target from any level never drops', () => {
    fc.assert(
      fc.property(
        ladderArbitrary,
        fc.record({
          lifetime: turnoverMinorArbitrary,
          window7: turnoverMinorArbitrary,
          bets: fc.integer({ min: 0, max: 40 }),
        }),
        fc.record({
          lifetime: turnoverMinorArbitrary,
          window7: turnoverMinorArbitrary,
          window30: turnoverMinorArbitrary,
        }),
        (ladder, base, extra) => {
          const less = metricsWith({
            turnoverLifetime: base.lifetime,
            turnover7d: base.window7,
            betCount30d: base.bets,
          });
          const more = metricsWith({
            turnoverLifetime: base.lifetime + extra.lifetime,
            turnover7d: base.window7 + extra.window7,
            turnover30d: extra.window30,
            betCount30d: base.bets,
          });
          for (let level = 0; level <= topLevel(ladder); level++) {
            assert.ok(promotionTarget(ladder, more, level) >= promotionTarget(ladder, less, level));
          }
        },
      ),
    );
  });
});

const overrideArbitrary: fc.Arbitrary<(expiresAtMs: number | null) => VipOverride> = fc.oneof(
  fc.integer({ min: 0, max: levelCountMax - 1 }).map((level) => (expiresAtMs: number | null): VipOverride => ({
    kind: 'set',
    level,
    reason: 'p',
    actor: 'a',
    expiresAtMs,
  })),
  fc.integer({ min: 0, max: levelCountMax - 1 }).map((level) => (expiresAtMs: number | null): VipOverride => ({
    kind: 'floor',
    level,
    reason: 'p',
    actor: 'a',
    expiresAtMs,
  })),
  fc.constant((expiresAtMs: number | null): VipOverride => ({ kind: 'freeze', reason: 'p', actor: 'a', expiresAtMs })),
);

const eventsArbitrary = fc
  .array(
    fc.record({
      kind: fc.constantFrom('bet', 'bet', 'bet', 'void', 'tick', 'override'),
      offsetMs: fc.integer({ min: 0, max: 200 * dayMs }),
      amount: fc.integer({ min: 1, max: 30_000 }),
      betIndex: fc.nat(),
      override: overrideArbitrary,
      expiresInMs: fc.option(fc.integer({ min: 1, max: 40 * dayMs }), { nil: null }),
    }),
    { maxLength: 50 },
  )
  .map((specs): DriverEvent[] => {
    const sorted = specs.slice().sort((left, right) => left.offsetMs - right.offsetMs);
    return sorted.map((spec, index): DriverEvent => {
      const atMs = startMs + spec.offsetMs;
      switch (spec.kind) {
        case 'bet':
          return { kind: 'bet', atMs, betId: String(index + 1), amountMinor: units(spec.amount) };
        case 'void':
          return { kind: 'void', atMs, betId: String((spec.betIndex % (index + 1)) + 1) };
        case 'tick':
          return { kind: 'tick', atMs };
        case 'override':
          return {
            kind: 'override',
            atMs,
            override: spec.override(spec.expiresInMs === null ? null : atMs + spec.expiresInMs),
          };
      }
    });
  });

void describe('replaying an event sequence', () => {
  void test('given any ladder and sorted events, when replayed twice, then the runs are identical and every plan is the fold of its rows', () => {
    fc.assert(
      fc.property(ladderArbitrary, eventsArbitrary, (ladder, events) => {
        const first = runDriver(events, ladder, startMs);
        const second = runDriver(events, ladder, startMs);
        assert.deepStrictEqual(second, first);
        let lastSeq = 0;
        let lastAtMs = startMs;
        for (const { before, plan } of first.steps) {
          const folded = plan.changes.reduce((state, change) => evolveVip(state, change, ladder), before);
          assert.deepStrictEqual(folded, plan.state);
          for (const change of plan.changes) {
            assert.equal(change.seq, lastSeq + 1);
            assert.ok(change.atMs >= lastAtMs);
            lastSeq = change.seq;
            lastAtMs = change.atMs;
          }
          assert.ok(plan.state.level >= 0 && plan.state.level <= topLevel(ladder));
          if (plan.state.status === 'at_risk') assert.ok(ladder.demotion.graceDays > 0);
        }
      }),
      { numRuns: 150 },
    );
  });
});

/** A reader whose values depend only on the zone day asked about, so every review order sees the same metrics. */
function dailyMetrics(ladder: Ladder, turnover30dByDay: readonly bigint[]): (atMs: number) => MetricValues {
  return (atMs) => {
    const day = dayNumberOf(atMs, ladder.timeZone);
    return metricsWith({
      turnover30d:
        turnover30dByDay[((day % turnover30dByDay.length) + turnover30dByDay.length) % turnover30dByDay.length]!,
    });
  };
}

/** Reviews at `nowMs` until caught up; returns the state and every row. */
function reviewUntil(
  state: VipState,
  reader: (atMs: number) => MetricValues,
  ladder: Ladder,
  nowMs: number,
  changes: VipChange[],
): VipState {
  let current = state;
  for (let call = 0; call < 50; call++) {
    const plan = decideOnReview(current, reader, ladder, nowMs);
    changes.push(...plan.changes);
    current = plan.state;
    if (plan.caughtUp) return current;
  }
  assert.fail('review did not catch up');
}

void describe('catching up over missed boundaries', () => {
  void test('given any ladder, start level and overrides, when one late review runs, then it equals reviewing at each due time and at any other instants', () => {
    fc.assert(
      fc.property(
        ladderArbitrary,
        fc.integer({ min: 1, max: levelCountMax - 1 }),
        fc.array(fc.bigInt({ min: 0n, max: units(5000) }), { minLength: 1, maxLength: 40 }),
        fc.option(
          fc.record({
            make: overrideArbitrary,
            expiresInMs: fc.option(fc.integer({ min: 1, max: 120 * dayMs }), { nil: null }),
          }),
          { nil: null },
        ),
        fc.integer({ min: 1, max: 400 }),
        fc.array(fc.integer({ min: 0, max: 400 * dayMs }), { maxLength: 12 }),
        (ladder, wantedLevel, turnover30dByDay, overrideSpec, horizonDays, otherOffsetsMs) => {
          const level = Math.min(wantedLevel, topLevel(ladder));
          const lifetime = ladder.levels[level]!.promote!.find((threshold) => threshold.metric === 'turnoverLifetime')!
            .minimum as bigint;
          const metricsAtPromotion = metricsWith({
            turnoverLifetime: lifetime,
            turnover7d: units(100_000),
            betCount30d: 1_000,
          });
          let state = initialVipState(startMs - dayMs);
          // The step cap may need several bets to climb; each is its own event at the same instant.
          for (let bet = 0; bet < levelCountMax; bet++) {
            state = decideOnBet(state, metricsAtPromotion, ladder, startMs, {
              kind: 'bet',
              betId: String(bet + 1),
            }).state;
          }
          assert.equal(state.level, level);
          if (overrideSpec !== null) {
            const placedAtMs = startMs + hourMs;
            const override = overrideSpec.make(
              overrideSpec.expiresInMs === null ? null : placedAtMs + overrideSpec.expiresInMs,
            );
            const placed = decideOverride(state, override, metricsWith(), ladder, placedAtMs);
            if (placed.ok) state = placed.value.state;
          }
          const reader = dailyMetrics(ladder, turnover30dByDay);
          const endMs = startMs + horizonDays * dayMs;

          const onceChanges: VipChange[] = [];
          const once = reviewUntil(state, reader, ladder, endMs, onceChanges);

          const steppedChanges: VipChange[] = [];
          let stepped = state;
          for (let step = 0; stepped.nextReviewMs !== null && stepped.nextReviewMs <= endMs; step++) {
            assert.ok(step < 10_000);
            stepped = reviewUntil(stepped, reader, ladder, stepped.nextReviewMs, steppedChanges);
          }
          stepped = reviewUntil(stepped, reader, ladder, endMs, steppedChanges);

          const scatteredChanges: VipChange[] = [];
          let scattered = state;
          for (const offsetMs of otherOffsetsMs
            .filter((offset) => offset < horizonDays * dayMs)
            .sort((left, right) => left - right)) {
            scattered = reviewUntil(scattered, reader, ladder, startMs + offsetMs, scatteredChanges);
          }
          scattered = reviewUntil(scattered, reader, ladder, endMs, scatteredChanges);

          assert.deepStrictEqual(stepped, once);
          assert.deepStrictEqual(steppedChanges, onceChanges);
          assert.deepStrictEqual(scattered, once);
          assert.deepStrictEqual(scatteredChanges, onceChanges);
        },
      ),
      { numRuns: 200 },
    );
  });
});
