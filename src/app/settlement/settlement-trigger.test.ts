// Unit tests of the automatic settlement trigger: notifications within the quiet time make
// one run; a run reporting more periods due is followed by more runs at once (bounded); a
// notification during a run makes another run after it; the sweep runs without any
// notification; a failing run is reported and the trigger keeps going; a failed run is
// retried after a doubling backoff without waiting for a notification or the sweep; stop()
// waits for the run in flight and nothing runs after it.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { SettlementTrigger } from './settlement-trigger.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const failOnError = (error: unknown): void => assert.fail(`unexpected run failure: ${String(error)}`);

function recorder(results: boolean[] = []) {
  const runs: number[] = [];
  return {
    runs,
    run: async (): Promise<boolean> => {
      runs.push(Date.now());
      await sleep(5);
      return results.shift() ?? false;
    },
  };
}

describe('SettlementTrigger', () => {
  test('notifications within the debounce make one run, after the quiet time', async () => {
    const { runs, run } = recorder();
    const trigger = new SettlementTrigger({ run, debounceMs: 60, sweepMs: 60_000, onError: failOnError });
    trigger.start();
    await sleep(100);
    assert.equal(runs.length, 1, 'start settles once, catching up');
    const firstAt = Date.now();
    for (let notification = 0; notification < 5; notification += 1) {
      trigger.notify();
      await sleep(20);
    }
    assert.equal(runs.length, 1, 'still quiet-waiting');
    await sleep(120);
    assert.equal(runs.length, 2, 'one run for five notifications');
    assert.ok(runs[1]! - firstAt >= 100 + 60 - 20, 'after the last notification plus the quiet time');
    await trigger.stop();
  });

  test('more periods due: runs again at once, up to the batch bound', async () => {
    const { runs, run } = recorder([true, true, true, true, true, true]);
    const trigger = new SettlementTrigger({
      run,
      debounceMs: 10,
      sweepMs: 60_000,
      batchesMax: 4,
      onError: failOnError,
    });
    trigger.start();
    await sleep(150);
    assert.equal(runs.length, 4, 'bounded by batchesMax');
    await trigger.stop();
  });

  test('a notification during a run makes another run after it', async () => {
    let release = (): void => undefined;
    let runs = 0;
    const trigger = new SettlementTrigger({
      run: async () => {
        runs += 1;
        if (runs === 1) await new Promise<void>((resolve) => (release = resolve));
        return false;
      },
      debounceMs: 10,
      sweepMs: 60_000,
      onError: failOnError,
    });
    trigger.start();
    await sleep(40);
    assert.equal(runs, 1);
    trigger.notify();
    await sleep(40);
    assert.equal(runs, 1, 'no second run while one is in flight');
    release();
    await sleep(60);
    assert.equal(runs, 2, 'the notification is not lost');
    await trigger.stop();
  });

  test('the sweep runs without notifications; a failure is reported and the trigger goes on', async () => {
    const errors: unknown[] = [];
    let runs = 0;
    const trigger = new SettlementTrigger({
      run: async () => {
        runs += 1;
        if (runs === 2) throw new Error('database down');
        return false;
      },
      debounceMs: 5,
      sweepMs: 40,
      onError: (error) => errors.push(error),
    });
    trigger.start();
    await sleep(150);
    assert.ok(runs >= 3, `swept ${runs} times`);
    assert.equal(errors.length, 1);
    await trigger.stop();
  });

  test('a failed run is retried after a doubling backoff, without a notification or the sweep', async () => {
    const failures: { consecutiveFailures: number; retryInMs: number }[] = [];
    const runs: number[] = [];
    const trigger = new SettlementTrigger({
      run: async () => {
        runs.push(Date.now());
        if (runs.length <= 2) throw new Error('redis down');
        return false;
      },
      debounceMs: 5,
      sweepMs: 60_000,
      retryBaseMs: 30,
      onError: (_error, retry) => failures.push(retry),
    });
    trigger.start();
    await sleep(250);
    assert.equal(runs.length, 3, 'two failures, then the retry that succeeds');
    assert.deepEqual(failures, [
      { consecutiveFailures: 1, retryInMs: 30 },
      { consecutiveFailures: 2, retryInMs: 60 },
    ]);
    assert.ok(runs[2]! - runs[1]! >= 55, `the second retry waited the doubled delay (${runs[2]! - runs[1]!} ms)`);
    await sleep(150);
    assert.equal(runs.length, 3, 'no retry after a success');
    await trigger.stop();
  });

  test('retries stop with the trigger', async () => {
    let runs = 0;
    const trigger = new SettlementTrigger({
      run: async () => {
        runs += 1;
        throw new Error('database down');
      },
      debounceMs: 5,
      sweepMs: 60_000,
      retryBaseMs: 20,
      onError: () => undefined,
    });
    trigger.start();
    await sleep(15);
    await trigger.stop();
    const runsAtStop = runs;
    await sleep(80);
    assert.equal(runs, runsAtStop);
  });

  test('stop waits for the run in flight; nothing runs after it', async () => {
    let finished = false;
    let runs = 0;
    const trigger = new SettlementTrigger({
      run: async () => {
        runs += 1;
        await sleep(50);
        finished = true;
        return false;
      },
      debounceMs: 5,
      sweepMs: 20,
      onError: failOnError,
    });
    trigger.start();
    await sleep(20);
    await trigger.stop();
    assert.equal(finished, true);
    const runsAtStop = runs;
    trigger.notify();
    await sleep(60);
    assert.equal(runs, runsAtStop);
  });
});
