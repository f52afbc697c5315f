// Agent commands against the real repository, on SQLite and on MariaDB. Proves every refusal
// of changeRebateRate (user_unknown, rate_above_parent naming the pair and both rates,
// rate_below_child naming the child) and of moveAgent (user_unknown, parent_unknown,
// move_cycle for self and for the own downline, rate_above_parent), and that a refused
// command leaves every row of users and scheduler_state as it was; that accepted commands
// write exactly the rate, or the parent, both direct counts and the depth of the whole
// moved subtree; that placeholders constrain nothing; that two concurrent moves which
// would make a cycle together cannot both succeed; and that moving the middle of a
// 100k-deep chain shifts 50,000 depths in one transaction (time logged).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { changeRebateRate } from '../../src/app/agents/change-rebate-rate.ts';
import type { AgentCommandDeps } from '../../src/app/agents/agent-command-deps.ts';
import { moveAgent } from '../../src/app/agents/move-agent.ts';
import { createAgentTreeRepository, createAgentTreeTransaction } from '../../src/adapters/sql/agent-tree-repository.ts';
import type { SqlDatabase } from '../../src/adapters/sql/database.ts';
import { migrate } from '../../src/adapters/sql/migrate.ts';
import { toNumber } from '../../src/adapters/sql/row-values.ts';
import type { RefusalCode } from '../../src/domain/refusal-codes.ts';
import type { Result } from '../../src/domain/result.ts';
import { chainNodes, insertTree, timed, type TreeNode } from '../contract/agent-tree.contract.ts';
import { openDatabaseHarness } from '../support/backends.ts';

const nowMs = 1_764_000_000_000;

interface Harness {
  readonly database: SqlDatabase;
  cleanup(): Promise<void>;
}

/**
 * 1 (10%) ─┬─ 2 (8%) ─┬─ 4 (6%) ── 7 (5%)
 *          │          └─ 5 (7%)
 *          └─ 3 (9%) ─┬─ 6 (2%)
 *                     └─ 9 (placeholder, 95%)
 * 8 (placeholder root)   10 (3%, root) ── 11 (1%)
 */
const tree: TreeNode[] = [
  { id: '1', parent: null, ratePpm: 100_000 },
  { id: '2', parent: '1', ratePpm: 80_000 },
  { id: '3', parent: '1', ratePpm: 90_000 },
  { id: '4', parent: '2', ratePpm: 60_000 },
  { id: '5', parent: '2', ratePpm: 70_000 },
  { id: '6', parent: '3', ratePpm: 20_000 },
  { id: '7', parent: '4', ratePpm: 50_000 },
  { id: '8', parent: null, ratePpm: 0, placeholder: true },
  { id: '9', parent: '3', ratePpm: 950_000, placeholder: true },
  { id: '10', parent: null, ratePpm: 30_000 },
  { id: '11', parent: '10', ratePpm: 10_000 },
];

function refusedWith<T>(result: Result<T>, code: RefusalCode): string {
  assert.ok(!result.ok, `expected ${code}, got acceptance`);
  assert.equal(result.code, code, result.message);
  return result.message;
}

function accepted<T>(result: Result<T>): T {
  assert.ok(result.ok, result.ok ? '' : `refused: ${result.code} ${result.message}`);
  return result.value;
}

async function snapshot(database: SqlDatabase): Promise<unknown> {
  const users = await database.db.selectFrom('users').selectAll().orderBy('user_id').execute();
  const state = await database.db.selectFrom('scheduler_state').selectAll().orderBy('name').execute();
  return JSON.stringify({ users, state }, (_key, value: unknown) =>
    typeof value === 'bigint' ? value.toString() : value,
  );
}

async function userOf(
  database: SqlDatabase,
  userId: string,
): Promise<{ parentId: string | null; ratePpm: number; depth: number; directCount: number }> {
  const row = await database.db
    .selectFrom('users')
    .selectAll()
    .where('user_id', '=', BigInt(userId))
    .executeTakeFirstOrThrow();
  return {
    parentId: row.parent_id === null ? null : String(row.parent_id),
    ratePpm: toNumber(row.rebate_rate_ppm),
    depth: toNumber(row.depth),
    directCount: toNumber(row.direct_count),
  };
}

function agentUseCases(name: string, open: () => Promise<Harness>): void {
  describe(`agent commands: ${name}`, () => {
    let harness: Harness;
    let deps: AgentCommandDeps;
    let database: SqlDatabase;

    before(async () => {
      harness = await open();
      database = harness.database;
      await migrate(database, nowMs);
      await insertTree(database, tree, nowMs);
      deps = { transaction: createAgentTreeTransaction(database), clock: { nowMs: () => nowMs + 1 } };
    });

    after(async () => {
      await harness.cleanup();
    });

    test('a rate change of an unknown user is refused with user_unknown', async () => {
      refusedWith(await changeRebateRate(deps, { userId: '999', ratePpm: 1, actor: 'ops' }), 'user_unknown');
    });

    test('a rate above the parent is refused naming the pair and both rates, and changes nothing', async () => {
      const before = await snapshot(database);
      const message = refusedWith(
        await changeRebateRate(deps, { userId: '4', ratePpm: 80_001, actor: 'ops' }),
        'rate_above_parent',
      );
      assert.match(message, /user 4\b/);
      assert.match(message, /parent 2\b/);
      assert.match(message, /0\.080001/);
      assert.match(message, /0\.08\b/);
      assert.equal(await snapshot(database), before);
    });

    test('a rate below the highest child is refused naming the child, and changes nothing', async () => {
      const before = await snapshot(database);
      const message = refusedWith(
        await changeRebateRate(deps, { userId: '2', ratePpm: 69_999, actor: 'ops' }),
        'rate_below_child',
      );
      assert.match(message, /user 2\b/);
      assert.match(message, /child 5\b/);
      assert.equal(await snapshot(database), before);
    });

    test('an accepted rate change writes the rate only; a placeholder child or parent constrains nothing', async () => {
      const change = accepted(await changeRebateRate(deps, { userId: '3', ratePpm: 20_000, actor: 'ops' }));
      assert.deepEqual(change, {
        userId: '3',
        parentId: '1',
        fromRatePpm: 90_000,
        toRatePpm: 20_000,
        changed: true,
        actor: 'ops',
        atMs: nowMs + 1,
      });
      assert.equal((await userOf(database, '3')).ratePpm, 20_000, 'placeholder child 9 at 95% did not block');
      const unchanged = accepted(await changeRebateRate(deps, { userId: '3', ratePpm: 20_000, actor: 'ops' }));
      assert.equal(unchanged.changed, false);
      accepted(await changeRebateRate(deps, { userId: '3', ratePpm: 90_000, actor: 'ops' }));
      await insertTree(database, [{ id: '12', parent: '8', ratePpm: 500_000 }], nowMs);
      accepted(await changeRebateRate(deps, { userId: '12', ratePpm: 990_000, actor: 'ops' }));
      assert.equal((await userOf(database, '12')).ratePpm, 990_000, 'placeholder parent 8 did not block');
    });

    test('a move of an unknown user or under an unknown parent is refused', async () => {
      refusedWith(
        await moveAgent(deps, { userId: '999', newParentId: '1', actor: 'ops', reason: null }),
        'user_unknown',
      );
      const before = await snapshot(database);
      const unknownParent = await moveAgent(deps, { userId: '7', newParentId: '999', actor: 'ops', reason: null });
      refusedWith(unknownParent, 'parent_unknown');
      assert.equal(!unknownParent.ok && unknownParent.path, '/parentId');
      assert.equal(await snapshot(database), before);
    });

    test('a move under itself or into its own downline is a cycle, and changes nothing', async () => {
      const before = await snapshot(database);
      refusedWith(await moveAgent(deps, { userId: '2', newParentId: '2', actor: 'ops', reason: null }), 'move_cycle');
      const message = refusedWith(
        await moveAgent(deps, { userId: '2', newParentId: '7', actor: 'ops', reason: null }),
        'move_cycle',
      );
      assert.match(message, /under 7/);
      refusedWith(await moveAgent(deps, { userId: '1', newParentId: '4', actor: 'ops', reason: null }), 'move_cycle');
      assert.equal(await snapshot(database), before, 'neither users nor the move lock row changed');
    });

    test('a move under a parent with a lower rate is refused naming the pair, and changes nothing', async () => {
      const before = await snapshot(database);
      const message = refusedWith(
        await moveAgent(deps, { userId: '4', newParentId: '10', actor: 'ops', reason: null }),
        'rate_above_parent',
      );
      assert.match(message, /user 4\b/);
      assert.match(message, /parent 10\b/);
      assert.equal(await snapshot(database), before);
    });

    test('an accepted move rewrites the parent, both direct counts and the depth of the whole subtree', async () => {
      const move = accepted(
        await moveAgent(deps, { userId: '2', newParentId: '3', actor: 'ops', reason: 'restructure' }),
      );
      assert.deepEqual(move, {
        userId: '2',
        fromParentId: '1',
        toParentId: '3',
        depthBefore: 1,
        depthAfter: 2,
        depthsShifted: 4,
        changed: true,
        actor: 'ops',
        reason: 'restructure',
        atMs: nowMs + 1,
      });
      assert.deepEqual(await userOf(database, '2'), { parentId: '3', ratePpm: 80_000, depth: 2, directCount: 2 });
      assert.equal((await userOf(database, '1')).directCount, 1);
      assert.equal((await userOf(database, '3')).directCount, 3);
      assert.deepEqual(
        [(await userOf(database, '4')).depth, (await userOf(database, '5')).depth, (await userOf(database, '7')).depth],
        [3, 3, 4],
      );
      assert.equal((await userOf(database, '6')).depth, 2, 'outside the subtree');

      const again = accepted(await moveAgent(deps, { userId: '2', newParentId: '3', actor: 'ops', reason: null }));
      assert.equal(again.changed, false);
      assert.equal(again.depthsShifted, 0);

      const toRoot = accepted(await moveAgent(deps, { userId: '2', newParentId: null, actor: 'ops', reason: null }));
      assert.equal(toRoot.depthAfter, 0);
      assert.equal((await userOf(database, '7')).depth, 2);
      assert.equal((await userOf(database, '3')).directCount, 2);
      const back = accepted(await moveAgent(deps, { userId: '2', newParentId: '1', actor: 'ops', reason: null }));
      assert.equal(back.depthsShifted, 4);
      assert.deepEqual(await userOf(database, '7'), { parentId: '4', ratePpm: 50_000, depth: 3, directCount: 0 });
      assert.equal((await userOf(database, '1')).directCount, 2);

      const underPlaceholder = accepted(
        await moveAgent(deps, { userId: '11', newParentId: '8', actor: 'ops', reason: null }),
      );
      assert.equal(underPlaceholder.depthAfter, 1);
    });

    test('two concurrent moves that would make a cycle together cannot both succeed', async () => {
      // 40 ── 41 ── 42            41 under 54 is fine alone, so is 53 under 42; together they
      // 50 ── 51 ── 52 ── 53 ── 54   close 41 → 54 → 53 → 42 → 41. The two moves lock no user in
      // common, and the second leaves every depth as it is (no subtree update to collide on),
      // so only the move lock keeps the second from deciding on a tree the first is changing.
      await insertTree(
        database,
        [
          { id: '40', parent: null, ratePpm: 500_000 },
          { id: '41', parent: '40', ratePpm: 400_000 },
          { id: '42', parent: '41', ratePpm: 400_000 },
          { id: '50', parent: null, ratePpm: 500_000 },
          { id: '51', parent: '50', ratePpm: 400_000 },
          { id: '52', parent: '51', ratePpm: 400_000 },
          { id: '53', parent: '52', ratePpm: 400_000 },
          { id: '54', parent: '53', ratePpm: 400_000 },
        ],
        nowMs,
      );
      const reader = createAgentTreeRepository(database, database.db);
      for (let round = 0; round < 10; round += 1) {
        const [first, second] = await Promise.all([
          moveAgent(deps, { userId: '41', newParentId: '54', actor: 'a', reason: null }),
          moveAgent(deps, { userId: '53', newParentId: '42', actor: 'b', reason: null }),
        ]);
        assert.equal([first, second].filter((result) => result.ok).length, 1, `round ${round}: exactly one wins`);
        refusedWith(first.ok ? second : first, 'move_cycle');
        const [rootId, bottomId] = first.ok ? ['50', '42'] : ['40', '54'];
        assert.equal(await reader.isAncestor(rootId, bottomId), true, 'the tree is still rooted, without a cycle');
        accepted(await moveAgent(deps, { userId: '41', newParentId: '40', actor: 'reset', reason: null }));
        accepted(await moveAgent(deps, { userId: '53', newParentId: '52', actor: 'reset', reason: null }));
      }
    });

    test('moving the middle of a 100k-deep chain to the root shifts 50,000 depths in one transaction', async () => {
      const firstId = 7_000_000_000n;
      const length = 100_000;
      await insertTree(database, chainNodes(firstId, length, 900_000), nowMs);
      const middleId = (firstId + BigInt(length / 2)).toString();
      const { result, elapsedMs } = await timed(() =>
        moveAgent(deps, { userId: middleId, newParentId: null, actor: 'ops', reason: 'split' }),
      );
      console.log(`[${name}] move of the middle of a ${length}-deep chain: ${elapsedMs} ms`);
      const move = accepted(result);
      assert.equal(move.depthsShifted, length / 2);
      assert.equal(move.depthBefore, length / 2);
      assert.equal(move.depthAfter, 0);
      assert.equal((await userOf(database, (firstId + BigInt(length - 1)).toString())).depth, length / 2 - 1);
      assert.equal((await userOf(database, (firstId + BigInt(length / 2 - 1)).toString())).directCount, 0);
      const cycle = await timed(() =>
        moveAgent(deps, {
          userId: middleId,
          newParentId: (firstId + BigInt(length - 1)).toString(),
          actor: 'ops',
          reason: null,
        }),
      );
      console.log(`[${name}] refused move under the bottom of a 50k-deep subtree: ${cycle.elapsedMs} ms`);
      refusedWith(cycle.result, 'move_cycle');
    });
  });
}

agentUseCases('sqlite', () => openDatabaseHarness('sqlite', 'agent_commands'));

agentUseCases('mysql', () => openDatabaseHarness('mysql', 'agent_commands'));
