// Proves the agent-rate invariant checks: a child may equal but not exceed its parent, a
// placeholder parent or no parent constrains nothing, a parent may not drop below its
// highest child; each refusal names both users and both rates so an operator sees the pair.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkRateAgainstChildren, checkRateAgainstParent } from './rate-rules.ts';

const parent = { userId: '10', rebateRatePpm: 50_000, placeholder: false };

test('a child rate up to the parent rate is accepted', () => {
  assert.equal(checkRateAgainstParent('11', 0, parent).ok, true);
  assert.equal(checkRateAgainstParent('11', 50_000, parent).ok, true);
});

test('a child rate above the parent rate is refused naming the pair and both rates', () => {
  const result = checkRateAgainstParent('11', 50_001, parent);
  assert.ok(!result.ok);
  assert.equal(result.code, 'rate_above_parent');
  assert.match(result.message, /user 11/);
  assert.match(result.message, /parent 10/);
  assert.match(result.message, /0\.050001/);
  assert.match(result.message, /0\.05\b/);
});

test('a root or a placeholder parent constrains nothing', () => {
  assert.equal(checkRateAgainstParent('11', 1_000_000, null).ok, true);
  assert.equal(checkRateAgainstParent('11', 1_000_000, { ...parent, rebateRatePpm: 0, placeholder: true }).ok, true);
});

test('a rate at or above the highest child is accepted, below it refused naming the child', () => {
  assert.equal(checkRateAgainstChildren('10', 70_000, null).ok, true);
  assert.equal(checkRateAgainstChildren('10', 70_000, { childId: '12', ratePpm: 70_000 }).ok, true);
  const result = checkRateAgainstChildren('10', 69_999, { childId: '12', ratePpm: 70_000 });
  assert.ok(!result.ok);
  assert.equal(result.code, 'rate_below_child');
  assert.match(result.message, /user 10/);
  assert.match(result.message, /child 12/);
  assert.match(result.message, /0\.069999/);
  assert.match(result.message, /0\.07\b/);
});
