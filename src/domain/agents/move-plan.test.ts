// Proves move decisions: moving under oneself or under one's own downline is a cycle;
// moving under the current parent changes nothing; a rate above a non-placeholder new
// parent is refused; otherwise the plan moves the depth of the whole subtree by the
// difference and moves one direct count from the old parent to the new one (none for a
// root on either side).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { planMove, type TreeUser } from './move-plan.ts';

const node = (
  userId: string,
  parentId: string | null,
  depth: number,
  rebateRatePpm: number,
  placeholder = false,
): TreeUser => ({
  userId,
  parentId,
  depth,
  rebateRatePpm,
  placeholder,
});

const root = node('1', null, 0, 100_000);
const mover = node('5', '2', 3, 40_000);
const oldParent = node('2', '1', 2, 60_000);

test("a move under oneself or into one's own downline is a cycle", () => {
  const self = planMove({ user: mover, oldParent, newParent: mover, newParentInDownline: false });
  assert.ok(!self.ok);
  assert.equal(self.code, 'move_cycle');
  const below = planMove({ user: mover, oldParent, newParent: node('9', '5', 4, 0), newParentInDownline: true });
  assert.ok(!below.ok);
  assert.equal(below.code, 'move_cycle');
  assert.match(below.message, /under 9/);
  assert.match(below.message, /downline of 5/);
});

test('a move under the current parent is unchanged', () => {
  const result = planMove({ user: mover, oldParent, newParent: oldParent, newParentInDownline: false });
  assert.deepEqual(result, { ok: true, value: { kind: 'unchanged', userId: '5', parentId: '2', depth: 3 } });
  const rootStays = planMove({ user: root, oldParent: null, newParent: null, newParentInDownline: false });
  assert.equal(rootStays.ok && rootStays.value.kind, 'unchanged');
});

test('a rate above the new parent is refused unless the new parent is a placeholder', () => {
  const low = node('7', '1', 1, 30_000);
  const refused = planMove({ user: mover, oldParent, newParent: low, newParentInDownline: false });
  assert.ok(!refused.ok);
  assert.equal(refused.code, 'rate_above_parent');
  assert.match(refused.message, /user 5/);
  assert.match(refused.message, /parent 7/);
  const placeholder = planMove({
    user: mover,
    oldParent,
    newParent: node('8', null, 0, 0, true),
    newParentInDownline: false,
  });
  assert.equal(placeholder.ok, true);
});

test('an accepted move shifts the subtree depth and moves one direct count', () => {
  const result = planMove({ user: mover, oldParent, newParent: root, newParentInDownline: false });
  assert.deepEqual(result, {
    ok: true,
    value: {
      kind: 'move',
      userId: '5',
      fromParentId: '2',
      toParentId: '1',
      depthBefore: 3,
      depthAfter: 1,
      depthDelta: -2,
      directCountChanges: [
        { userId: '2', delta: -1 },
        { userId: '1', delta: 1 },
      ],
    },
  });
  const toRoot = planMove({ user: mover, oldParent, newParent: null, newParentInDownline: false });
  assert.ok(toRoot.ok && toRoot.value.kind === 'move');
  assert.equal(toRoot.value.depthDelta, -3);
  assert.deepEqual(toRoot.value.directCountChanges, [{ userId: '2', delta: -1 }]);
  const fromRoot = planMove({
    user: node('3', null, 0, 10_000),
    oldParent: null,
    newParent: oldParent,
    newParentInDownline: false,
  });
  assert.ok(fromRoot.ok && fromRoot.value.kind === 'move');
  assert.equal(fromRoot.value.depthDelta, 3);
  assert.deepEqual(fromRoot.value.directCountChanges, [{ userId: '2', delta: 1 }]);
});
