// Proves that a settlement holder paused past its lease cannot write, and the ledger of the
// holder that took over stands, on SQLite+memory lock and MariaDB+Redis:
// - in process, paused between compute and commit by a hook while its renewals silently do
//   nothing (it still believes it holds the lock): the successor adopts the running
//   settlement and commits; the paused holder's commit is refused by the fence
//   (fence_rejected), and the ledger is the successor's, equal to the per-bet reference;
// - in process, its renewals failing (Redis unreachable): it notices the lease ran out and
//   stops with lock_lost before committing;
// - a real process stopped with SIGSTOP between compute and commit, then continued with
//   SIGCONT after a successor committed: with its lease lost while it slept (key gone, as
//   after a Redis failover) it commits into the fence and is refused; with its lease simply
//   expired it notices and stops (lock_lost). SQLite's child has its own in-memory lock, so
//   only the fence stands between it and the ledger, and it holds.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { TiernetError, isTiernetError } from '../../src/app/errors.ts';
import type { DistributedLock } from '../../src/app/ports/lock.ts';
import type { SettlementRecord } from '../../src/app/ports/settlement.ts';
import { runSettlement } from '../../src/app/settlement/run-settlement.ts';
import { closeRedisClient } from '../../src/adapters/redis/client.ts';
import { connectTestRedis } from '../support/redis.ts';
import { openSettlementFixture, settlementBackends, type SettlementFixture } from '../support/settlement-fixture.ts';
import {
  buildWorld,
  seedWorld,
  worldPeriods,
  worldReference,
  worldUserId,
  type World,
} from '../support/settlement-world.ts';
import { spawnSettlementChild } from './settlement-child-control.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const pausedTtlMs = 1_000;

/** A lock whose renewals can be switched to "say yes, do nothing" or "fail", as a paused or cut-off holder's would. */
function pausableLock(inner: DistributedLock): DistributedLock & { renewals: 'work' | 'lie' | 'fail' } {
  const lock = {
    renewals: 'work' as 'work' | 'lie' | 'fail',
    acquire: (name: string, owner: string, ttlMs: number) => inner.acquire(name, owner, ttlMs),
    renew: async (...args: Parameters<DistributedLock['renew']>) => {
      if (lock.renewals === 'lie') return true;
      if (lock.renewals === 'fail') throw new TiernetError('redis_unavailable', 'renewal cut off by the test');
      return inner.renew(...args);
    },
    release: (...args: Parameters<DistributedLock['release']>) => inner.release(...args),
    ping: () => inner.ping(),
    close: () => inner.close(),
  };
  return lock;
}

for (const backend of settlementBackends) {
  describe(`a paused settlement holder: ${backend}`, () => {
    let fixture: SettlementFixture;
    let game = 0;
    before(async () => {
      fixture = await openSettlementFixture(backend, 'settlement-pause');
    });
    after(async () => fixture.cleanup());

    /** A fresh world in its own id range and game, its periods closed. */
    async function freshWorld(): Promise<{ world: World; idBase: number }> {
      game += 1;
      const world = buildWorld(100 + game, { users: 500, bets: 2_000, periods: 3 });
      const idBase = game * 1_000_000;
      await seedWorld(fixture, world, idBase, `g${game}`);
      await fixture.closePeriods(worldPeriods(world, `g${game}`));
      return { world, idBase };
    }

    /** The successor's ledger stands: one committed settlement, by it, equal to the reference. */
    async function assertSuccessorLedger(
      settlementId: string,
      successorRunner: string,
      world: World,
      idBase: number,
    ): Promise<void> {
      const settlement = await fixture.settlements.get(settlementId);
      assert.equal(settlement?.status, 'committed');
      assert.ok(settlement.runner.startsWith(successorRunner), `committed by the successor, not ${settlement.runner}`);
      const ledger = await fixture.ledger(settlementId);
      const reference = worldReference(world);
      assert.equal(ledger.size, reference.lines.size);
      for (const [node, line] of reference.lines) {
        assert.equal(ledger.get(worldUserId(idBase, node))?.amountMinor, line.amountMinor, `amount of node ${node}`);
      }
    }

    /** Lets the paused holder's lease lapse: real time for Redis, the fixture clock for the memory lock. */
    async function outliveLease(): Promise<void> {
      fixture.clock.advance(pausedTtlMs + 1);
      if (backend === 'mysql+redis') await sleep(pausedTtlMs + 200);
    }

    test('paused between compute and commit, believing it holds the lock: its commit is fenced out', async () => {
      const { world, idBase } = await freshWorld();
      const pausedLock = pausableLock(await fixture.openLock());
      const successorLock = await fixture.openLock();
      let successorSettled: string | null = null;
      const paused = runSettlement(
        fixture.deps(pausedLock, {
          runnerName: 'paused',
          lockTtlMs: pausedTtlMs,
          hooks: {
            beforeCommit: async (settlement: SettlementRecord) => {
              pausedLock.renewals = 'lie';
              await outliveLease();
              const successor = await runSettlement(fixture.deps(successorLock, { runnerName: 'successor' }), {
                periods: null,
                adjustmentsAlone: false,
              });
              assert.ok(successor.kind === 'done');
              assert.deepEqual(
                successor.resumed.map((report) => report.settlement.settlementId),
                [settlement.settlementId],
              );
              successorSettled = settlement.settlementId;
            },
          },
        }),
        { periods: null, adjustmentsAlone: false },
      );
      await assert.rejects(paused, (error: unknown) => isTiernetError(error, 'fence_rejected'));
      assert.ok(successorSettled !== null);
      await assertSuccessorLedger(successorSettled, 'successor', world, idBase);
    });

    test('paused with its renewals failing: it sees the lease lapse and stops with lock_lost', async () => {
      const { world, idBase } = await freshWorld();
      const pausedLock = pausableLock(await fixture.openLock());
      let settlementId: string | null = null;
      const paused = runSettlement(
        fixture.deps(pausedLock, {
          runnerName: 'paused',
          lockTtlMs: pausedTtlMs,
          hooks: {
            beforeCommit: async (settlement) => {
              pausedLock.renewals = 'fail';
              settlementId = settlement.settlementId;
              fixture.clock.advance(pausedTtlMs + 1);
              await sleep(pausedTtlMs + 200);
            },
          },
        }),
        { periods: null, adjustmentsAlone: false },
      );
      await assert.rejects(paused, (error: unknown) => isTiernetError(error, 'lock_lost'));
      assert.ok(settlementId !== null);
      assert.equal((await fixture.settlements.get(settlementId))?.status, 'running', 'nothing was written');
      assert.equal((await fixture.ledger(settlementId)).size, 0);
      const successor = await runSettlement(fixture.deps(await fixture.openLock(), { runnerName: 'successor' }), {
        periods: null,
        adjustmentsAlone: false,
      });
      assert.ok(successor.kind === 'done' && successor.resumed.length === 1);
      await assertSuccessorLedger(settlementId, 'successor', world, idBase);
    });

    test('a real process stopped (SIGSTOP) past its lease and continued (SIGCONT) after a successor committed cannot write', async () => {
      const cases = backend === 'mysql+redis' ? (['lease lost', 'lease expired'] as const) : (['own lock'] as const);
      for (const lease of cases) {
        const { world, idBase } = await freshWorld();
        // A long lease when it is to be lost rather than expire: the child cannot notice by time.
        const child = spawnSettlementChild(fixture, {
          stopAt: 'before_commit',
          lockTtlMs: lease === 'lease expired' ? pausedTtlMs : 60_000,
        });
        const ready = await child.waitFor('ready before_commit');
        const settlementId = ready.split(' ')[2]!;
        child.process.kill('SIGSTOP');
        if (lease === 'lease lost') {
          const redis = await connectTestRedis(fixture.redisKeyPrefix ?? '');
          await redis.del('lock:{settlement}:lease');
          await closeRedisClient(redis);
        } else if (lease === 'lease expired') {
          await sleep(pausedTtlMs + 300);
        }
        const successor = await runSettlement(fixture.deps(await fixture.openLock(), { runnerName: 'successor' }), {
          periods: null,
          adjustmentsAlone: false,
        });
        assert.ok(successor.kind === 'done');
        assert.deepEqual(
          successor.resumed.map((report) => report.settlement.settlementId),
          [settlementId],
          `${lease}: the successor adopted the run`,
        );
        child.send('go');
        child.process.kill('SIGCONT');
        const outcome = await child.waitFor('error');
        assert.equal((await child.exited).code, 1, child.stderr());
        const expected = lease === 'lease expired' ? ['lock_lost', 'fence_rejected'] : ['fence_rejected'];
        assert.ok(expected.includes(outcome.split(' ')[1]!), `${lease}: refused with ${outcome}`);
        await assertSuccessorLedger(settlementId, 'successor', world, idBase);
      }
    });
  });
}
