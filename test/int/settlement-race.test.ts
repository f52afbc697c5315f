// Proves exactly-once settlement under racing settlers, on SQLite+memory lock and
// MariaDB+Redis (a Redis client per settler, as separate processes would have):
// - K settlers racing on the same named periods and on "everything due", while more periods
//   close between rounds: every period is claimed by exactly one settlement, every settlement
//   is committed once, no beneficiary has two lines in one settlement, and the ledgers
//   together equal the per-bet reference of all bets;
// - the same with a broken lock that grants every request (each with a higher token), so
//   only the database guards: the fence refuses every write of a holder once a higher token
//   has written, the claim key refuses a period claimed twice, and a final run with the real
//   lock finishes what the fenced-out holders left running. Still exactly once.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { isTiernetError } from '../../src/app/errors.ts';
import type { DistributedLock, LockLease } from '../../src/app/ports/lock.ts';
import { runSettlement } from '../../src/app/settlement/run-settlement.ts';
import { openSettlementFixture, settlementBackends, type SettlementFixture } from '../support/settlement-fixture.ts';
import { buildWorld, seedWorld, worldReference, type World } from '../support/settlement-world.ts';

const settlersCount = 6;
const shape = { users: 300, bets: 2_000, periods: 24 };
const periodCount = shape.periods;

/**
 * A lock that grants every request, each with a higher token: the database alone must keep
 * exactly once. Its tokens continue from the fence's current value, one by one, so they are
 * live (above the fence) yet below the real lock's next token (clock microseconds), as the
 * tokens of a lock's earlier holders are.
 */
function brokenLock(tokens: { next: bigint }): DistributedLock {
  return {
    acquire: async (name, owner): Promise<LockLease> => ({ name, owner, fencingToken: (tokens.next += 1n) }),
    renew: async () => true,
    release: async () => true,
    ping: async () => undefined,
    close: async () => undefined,
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

for (const backend of settlementBackends) {
  describe(`racing settlers: ${backend}`, () => {
    let fixture: SettlementFixture;
    before(async () => {
      fixture = await openSettlementFixture(backend, 'settlement-race');
    });
    after(async () => fixture.cleanup());

    /** Each period of `game` in exactly one committed settlement; lines once; ledgers sum to the reference. */
    async function assertExactlyOnce(world: World, idBase: number, game: string): Promise<void> {
      const settlements = await fixture.database.db
        .selectFrom('settlements')
        .select(['settlement_id', 'status'])
        .execute();
      const committed = new Set(
        settlements.filter((row) => row.status === 'committed').map((row) => row.settlement_id),
      );
      assert.deepEqual(
        settlements.filter((row) => row.status !== 'committed'),
        [],
        'no settlement is left running or failed',
      );
      const claims = await fixture.database.db
        .selectFrom('settlement_periods')
        .selectAll()
        .where('game_id', '=', game)
        .execute();
      assert.equal(claims.length, periodCount, 'every period claimed, once (the key allows no second claim)');
      for (const claim of claims)
        assert.ok(committed.has(claim.settlement_id), `period ${claim.period_id} belongs to a committed settlement`);
      const periodsOfSettlements = new Map<string, number>();
      for (const row of await fixture.database.db
        .selectFrom('periods')
        .select(['period_id', 'settlement_id'])
        .where('game_id', '=', game)
        .execute()) {
        assert.ok(row.settlement_id !== null, `period ${row.period_id} is marked settled`);
        periodsOfSettlements.set(row.settlement_id, (periodsOfSettlements.get(row.settlement_id) ?? 0) + 1);
      }

      const exactByUser = new Map<string, bigint>();
      const amountByUser = new Map<string, bigint>();
      for (const settlementId of committed) {
        for (const [userId, line] of await fixture.ledger(settlementId)) {
          if (Number(userId) <= idBase || Number(userId) > idBase + shape.users) continue;
          exactByUser.set(userId, (exactByUser.get(userId) ?? 0n) + line.exactMinorPpm);
          amountByUser.set(userId, (amountByUser.get(userId) ?? 0n) + line.amountMinor);
        }
      }
      const reference = worldReference(world);
      let referenceExactTotal = 0n;
      for (const [node, line] of reference.lines) {
        referenceExactTotal += line.exactMinorPpm;
        assert.equal(
          exactByUser.get(String(idBase + node + 1)) ?? 0n,
          line.exactMinorPpm,
          `exact rebate of node ${node} over all settlements`,
        );
      }
      assert.equal(
        [...exactByUser.values()].reduce((sum, exact) => sum + exact, 0n),
        referenceExactTotal,
        'nothing paid to anyone else',
      );
      // Amounts are floored per settlement, so they may differ from one reference flooring by
      // less than one minor unit per settlement the user appears in.
      for (const [node, line] of reference.lines) {
        const paid = amountByUser.get(String(idBase + node + 1)) ?? 0n;
        assert.ok(
          paid <= line.amountMinor && line.amountMinor - paid <= BigInt(committed.size),
          `amount of node ${node}: ${paid} vs ${line.amountMinor}`,
        );
      }
    }

    async function race(
      world: World,
      idBase: number,
      game: string,
      locks: DistributedLock[],
    ): Promise<{ fenced: number; conflicts: number; busy: number }> {
      let fenced = 0;
      let conflicts = 0;
      let busy = 0;
      // Periods close in three waves while the settlers race; each settler asks for a named
      // period list or for everything due, and retries on a busy lock (bounded).
      const waves = [0, 1, 2].map((wave) =>
        Array.from({ length: periodCount / 3 }, (_, index) => ({
          gameId: game,
          periodId: `p${wave * (periodCount / 3) + index}`,
        })),
      );
      for (const wave of waves) {
        await fixture.closePeriods(wave);
        await Promise.all(
          locks.map(async (lock, settler) => {
            for (let attempt = 0; attempt < 200; attempt += 1) {
              try {
                const outcome = await runSettlement(fixture.deps(lock, { runnerName: `settler-${settler}` }), {
                  periods: settler % 2 === 0 ? wave : null,
                  adjustmentsAlone: false,
                });
                if (outcome.kind === 'done') return;
                busy += 1;
              } catch (error) {
                if (isTiernetError(error, 'fence_rejected')) fenced += 1;
                else if (isTiernetError(error, 'db_conflict')) conflicts += 1;
                else throw error;
                return;
              }
              await sleep(5 + settler);
            }
            throw new Error(`settler ${settler} never got the lock`);
          }),
        );
      }
      return { fenced, conflicts, busy };
    }

    test(`${settlersCount} settlers with the real lock: every period paid once`, async () => {
      const world = buildWorld(7, shape);
      await seedWorld(fixture, world, 100_000, 'race');
      const locks = await Promise.all(Array.from({ length: settlersCount }, () => fixture.openLock()));
      const { busy } = await race(world, 100_000, 'race', locks);
      assert.ok(busy > 0, 'the settlers did contend for the lock');
      await assertExactlyOnce(world, 100_000, 'race');
    });

    test(`${settlersCount} settlers with a lock that grants everyone: the fence and the claim key keep it exactly once`, async () => {
      const world = buildWorld(11, shape);
      await seedWorld(fixture, world, 200_000, 'broken');
      const fence = await fixture.database.db
        .selectFrom('fences')
        .select('token')
        .where('name', '=', 'settlement')
        .executeTakeFirst();
      const tokens = { next: BigInt(String(fence?.token ?? 0)) };
      const { fenced } = await race(
        world,
        200_000,
        'broken',
        Array.from({ length: settlersCount }, () => brokenLock(tokens)),
      );
      const byBrokenHolders = await fixture.database.db
        .selectFrom('settlements')
        .select('settlement_id')
        .where('runner', 'like', 'settler-%')
        .execute();
      // What fenced-out holders left running is finished by the next holder of the real lock.
      const outcome = await runSettlement(fixture.deps(await fixture.openLock()), {
        periods: null,
        adjustmentsAlone: false,
      });
      assert.equal(outcome.kind, 'done');
      assert.ok(fenced > 0, 'some holders were fenced out');
      assert.ok(byBrokenHolders.length > 0, 'holders of the broken lock did settle');
      await assertExactlyOnce(world, 200_000, 'broken');
    });
  });
}
