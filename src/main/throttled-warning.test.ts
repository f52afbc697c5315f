import { test } from 'node:test';
import assert from 'node:assert/strict';
import { throttledWarning } from './throttled-warning.ts';

test('a repeated failure is logged at most once per interval, with how many times it happened', () => {
  let now = 1_000;
  const logged: [string, number][] = [];
  const warn = throttledWarning(
    10_000,
    () => now,
    (error, occurrences) => logged.push([String(error), occurrences]),
  );
  warn('a');
  for (let index = 0; index < 50; index += 1) {
    now += 100;
    warn(`b${index}`);
  }
  assert.deepEqual(logged, [['a', 1]]);
  now += 6_000; // 11 s after the first line
  warn('c');
  assert.deepEqual(logged, [
    ['a', 1],
    ['c', 51],
  ]);
  now += 20_000;
  warn('d');
  assert.deepEqual(logged.at(-1), ['d', 1]);
});
