// Unit tests of WakeableLoop: notify() wakes an idle loop at once; after a failure the loop
// backs off with a doubling delay that notify() does not cut short (a notification during
// the backoff is kept and served when it ends); stop() ends an idle sleep or a backoff at once.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { WakeableLoop } from './wakeable-loop.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('WakeableLoop', () => {
  test('notify wakes an idle loop at once', async () => {
    let steps = 0;
    const loop = new WakeableLoop(
      async () => {
        steps += 1;
        return false;
      },
      { name: 'test', idleMs: 60_000, onError: (error) => assert.fail(String(error)) },
    );
    loop.start();
    await sleep(20);
    assert.equal(steps, 1);
    loop.notify();
    await sleep(20);
    assert.equal(steps, 2);
    await loop.stop();
  });

  test('notifications during a backoff do not shorten it; the backoff doubles per failure', async () => {
    const stepsAtMs: number[] = [];
    const failures: number[] = [];
    const loop = new WakeableLoop(
      async () => {
        stepsAtMs.push(Date.now());
        if (stepsAtMs.length <= 2) throw new Error('dependency down');
        return false;
      },
      {
        name: 'test',
        idleMs: 60_000,
        backoffBaseMs: 40,
        backoffMaxMs: 1_000,
        onError: (_error, consecutiveFailures) => failures.push(consecutiveFailures),
      },
    );
    loop.start();
    // Notified every 5 ms, as the relay is after every ingest batch.
    const notifier = setInterval(() => loop.notify(), 5);
    await sleep(400);
    clearInterval(notifier);
    assert.deepEqual(failures, [1, 2]);
    assert.ok(stepsAtMs.length >= 3, `recovered after the backoff (${stepsAtMs.length} steps)`);
    const firstBackoffMs = stepsAtMs[1]! - stepsAtMs[0]!;
    const secondBackoffMs = stepsAtMs[2]! - stepsAtMs[1]!;
    assert.ok(firstBackoffMs >= 75, `first backoff 80 ms, not cut short (${firstBackoffMs} ms)`);
    assert.ok(secondBackoffMs >= 155, `second backoff 160 ms, not cut short (${secondBackoffMs} ms)`);
    await loop.stop();
  });

  test('stop ends a backoff at once', async () => {
    const loop = new WakeableLoop(
      async () => {
        throw new Error('dependency down');
      },
      { name: 'test', idleMs: 60_000, backoffBaseMs: 10_000, backoffMaxMs: 10_000, onError: () => undefined },
    );
    loop.start();
    await sleep(20);
    const startedMs = Date.now();
    await loop.stop();
    assert.ok(Date.now() - startedMs < 1_000, 'stop did not wait out the backoff');
  });
});
