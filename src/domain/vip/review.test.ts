// Proves the boundary rules: renew when the keep is met as of the boundary; otherwise grace
// (at_risk) then demotion, one_down or recalc; never below an active floor or within new-tier
// protection; boundaries are zone midnights (DST and UTC+8 included); a late scheduler catches
// up over every missed boundary in order; and a void never demotes before the boundary.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Ladder } from './ladder.ts';
import type { MetricValues } from './metrics.ts';
import { decideOverride } from './override.ts';
import { decideOnReview, reviewStepsMax } from './review.ts';
import {
  dayMs,
  hourMs,
  ladderFrom,
  promotedState,
  referenceLadderJson,
  referenceMetrics,
  runDriver,
  units,
} from './test-support.ts';
import { changesLevel, type VipChange, type VipState } from './vip-state.ts';

const promotedAtMs = Date.UTC(2026, 0, 10, 15);
/** The k-th boundary of a 30-day cycle started on 10 January (UTC ladder): a midnight, 30k days on. */
const boundaryMs = (k: number): number => Date.UTC(2026, 0, 10 + 30 * k);

function summary(change: VipChange): unknown {
  return {
    reason: change.reason,
    fromLevel: change.fromLevel,
    toLevel: change.toLevel,
    atMs: change.atMs,
    detail: change.detail,
  };
}

/** Reviews with a constant metric reader and records the instants it was asked about. */
function review(
  state: VipState,
  ladder: Ladder,
  nowMs: number,
  metrics: MetricValues,
): { plan: ReturnType<typeof decideOnReview>; askedMs: number[] } {
  const askedMs: number[] = [];
  const plan = decideOnReview(
    state,
    (atMs) => {
      askedMs.push(atMs);
      return metrics;
    },
    ladder,
    nowMs,
  );
  return { plan, askedMs };
}

void describe('decideOnReview at a cycle boundary', () => {
  const ladder = ladderFrom(referenceLadderJson());

  void test('given a Silver user, when reviewed before the boundary, then nothing is due and nothing changes', () => {
    const state = promotedState(ladder, 2, promotedAtMs);
    const { plan, askedMs } = review(state, ladder, boundaryMs(1) - 1, referenceMetrics(0, 0));
    assert.deepEqual(plan.changes, []);
    assert.deepEqual(askedMs, []);
    assert.equal(plan.caughtUp, true);
  });

  void test('given the keep met as of the boundary, when reviewed, then a renewal row (no level change) restarts the cycle at the boundary', () => {
    const state = promotedState(ladder, 2, promotedAtMs);
    const { plan, askedMs } = review(state, ladder, boundaryMs(1) + hourMs, referenceMetrics(2, 2));
    assert.deepEqual(askedMs, [boundaryMs(1)]);
    assert.deepEqual(plan.changes.map(summary), [
      { reason: 'renewal', fromLevel: 2, toLevel: 2, atMs: boundaryMs(1), detail: null },
    ]);
    assert.equal(changesLevel(plan.changes[0]!), false);
    assert.equal(plan.state.cycleStartMs, boundaryMs(1));
    assert.equal(plan.state.levelSinceMs, promotedAtMs);
    assert.equal(plan.state.nextReviewMs, boundaryMs(2));
  });

  void test('given one_down and a Gold user who keeps nothing, when reviewed, then it goes down exactly one level at the boundary', () => {
    const state = promotedState(ladder, 3, promotedAtMs);
    const { plan } = review(state, ladder, boundaryMs(1), referenceMetrics(0, 0));
    assert.deepEqual(plan.changes.map(summary), [
      { reason: 'demotion', fromLevel: 3, toLevel: 2, atMs: boundaryMs(1), detail: 'one_down' },
    ]);
    assert.equal(plan.state.levelSinceMs, boundaryMs(1));
    assert.equal(plan.state.nextReviewMs, boundaryMs(2));
  });

  void test('given recalc, when a Platinum user keeps only Silver, then it drops to Silver; keeping nothing, to level 0 with no review left', () => {
    const recalc = ladderFrom(referenceLadderJson({ mode: 'recalc' }));
    const state = promotedState(recalc, 4, promotedAtMs);
    const toSilver = review(state, recalc, boundaryMs(1), referenceMetrics(0, 2)).plan;
    assert.deepEqual(toSilver.changes.map(summary), [
      { reason: 'demotion', fromLevel: 4, toLevel: 2, atMs: boundaryMs(1), detail: 'recalc' },
    ]);
    const toMember = review(state, recalc, boundaryMs(1), referenceMetrics(0, 0)).plan;
    assert.equal(toMember.state.level, 0);
    assert.equal(toMember.state.nextReviewMs, null);
    assert.equal(toMember.state.cycleStartMs, null);
  });

  void test('given a Shanghai ladder, when promoted at 04:00 local on 11 January, then the boundary is local midnight starting 10 February', () => {
    const shanghai = ladderFrom(referenceLadderJson({}, {}, 'Asia/Shanghai'));
    const state = promotedState(shanghai, 1, Date.UTC(2026, 0, 10, 20));
    assert.equal(state.nextReviewMs, Date.UTC(2026, 0, 11 + 30) - 8 * hourMs);
  });

  void test('given a Berlin ladder, when a cycle spans the spring-forward night, then the boundary is still local midnight (CEST)', () => {
    const berlin = ladderFrom(referenceLadderJson({}, {}, 'Europe/Berlin'));
    const state = promotedState(berlin, 1, Date.UTC(2026, 2, 1, 10));
    assert.equal(state.nextReviewMs, Date.UTC(2026, 2, 30, 22)); // 31 March 00:00 CEST
  });
});

void describe('decideOnReview with grace', () => {
  const graceful = ladderFrom(referenceLadderJson({ graceDays: 3 }));
  const graceEndMs = boundaryMs(1) + 3 * dayMs;

  void test('given grace of 3 days, when the keep is missed, then the user is at_risk until 3 zone days later and keeps the level', () => {
    const state = promotedState(graceful, 2, promotedAtMs);
    const { plan } = review(state, graceful, boundaryMs(1), referenceMetrics(0, 0));
    assert.deepEqual(plan.changes.map(summary), [
      { reason: 'at_risk', fromLevel: 2, toLevel: 2, atMs: boundaryMs(1), detail: null },
    ]);
    assert.equal(plan.state.status, 'at_risk');
    assert.equal(plan.state.atRiskSinceMs, boundaryMs(1));
    assert.equal(plan.state.nextReviewMs, graceEndMs);
  });

  void test('given at_risk, when the grace ends with the keep still missed, then it is demoted at the grace deadline, not given a second grace', () => {
    const atRisk = review(promotedState(graceful, 2, promotedAtMs), graceful, boundaryMs(1), referenceMetrics(0, 0))
      .plan.state;
    assert.deepEqual(review(atRisk, graceful, graceEndMs - 1, referenceMetrics(0, 0)).plan.changes, []);
    const { plan, askedMs } = review(atRisk, graceful, graceEndMs, referenceMetrics(0, 0));
    assert.deepEqual(askedMs, [graceEndMs]);
    assert.deepEqual(plan.changes.map(summary), [
      { reason: 'demotion', fromLevel: 2, toLevel: 1, atMs: graceEndMs, detail: 'one_down' },
    ]);
    assert.equal(plan.state.status, 'ok');
    assert.equal(plan.state.nextReviewMs, Date.UTC(2026, 0, 10 + 30 + 3 + 30));
  });

  void test('given at_risk, when the keep is met by the grace deadline, then it renews and the next cycle runs from the deadline', () => {
    const atRisk = review(promotedState(graceful, 2, promotedAtMs), graceful, boundaryMs(1), referenceMetrics(0, 0))
      .plan.state;
    const { plan } = review(atRisk, graceful, graceEndMs, referenceMetrics(0, 2));
    assert.deepEqual(plan.changes.map(summary), [
      { reason: 'renewal', fromLevel: 2, toLevel: 2, atMs: graceEndMs, detail: null },
    ]);
    assert.equal(plan.state.status, 'ok');
    assert.equal(plan.state.atRiskSinceMs, null);
    assert.equal(plan.state.cycleStartMs, graceEndMs);
  });
});

void describe('decideOnReview guards', () => {
  void test('given a floor at Silver and recalc, when a Gold user keeps nothing, then it is demoted to the floor, not below', () => {
    const recalc = ladderFrom(referenceLadderJson({ mode: 'recalc' }));
    const floored = decideOverride(
      promotedState(recalc, 3, promotedAtMs),
      { kind: 'floor', level: 2, reason: 'vip host', actor: 'ops', expiresAtMs: null },
      referenceMetrics(0, 0),
      recalc,
      promotedAtMs + hourMs,
    );
    assert.ok(floored.ok);
    const { plan } = review(floored.value.state, recalc, boundaryMs(1), referenceMetrics(0, 0));
    assert.deepEqual(plan.changes.map(summary), [
      { reason: 'demotion', fromLevel: 3, toLevel: 2, atMs: boundaryMs(1), detail: 'recalc' },
    ]);
  });

  void test('given a floor at the current level, when the keep is missed, then the level is held (floor) and the cycle restarts', () => {
    const ladder = ladderFrom(referenceLadderJson({ graceDays: 3 }));
    const floored = decideOverride(
      promotedState(ladder, 2, promotedAtMs),
      { kind: 'floor', level: 2, reason: 'vip host', actor: 'ops', expiresAtMs: null },
      referenceMetrics(0, 0),
      ladder,
      promotedAtMs + hourMs,
    );
    assert.ok(floored.ok);
    const { plan } = review(floored.value.state, ladder, boundaryMs(1), referenceMetrics(0, 0));
    // No grace either: a miss the floor absorbs puts nobody at risk.
    assert.deepEqual(plan.changes.map(summary), [
      { reason: 'held', fromLevel: 2, toLevel: 2, atMs: boundaryMs(1), detail: 'floor' },
    ]);
    assert.equal(plan.state.cycleStartMs, boundaryMs(1));
  });

  void test('given a floor that expires exactly at the boundary, when reviewed, then the expiry comes first and the floor no longer holds', () => {
    const ladder = ladderFrom(referenceLadderJson());
    const floored = decideOverride(
      promotedState(ladder, 2, promotedAtMs),
      { kind: 'floor', level: 2, reason: 'promo', actor: 'ops', expiresAtMs: boundaryMs(1) },
      referenceMetrics(0, 0),
      ladder,
      promotedAtMs + hourMs,
    );
    assert.ok(floored.ok);
    const { plan } = review(floored.value.state, ladder, boundaryMs(1), referenceMetrics(0, 0));
    assert.deepEqual(
      plan.changes.map((change) => change.reason),
      ['override_expired', 'demotion'],
    );
    assert.equal(plan.state.level, 1);
  });

  void test('given new-tier protection of 30 days and 30-day cycles, when the first boundary misses the keep, then it is held; the second demotes', () => {
    const protecting = ladderFrom(referenceLadderJson({ newTierProtectionDays: 30 }));
    const state = promotedState(protecting, 2, promotedAtMs);
    const first = review(state, protecting, boundaryMs(1), referenceMetrics(0, 0)).plan;
    assert.deepEqual(first.changes.map(summary), [
      { reason: 'held', fromLevel: 2, toLevel: 2, atMs: boundaryMs(1), detail: 'protection' },
    ]);
    const second = review(first.state, protecting, boundaryMs(2), referenceMetrics(0, 0)).plan;
    assert.deepEqual(second.changes.map(summary), [
      { reason: 'demotion', fromLevel: 2, toLevel: 1, atMs: boundaryMs(2), detail: 'one_down' },
    ]);
  });
});

void describe('decideOnReview catch-up', () => {
  const ladder = ladderFrom(referenceLadderJson());

  void test('given a scheduler down for three cycles, when it reviews a Platinum user who keeps nothing, then three demotions are dated at each boundary', () => {
    const state = promotedState(ladder, 4, promotedAtMs);
    const { plan, askedMs } = review(state, ladder, boundaryMs(3) + 5 * hourMs, referenceMetrics(0, 0));
    assert.deepEqual(askedMs, [boundaryMs(1), boundaryMs(2), boundaryMs(3)]);
    assert.deepEqual(plan.changes.map(summary), [
      { reason: 'demotion', fromLevel: 4, toLevel: 3, atMs: boundaryMs(1), detail: 'one_down' },
      { reason: 'demotion', fromLevel: 3, toLevel: 2, atMs: boundaryMs(2), detail: 'one_down' },
      { reason: 'demotion', fromLevel: 2, toLevel: 1, atMs: boundaryMs(3), detail: 'one_down' },
    ]);
    assert.deepEqual(
      plan.changes.map((change) => change.seq),
      [state.seq + 1, state.seq + 2, state.seq + 3],
    );
    assert.equal(plan.state.nextReviewMs, boundaryMs(4));
    assert.equal(plan.caughtUp, true);
  });

  void test(`given more than ${reviewStepsMax} due boundaries, when reviewed, then one call stops at the bound with caughtUp false and the next call goes on`, () => {
    const daily = ladderFrom(referenceLadderJson({ cycleDays: 1 }));
    const state = promotedState(daily, 1, promotedAtMs);
    const nowMs = promotedAtMs + (reviewStepsMax + 10) * dayMs;
    const first = review(state, daily, nowMs, referenceMetrics(0, 1)).plan;
    assert.equal(first.caughtUp, false);
    assert.equal(first.changes.length, reviewStepsMax);
    assert.ok(first.state.nextReviewMs !== null && first.state.nextReviewMs <= nowMs);
    const second = review(first.state, daily, nowMs, referenceMetrics(0, 1)).plan;
    assert.equal(second.caughtUp, true);
    assert.equal(first.changes.length + second.changes.length, reviewStepsMax + 10);
  });
});

void describe('voids', () => {
  void test('given a Gold user whose qualifying bet is voided, when the scheduler looks mid-cycle, then nothing changes until the boundary demotes', () => {
    const ladder = ladderFrom(referenceLadderJson());
    const run = runDriver(
      [
        { kind: 'bet', atMs: promotedAtMs, betId: '1', amountMinor: units(20000) },
        { kind: 'void', atMs: promotedAtMs + dayMs, betId: '1' },
        { kind: 'tick', atMs: promotedAtMs + 2 * dayMs },
        { kind: 'tick', atMs: boundaryMs(1) - 1 },
      ],
      ladder,
      promotedAtMs - dayMs,
    );
    assert.equal(run.state.level, 3);
    assert.deepEqual(
      run.steps.flatMap((step) => step.plan.changes).map((change) => change.reason),
      ['promotion'],
    );
    const atBoundary = runDriver(
      [
        { kind: 'bet', atMs: promotedAtMs, betId: '1', amountMinor: units(20000) },
        { kind: 'void', atMs: promotedAtMs + dayMs, betId: '1' },
        { kind: 'tick', atMs: boundaryMs(1) },
      ],
      ladder,
      promotedAtMs - dayMs,
    );
    assert.deepEqual(
      atBoundary.steps
        .flatMap((step) => step.plan.changes)
        .map(summary)
        .at(-1),
      { reason: 'demotion', fromLevel: 3, toLevel: 2, atMs: boundaryMs(1), detail: 'one_down' },
    );
  });
});
