// Contract for DistributedLock (src/app/ports/lock.ts), run against every adapter by
// lock.redis.test.ts and lock.memory.test.ts. It proves: one holder at a time, even among
// 20 simultaneous acquirers on separate connections; fencing tokens strictly increase per
// name across acquisitions, holders and a loss of the lock service's data; only the
// holder of the current lease (owner AND token) can renew or release it; a lease that
// expires while its holder is paused passes to a new holder with a higher token, after
// which the old holder can neither renew nor release; bad arguments stop the caller.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { DistributedLock, LockLease } from '../../src/app/ports/lock.ts';
import { InvariantViolation } from '../../src/domain/assert.ts';

export interface LockHarness {
  /** A new handle on the same lock service (for Redis, its own connection). */
  open(): Promise<DistributedLock>;
  /** Lets `ms` pass for the lock service: real sleep for Redis, a clock move for memory. */
  elapse(ms: number): Promise<void>;
  /** Loses the service's data, as Redis restarted without persistence, or a new process, would. */
  loseData(): Promise<void>;
  close(): Promise<void>;
}

/** Time steps when waiting for a lease to expire; the wait is bounded by waitMsMax. */
const pollStepMs = 25;
const waitMsMax = 10_000;
const longTtlMs = 30_000;

export function lockContract(name: string, make: () => Promise<LockHarness>): void {
  void describe(`DistributedLock contract: ${name}`, () => {
    let harness: LockHarness;
    let first: DistributedLock;
    let second: DistributedLock;

    before(async () => {
      harness = await make();
      first = await harness.open();
      second = await harness.open();
    });

    after(async () => {
      await harness.close();
    });

    void test('ping answers', async () => {
      await first.ping();
      await second.ping();
    });

    void test('a held lock is refused to every other acquirer, including the same owner string', async () => {
      const lease = await first.acquire('exclusive', 'worker-a', longTtlMs);
      assert.ok(lease !== null);
      assert.equal(lease.name, 'exclusive');
      assert.equal(lease.owner, 'worker-a');
      assert.equal(typeof lease.fencingToken, 'bigint');
      assert.ok(lease.fencingToken > 0n);
      assert.equal(await second.acquire('exclusive', 'worker-b', longTtlMs), null);
      assert.equal(await first.acquire('exclusive', 'worker-b', longTtlMs), null);
      assert.equal(await second.acquire('exclusive', 'worker-a', longTtlMs), null, 'not re-entrant');
      assert.equal(await first.release(lease), true);
    });

    void test('locks with different names do not block each other', async () => {
      const left = await first.acquire('independent-left', 'worker-a', longTtlMs);
      const right = await second.acquire('independent-right', 'worker-b', longTtlMs);
      assert.ok(left !== null && right !== null);
      assert.equal(await first.release(left), true);
      assert.equal(await second.release(right), true);
    });

    void test('tokens strictly increase across acquisitions and holders', async () => {
      const third = await harness.open();
      const handles = [first, second, third];
      const tokens: bigint[] = [];
      for (let round = 0; round < 12; round += 1) {
        const handle = handles[round % handles.length]!;
        const lease = await handle.acquire('sequence', `worker-${round % 5}`, longTtlMs);
        assert.ok(lease !== null, `round ${round} should acquire a free lock`);
        tokens.push(lease.fencingToken);
        assert.equal(await handle.release(lease), true);
      }
      for (let index = 1; index < tokens.length; index += 1) {
        assert.ok(tokens[index]! > tokens[index - 1]!, `token ${tokens[index]} after ${tokens[index - 1]}`);
      }
    });

    void test('renew extends the lease for its holder only', async () => {
      const ttlMs = 1_000;
      const lease = await first.acquire('renewal', 'worker-a', ttlMs);
      assert.ok(lease !== null);
      await harness.elapse(400);
      assert.equal(await first.renew(lease, 3_000), true);
      // Past the first TTL, inside the renewed one, with wide margins on both sides.
      await harness.elapse(900);
      assert.equal(await second.acquire('renewal', 'worker-b', ttlMs), null, 'the renewed lease still holds');
      const otherOwner: LockLease = { ...lease, owner: 'worker-b' };
      const otherToken: LockLease = { ...lease, fencingToken: lease.fencingToken + 1n };
      assert.equal(await second.renew(otherOwner, 3_000), false);
      assert.equal(await second.renew(otherToken, 3_000), false);
      assert.equal(await second.renew({ ...lease, name: 'renewal-elsewhere' }, 3_000), false);
      assert.equal(await first.release(lease), true);
    });

    void test('release frees the lock for its holder only, once', async () => {
      const lease = await first.acquire('releasing', 'worker-a', longTtlMs);
      assert.ok(lease !== null);
      assert.equal(await second.release({ ...lease, owner: 'worker-b' }), false);
      assert.equal(await second.release({ ...lease, fencingToken: lease.fencingToken - 1n }), false);
      assert.equal(await second.acquire('releasing', 'worker-b', longTtlMs), null, 'foreign releases changed nothing');
      assert.equal(await first.release(lease), true);
      assert.equal(await first.release(lease), false, 'a second release finds nothing to release');
      const next = await second.acquire('releasing', 'worker-b', longTtlMs);
      assert.ok(next !== null);
      assert.ok(next.fencingToken > lease.fencingToken);
      assert.equal(await second.release(next), true);
    });

    void test('an old lease of the same owner cannot renew or release the new one', async () => {
      const old = await first.acquire('same-owner', 'worker-a', longTtlMs);
      assert.ok(old !== null);
      assert.equal(await first.release(old), true);
      const current = await first.acquire('same-owner', 'worker-a', longTtlMs);
      assert.ok(current !== null);
      assert.ok(current.fencingToken > old.fencingToken);
      assert.equal(await first.renew(old, longTtlMs), false);
      assert.equal(await first.release(old), false);
      assert.equal(await second.acquire('same-owner', 'worker-b', longTtlMs), null, 'the current lease survived');
      assert.equal(await first.release(current), true);
    });

    void test('a lease that expires while its holder is paused passes on; the old holder is then fenced out', async () => {
      const ttlMs = 500;
      const paused = await first.acquire('expiry', 'worker-a', ttlMs);
      assert.ok(paused !== null);
      assert.equal(await second.acquire('expiry', 'worker-b', longTtlMs), null, 'held before the TTL');
      const { lease: successor, waitedMs } = await acquireWhenFree(harness, second, 'expiry', 'worker-b', longTtlMs);
      // Expiry was not early: the lock stayed held for most of the TTL (half, to allow for
      // the time each poll itself takes on a loaded machine).
      assert.ok(waitedMs >= ttlMs / 2, `acquired after ${waitedMs} ms of a ${ttlMs} ms TTL`);
      assert.ok(successor.fencingToken > paused.fencingToken, 'the successor writes with a higher token');
      // The paused holder wakes up: it has lost the lock and cannot take it back.
      assert.equal(await first.renew(paused, longTtlMs), false);
      assert.equal(await first.release(paused), false);
      assert.equal(await first.acquire('expiry', 'worker-a', longTtlMs), null, 'the successor still holds');
      assert.equal(await second.release(successor), true);
    });

    void test('an expired lease with no successor is not resurrected by renew', async () => {
      const ttlMs = 300;
      const lapsed = await first.acquire('lapsed', 'worker-a', ttlMs);
      assert.ok(lapsed !== null);
      const { lease: probe } = await acquireWhenFree(harness, second, 'lapsed', 'worker-probe', 1);
      // The probe's 1 ms lease is gone again by the next step; only then is renew tried.
      await harness.elapse(pollStepMs);
      assert.ok(probe.fencingToken > lapsed.fencingToken);
      assert.equal(await first.renew(lapsed, longTtlMs), false);
      const fresh = await second.acquire('lapsed', 'worker-b', longTtlMs);
      assert.ok(fresh !== null, 'the failed renew did not take the lock');
      assert.equal(await second.release(fresh), true);
    });

    void test('of 20 simultaneous acquirers exactly one wins, round after round', async () => {
      const contenders = await Promise.all(Array.from({ length: 20 }, () => harness.open()));
      let previousToken = 0n;
      for (let round = 0; round < 5; round += 1) {
        const leases = await Promise.all(
          contenders.map((lock, index) => lock.acquire('contended', `contender-${index}`, longTtlMs)),
        );
        const winners = leases.filter((lease) => lease !== null);
        assert.equal(winners.length, 1, `round ${round}: ${winners.length} winners`);
        const winner = winners[0]!;
        assert.ok(winner.fencingToken > previousToken);
        previousToken = winner.fencingToken;
        const winnerIndex = leases.indexOf(winner);
        assert.equal(await contenders[winnerIndex]!.release(winner), true);
      }
    });

    void test('tokens keep rising after the lock service loses its data', async () => {
      const before = await first.acquire('amnesia', 'worker-a', longTtlMs);
      assert.ok(before !== null);
      assert.equal(await first.release(before), true);
      await harness.loseData();
      await harness.elapse(5);
      const after = await second.acquire('amnesia', 'worker-b', longTtlMs);
      assert.ok(after !== null);
      assert.ok(after.fencingToken > before.fencingToken, `token ${after.fencingToken} after ${before.fencingToken}`);
      assert.equal(await second.release(after), true);
    });

    void test('bad arguments are refused as broken invariants, before any state changes', async () => {
      for (const ttlMs of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
        await assert.rejects(first.acquire('arguments', 'worker-a', ttlMs), InvariantViolation, `ttlMs ${ttlMs}`);
      }
      await assert.rejects(first.acquire('arguments', '', longTtlMs), InvariantViolation);
      await assert.rejects(first.acquire('', 'worker-a', longTtlMs), InvariantViolation);
      await assert.rejects(first.acquire('brace{tag}', 'worker-a', longTtlMs), InvariantViolation);
      const lease = await first.acquire('arguments', 'worker-a', longTtlMs);
      assert.ok(lease !== null, 'the refused calls left the lock free');
      await assert.rejects(first.renew(lease, 0), InvariantViolation);
      assert.equal(await first.release(lease), true);
    });
  });
}

/** Polls until `owner` gets the lock, letting pollStepMs pass between tries; fails after waitMsMax. */
async function acquireWhenFree(
  harness: LockHarness,
  lock: DistributedLock,
  name: string,
  owner: string,
  ttlMs: number,
): Promise<{ lease: LockLease; waitedMs: number }> {
  for (let waitedMs = 0; waitedMs <= waitMsMax; waitedMs += pollStepMs) {
    const lease = await lock.acquire(name, owner, ttlMs);
    if (lease !== null) return { lease, waitedMs };
    await harness.elapse(pollStepMs);
  }
  throw new Error(`lock "${name}" still held after ${waitMsMax} ms`);
}
