// Proves promotion on a bet: the target is the highest level whose promote holds, capped by
// maxStepsPerEvent; levelSince, the keep cycle and new-tier protection start at the event
// time; set and freeze block it, a floor does not; a late event never moves VIP time back;
// and a bet with a review still due is a programming error, not a silent reorder.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { InvariantViolation } from '../assert.ts';
import { decideOverride } from './override.ts';
import { decideOnBet, promotionTarget } from './promotion.ts';
import {
  dayMs,
  hourMs,
  ladderFrom,
  metricsWith,
  promotedState,
  referenceLadderJson,
  referenceMetrics,
  units,
} from './test-support.ts';
import { changesLevel, initialVipState, type VipOverride } from './vip-state.ts';

const ladder = ladderFrom(referenceLadderJson());
const betAtMs = Date.UTC(2026, 0, 10, 15);
const cause = { kind: 'bet', betId: '9000001' } as const;

void describe('decideOnBet', () => {
  void test('given a member whose lifetime turnover meets Silver, when a bet is applied, then one promotion row goes 0 -> 2 and starts a cycle at the event', () => {
    const plan = decideOnBet(initialVipState(betAtMs - dayMs), referenceMetrics(2, 0), ladder, betAtMs, cause);
    assert.equal(plan.changes.length, 1);
    const change = plan.changes[0]!;
    assert.deepEqual(
      {
        reason: change.reason,
        fromLevel: change.fromLevel,
        toLevel: change.toLevel,
        atMs: change.atMs,
        seq: change.seq,
        cause: change.cause,
      },
      { reason: 'promotion', fromLevel: 0, toLevel: 2, atMs: betAtMs, seq: 1, cause },
    );
    assert.ok(changesLevel(change));
    assert.equal(plan.state.level, 2);
    assert.equal(plan.state.levelSinceMs, betAtMs);
    assert.equal(plan.state.cycleStartMs, betAtMs);
    // 10 January + 30 zone days = the midnight that starts 9 February.
    assert.equal(plan.state.nextReviewMs, Date.UTC(2026, 0, 10 + 30));
  });

  void test('given metrics that earn no higher level, when a bet is applied, then the plan is empty and the state unchanged', () => {
    const state = promotedState(ladder, 2, betAtMs);
    const plan = decideOnBet(state, referenceMetrics(2, 2), ladder, betAtMs + hourMs, cause);
    assert.deepEqual(plan.changes, []);
    assert.deepEqual(plan.state, state);
  });

  void test('given maxStepsPerEvent 1, when a member earns Platinum, then each bet climbs one level', () => {
    const capped = ladderFrom(referenceLadderJson({}, { maxStepsPerEvent: 1 }));
    let state = initialVipState(betAtMs - dayMs);
    const levels: number[] = [];
    for (let bet = 0; bet < 5; bet++) {
      state = decideOnBet(state, referenceMetrics(4, 0), capped, betAtMs + bet * hourMs, cause).state;
      levels.push(state.level);
    }
    assert.deepEqual(levels, [1, 2, 3, 4, 4]);
  });

  void test('given a promote that holds only at a higher level, when the target is computed, then it is the highest level whose promote holds', () => {
    const gapped = ladderFrom({
      timezone: 'UTC',
      levels: [
        { level: 0, name: 'Member' },
        { level: 1, name: 'Regular', promote: { turnoverLifetime: '100', betCountLifetime: 50 } },
        { level: 2, name: 'Whale', promote: { turnoverLifetime: '100000' } },
      ],
    });
    assert.equal(promotionTarget(gapped, metricsWith({ turnoverLifetime: units(100000), betCountLifetime: 1 }), 0), 2);
    assert.equal(promotionTarget(gapped, metricsWith({ turnoverLifetime: units(100), betCountLifetime: 1 }), 0), 0);
  });

  void test('given new-tier protection of 45 days, when promoted, then protection runs to the start of the promotion day + 45', () => {
    const protecting = ladderFrom(referenceLadderJson({ newTierProtectionDays: 45 }));
    const plan = decideOnBet(initialVipState(betAtMs - dayMs), referenceMetrics(1, 0), protecting, betAtMs, cause);
    assert.equal(plan.state.protectedUntilMs, Date.UTC(2026, 0, 10 + 45));
  });

  const pins: [string, VipOverride][] = [
    ['set', { kind: 'set', level: 1, reason: 'test', actor: 'ops', expiresAtMs: null }],
    ['freeze', { kind: 'freeze', reason: 'test', actor: 'ops', expiresAtMs: null }],
  ];
  for (const [kind, override] of pins) {
    void test(`given a ${kind} override, when a bet earns Platinum, then nothing changes`, () => {
      const placed = decideOverride(
        promotedState(ladder, 1, betAtMs),
        override,
        referenceMetrics(1, 1),
        ladder,
        betAtMs + hourMs,
      );
      assert.ok(placed.ok);
      const plan = decideOnBet(placed.value.state, referenceMetrics(4, 4), ladder, betAtMs + 2 * hourMs, cause);
      assert.deepEqual(plan.changes, []);
      assert.equal(plan.state.level, 1);
    });
  }

  void test('given a floor override, when a bet earns a level above the floor, then the promotion happens', () => {
    const placed = decideOverride(
      initialVipState(betAtMs),
      { kind: 'floor', level: 1, reason: 'test', actor: 'ops', expiresAtMs: null },
      referenceMetrics(0, 0),
      ladder,
      betAtMs,
    );
    assert.ok(placed.ok);
    const plan = decideOnBet(placed.value.state, referenceMetrics(3, 0), ladder, betAtMs + hourMs, cause);
    assert.equal(plan.state.level, 3);
    assert.equal(plan.changes[0]?.reason, 'promotion');
  });

  void test('given a bet older than the latest change, when it promotes, then the row is dated at the latest change, not earlier', () => {
    const state = promotedState(ladder, 1, betAtMs);
    const plan = decideOnBet(state, referenceMetrics(2, 0), ladder, betAtMs - 5 * hourMs, cause);
    assert.equal(plan.changes[0]?.atMs, betAtMs);
    assert.equal(plan.state.levelSinceMs, betAtMs);
  });

  void test('given a boundary that has passed unreviewed, when a bet after it is decided, then it is refused as a broken invariant', () => {
    const state = promotedState(ladder, 1, betAtMs);
    assert.throws(
      () => decideOnBet(state, referenceMetrics(2, 0), ladder, betAtMs + 31 * dayMs, cause),
      InvariantViolation,
    );
  });
});
