// Proves ladder edits: users above a shrunk ladder's top move to the new top with a level
// change row (and floors are clamped); everyone else gets no row, only a schedule that follows
// the new cycle length.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { decideOnLadderChange } from './ladder-change.ts';
import { decideOverride } from './override.ts';
import { hourMs, ladderFrom, promotedState, referenceLadderJson, referenceMetrics } from './test-support.ts';
import { changesLevel } from './vip-state.ts';

const ladder = ladderFrom(referenceLadderJson());
const promotedAtMs = Date.UTC(2026, 0, 10, 15);

function shrunkLadderJson(cycleDays: number): unknown {
  const json = structuredClone(referenceLadderJson({ cycleDays })) as { levels: unknown[] };
  json.levels = json.levels.slice(0, 3);
  return json;
}

void describe('decideOnLadderChange', () => {
  void test('given a Platinum user with a Platinum floor, when the ladder shrinks to Silver at the top, then one row moves it to Silver and clamps the floor', () => {
    const floored = decideOverride(
      promotedState(ladder, 4, promotedAtMs),
      { kind: 'floor', level: 4, reason: 'x', actor: 'ops', expiresAtMs: null },
      referenceMetrics(0, 0),
      ladder,
      promotedAtMs + hourMs,
    );
    assert.ok(floored.ok);
    const shrunk = ladderFrom(shrunkLadderJson(30));
    const changedAtMs = promotedAtMs + 2 * hourMs;
    const plan = decideOnLadderChange(floored.value.state, shrunk, changedAtMs);
    assert.deepEqual(
      plan.changes.map((change) => [change.reason, change.fromLevel, change.toLevel, change.atMs]),
      [['ladder_changed', 4, 2, changedAtMs]],
    );
    assert.ok(changesLevel(plan.changes[0]!));
    assert.equal(plan.state.override?.kind === 'floor' ? plan.state.override.level : null, 2);
  });

  void test('given a Bronze user, when the ladder shrinks and cycles become 10 days, then no row is written and the next review follows the new length', () => {
    const state = promotedState(ladder, 1, promotedAtMs);
    const plan = decideOnLadderChange(state, ladderFrom(shrunkLadderJson(10)), promotedAtMs + hourMs);
    assert.deepEqual(plan.changes, []);
    assert.equal(plan.state.nextReviewMs, Date.UTC(2026, 0, 10 + 10));
  });
});
