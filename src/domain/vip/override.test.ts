// Proves manual overrides: set pins a level (up or down) and suspends the keep cycle, freeze
// pins the current level, floor lifts at once and only bounds demotion; the end of an
// override (expiry or removal) evaluates promotion at once and restarts the keep cycle
// there, so demotion still waits for a boundary; bad requests are refused with their field.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { RefusalCode } from '../refusal-codes.ts';
import { decideOverride, decideOverrideExpiry, decideOverrideRemoval } from './override.ts';
import { decideOnBet } from './promotion.ts';
import { decideOnReview } from './review.ts';
import { dayMs, hourMs, ladderFrom, promotedState, referenceLadderJson, referenceMetrics } from './test-support.ts';
import { changesLevel, type VipOverride, type VipPlan, type VipState } from './vip-state.ts';

const ladder = ladderFrom(referenceLadderJson({ graceDays: 2 }));
const promotedAtMs = Date.UTC(2026, 0, 10, 15);
const placedAtMs = promotedAtMs + dayMs;
const expiresAtMs = Date.UTC(2026, 2, 1, 12);
const nothing = referenceMetrics(0, 0);

function place(state: VipState, override: VipOverride, metrics = nothing, atMs = placedAtMs): VipPlan {
  const result = decideOverride(state, override, metrics, ladder, atMs);
  assert.ok(result.ok, result.ok ? '' : result.message);
  return result.value;
}

const setGold: VipOverride = {
  kind: 'set',
  level: 3,
  reason: 'VIP host request #42',
  actor: 'ops@example',
  expiresAtMs,
};

void describe('decideOverride', () => {
  void test('given a Bronze user, when set to Gold with an expiry, then one override row 1 -> 3 goes out and the keep cycle is suspended until the expiry', () => {
    const plan = place(promotedState(ladder, 1, promotedAtMs), setGold);
    assert.deepEqual(
      plan.changes.map((change) => [change.reason, change.fromLevel, change.toLevel, change.atMs]),
      [['override', 1, 3, placedAtMs]],
    );
    assert.ok(changesLevel(plan.changes[0]!));
    assert.deepEqual(plan.changes[0]!.cause, { kind: 'override', override: setGold });
    assert.equal(plan.state.cycleStartMs, null);
    assert.equal(plan.state.nextReviewMs, expiresAtMs);
    assert.equal(plan.state.levelSinceMs, placedAtMs);
  });

  void test('given a Gold user, when set to Bronze, then the level goes down at once', () => {
    const plan = place(promotedState(ladder, 3, promotedAtMs), { ...setGold, level: 1, expiresAtMs: null });
    assert.equal(plan.state.level, 1);
    assert.ok(changesLevel(plan.changes[0]!));
  });

  void test('given a set override, when its original boundary passes, then no review is due before the expiry', () => {
    const pinned = place(promotedState(ladder, 1, promotedAtMs), setGold).state;
    const plan = decideOnReview(pinned, () => nothing, ladder, expiresAtMs - 1);
    assert.deepEqual(plan.changes, []);
  });

  void test('given a set override that expires while the metrics earn Platinum, when reviewed, then it expires and promotes at the expiry', () => {
    const pinned = place(promotedState(ladder, 1, promotedAtMs), setGold).state;
    const plan = decideOnReview(pinned, () => referenceMetrics(4, 0), ladder, expiresAtMs + 7 * hourMs);
    assert.deepEqual(
      plan.changes.map((change) => [change.reason, change.fromLevel, change.toLevel, change.atMs]),
      [
        ['override_expired', 3, 3, expiresAtMs],
        ['promotion', 3, 4, expiresAtMs],
      ],
    );
    assert.equal(plan.state.override, null);
  });

  void test('given a set override that expires above what the metrics keep, when reviewed, then the level stays and a fresh cycle runs from the expiry', () => {
    const pinned = place(promotedState(ladder, 1, promotedAtMs), setGold).state;
    const plan = decideOnReview(pinned, () => nothing, ladder, expiresAtMs);
    assert.deepEqual(
      plan.changes.map((change) => change.reason),
      ['override_expired'],
    );
    assert.equal(plan.state.level, 3);
    assert.equal(plan.state.cycleStartMs, expiresAtMs);
    assert.equal(plan.state.nextReviewMs, Date.UTC(2026, 2, 1 + 30));
  });

  void test('given an at-risk Silver user, when frozen without expiry, then at_risk is cleared and nothing is ever due, even a year on', () => {
    const silver = promotedState(ladder, 2, promotedAtMs);
    const atRisk = decideOnReview(silver, () => nothing, ladder, Date.UTC(2026, 1, 9)).state;
    assert.equal(atRisk.status, 'at_risk');
    const frozenAtMs = Date.UTC(2026, 1, 9, 8);
    const frozen = place(
      atRisk,
      { kind: 'freeze', reason: 'investigation', actor: 'risk', expiresAtMs: null },
      nothing,
      frozenAtMs,
    );
    assert.deepEqual(
      frozen.changes.map((change) => [change.reason, change.fromLevel, change.toLevel]),
      [['override', 2, 2]],
    );
    assert.equal(changesLevel(frozen.changes[0]!), false);
    assert.equal(frozen.state.status, 'ok');
    assert.equal(frozen.state.nextReviewMs, null);
    assert.deepEqual(decideOnReview(frozen.state, () => nothing, ladder, frozenAtMs + 365 * dayMs).changes, []);
  });

  void test('given a member, when a floor at Silver is placed while the metrics earn Gold, then it lifts to Silver and promotes to Gold at once', () => {
    const member = promotedState(ladder, 1, promotedAtMs);
    const plan = place(
      member,
      { kind: 'floor', level: 2, reason: 'migration', actor: 'ops', expiresAtMs: null },
      referenceMetrics(3, 0),
    );
    assert.deepEqual(
      plan.changes.map((change) => [change.reason, change.fromLevel, change.toLevel]),
      [
        ['override', 1, 2],
        ['promotion', 2, 3],
      ],
    );
    assert.equal(plan.state.cycleStartMs, placedAtMs);
  });

  const refusals: [string, VipOverride, RefusalCode, string][] = [
    ['a level above the top', { ...setGold, level: 5 }, 'override_level_unknown', '/level'],
    [
      'a negative floor',
      { kind: 'floor', level: -1, reason: 'x', actor: 'ops', expiresAtMs: null },
      'override_level_unknown',
      '/level',
    ],
    ['an expiry in the past', { ...setGold, expiresAtMs: placedAtMs }, 'override_invalid', '/expiresAt'],
    ['a blank reason', { ...setGold, reason: ' ' }, 'override_invalid', '/reason'],
    ['an overlong actor', { ...setGold, actor: 'a'.repeat(129) }, 'override_invalid', '/actor'],
  ];
  for (const [what, override, code, path] of refusals) {
    void test(`given ${what}, when placed, then it is refused with ${code} at ${path} and nothing changes`, () => {
      const result = decideOverride(promotedState(ladder, 1, promotedAtMs), override, nothing, ladder, placedAtMs);
      assert.equal(result.ok, false);
      if (result.ok) return;
      assert.equal(result.code, code);
      assert.equal(result.path, path);
    });
  }
});

void describe('decideOverrideRemoval and decideOverrideExpiry', () => {
  void test('given no override, when removal is asked, then it succeeds with no change', () => {
    const state = promotedState(ladder, 1, promotedAtMs);
    const result = decideOverrideRemoval(state, { actor: 'ops', reason: 'cleanup' }, nothing, ladder, placedAtMs);
    assert.ok(result.ok);
    assert.deepEqual(result.value.changes, []);
  });

  void test('given a freeze, when removed while the metrics earn Silver, then an override_removed row names the actor and the user is promoted at once', () => {
    const frozen = place(promotedState(ladder, 1, promotedAtMs), {
      kind: 'freeze',
      reason: 'check',
      actor: 'risk',
      expiresAtMs: null,
    }).state;
    const removedAtMs = placedAtMs + hourMs;
    const result = decideOverrideRemoval(
      frozen,
      { actor: 'lead', reason: 'cleared' },
      referenceMetrics(2, 0),
      ladder,
      removedAtMs,
    );
    assert.ok(result.ok);
    assert.deepEqual(
      result.value.changes.map((change) => [change.reason, change.toLevel, change.atMs]),
      [
        ['override_removed', 1, removedAtMs],
        ['promotion', 2, removedAtMs],
      ],
    );
    const cause = result.value.changes[0]!.cause;
    assert.ok(cause.kind === 'override_removed' && cause.actor === 'lead' && cause.reason === 'cleared');
  });

  void test('given an expiry that passed, when decideOverrideExpiry runs later, then the rows are dated at the expiry, not at the call', () => {
    const pinned = place(promotedState(ladder, 1, promotedAtMs), setGold).state;
    const plan = decideOverrideExpiry(pinned, referenceMetrics(4, 0), ladder, expiresAtMs + 3 * dayMs);
    assert.deepEqual(
      plan.changes.map((change) => change.atMs),
      [expiresAtMs, expiresAtMs],
    );
    assert.equal(plan.state.level, 4);
  });

  void test('given a floor, when the keep boundary passes and a bet earns more, then the bet still promotes over the floor', () => {
    const floored = place(promotedState(ladder, 1, promotedAtMs), {
      kind: 'floor',
      level: 1,
      reason: 'x',
      actor: 'ops',
      expiresAtMs: null,
    }).state;
    const plan = decideOnBet(floored, referenceMetrics(2, 0), ladder, placedAtMs + hourMs, { kind: 'bet', betId: '7' });
    assert.equal(plan.state.level, 2);
  });
});
