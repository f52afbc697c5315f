// Unit tests of placeholders in a settlement: a placeholder is ineligible, and its rate is
// raised to its highest child's (after that child's own raise, so a placeholder under a
// placeholder works bottom-up); registered users are left alone; a cycle is refused.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { raisePlaceholderRates } from './placeholder-rates.ts';

function run(parent: number[], rate: number[], placeholder: number[]) {
  const ratePpm = Int32Array.from(rate);
  const eligible = new Uint8Array(parent.length).fill(1);
  const result = raisePlaceholderRates(Int32Array.from(parent), ratePpm, Uint8Array.from(placeholder), eligible);
  return { result, ratePpm: [...ratePpm], eligible: [...eligible] };
}

describe('raisePlaceholderRates', () => {
  test('a placeholder root takes its highest child rate and earns nothing', () => {
    // 0 placeholder (rate 0) with children 1 (6.5%) and 2 (3%); 3 under 1 at 2%.
    const { result, ratePpm, eligible } = run([-1, 0, 0, 1], [0, 65_000, 30_000, 20_000], [1, 0, 0, 0]);
    assert.ok(result.ok);
    assert.deepEqual(ratePpm, [65_000, 65_000, 30_000, 20_000]);
    assert.deepEqual(eligible, [0, 1, 1, 1]);
  });

  test('placeholders chained are raised bottom-up, whatever the node order', () => {
    // 2 is a placeholder under placeholder 0; 1 (8%) under 2; indexes not in tree order.
    const { result, ratePpm, eligible } = run([-1, 2, 0], [0, 80_000, 0], [1, 0, 1]);
    assert.ok(result.ok);
    assert.deepEqual(ratePpm, [80_000, 80_000, 80_000]);
    assert.deepEqual(eligible, [0, 1, 0]);
  });

  test('registered users are untouched; a placeholder without children is only made ineligible', () => {
    const { result, ratePpm, eligible } = run([-1, 0, -1], [50_000, 40_000, 0], [0, 0, 1]);
    assert.ok(result.ok);
    assert.deepEqual(ratePpm, [50_000, 40_000, 0]);
    assert.deepEqual(eligible, [1, 1, 0]);
  });

  test('a cycle is refused, not looped over', () => {
    const { result } = run([1, 0, 0], [0, 10_000, 20_000], [1, 0, 0]);
    assert.equal(result.ok, false);
  });
});
