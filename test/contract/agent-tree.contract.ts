// AgentTreeRepository contract: the behaviour every adapter (MariaDB/MySQL, SQLite) must show.
// It proves upline pages list every ancestor once, nearest first, for every page size;
// downline pages list every descendant within the asked depth once, in (level, id) order, for
// every page size, on a hand-drawn tree and on a generated tree of fans and chains checked
// against an in-memory breadth-first walk; isAncestor is strict and follows the whole path;
// shiftSubtreeDepth moves exactly the subtree; teamStats counts the team and sums its
// turnover; childrenRateMax ignores placeholders; the lock and write helpers work in a
// transaction. On a 100k-deep chain built by one bulk insert it proves that the upline of
// the deepest node pages through all 99,999 ancestors, the downline of the root reaches the
// bottom, isAncestor(root, deepest) holds, teamStats sees the whole chain, and a subtree
// shift from the middle changes 50,000 depths, each within the time logged.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import type {
  AgentTreeRepository,
  DescendantRow,
  DownlineCursor,
  UplineCursor,
} from '../../src/app/ports/agent-tree.ts';
import { downlineAnchorIdsMax } from '../../src/app/ports/agent-tree.ts';
import { createAgentTreeRepository, createAgentTreeTransaction } from '../../src/adapters/sql/agent-tree-repository.ts';
import { insertRows, type SqlDatabase } from '../../src/adapters/sql/database.ts';
import { migrate } from '../../src/adapters/sql/migrate.ts';
import { toNumber } from '../../src/adapters/sql/row-values.ts';

export interface AgentTreeHarness {
  readonly database: SqlDatabase;
  cleanup(): Promise<void>;
}

// ---------------------------------------------------------------------------------------
// Fixtures, shared with test/int/agent-use-cases.test.ts and test/int/agents-api.test.ts.

export interface TreeNode {
  readonly id: string;
  readonly parent: string | null;
  readonly ratePpm?: number;
  readonly placeholder?: boolean;
}

const userColumns =
  'user_id, parent_id, rebate_rate_ppm, placeholder, registered_at_ms, tags, depth, direct_count, created_at_ms, updated_at_ms';
const rowsPerInsert = 5_000;

/** A literal for a generated number: only integers reach SQL text this way, never strings. */
function integerLiteral(value: bigint | number | null): string {
  if (value === null) return 'NULL';
  assert.ok(typeof value === 'bigint' || Number.isSafeInteger(value), `fixture value ${String(value)} is an integer`);
  return String(value);
}

/**
 * Inserts `nodes` (parents before children) with depth and direct_count as ingest keeps them,
 * in multi-row INSERTs of 5,000 rows. The values are integers rendered as literals: binding
 * a million parameters one by one made the 100k chain take 4 s to build instead of 0.7 s.
 */
export async function insertTree(database: SqlDatabase, nodes: readonly TreeNode[], nowMs: number): Promise<void> {
  const depthOf = new Map<string, number>();
  const directCount = new Map<string, number>();
  for (const node of nodes) {
    depthOf.set(node.id, node.parent === null ? 0 : (depthOf.get(node.parent) ?? 0) + 1);
    if (node.parent !== null) directCount.set(node.parent, (directCount.get(node.parent) ?? 0) + 1);
  }
  const tuples = nodes.map((node) =>
    [
      BigInt(node.id),
      node.parent === null ? null : BigInt(node.parent),
      node.ratePpm ?? 0,
      node.placeholder === true ? 1 : 0,
      node.placeholder === true ? null : nowMs,
      null,
      depthOf.get(node.id) ?? 0,
      directCount.get(node.id) ?? 0,
      nowMs,
      nowMs,
    ]
      .map(integerLiteral)
      .join(', '),
  );
  for (let start = 0; start < tuples.length; start += rowsPerInsert) {
    const values = tuples.slice(start, start + rowsPerInsert).join('), (');
    await sql.raw(`insert into users (${userColumns}) values (${values})`).execute(database.db);
  }
}

/** firstId, firstId + 1, ... each the child of the one before; rates fall by 1 ppm per level. */
export function chainNodes(firstId: bigint, length: number, topRatePpm = 900_000): TreeNode[] {
  const nodes: TreeNode[] = [];
  for (let index = 0; index < length; index += 1) {
    nodes.push({
      id: (firstId + BigInt(index)).toString(),
      parent: index === 0 ? null : (firstId + BigInt(index - 1)).toString(),
      ratePpm: Math.max(0, topRatePpm - index),
    });
  }
  return nodes;
}

export async function timed<T>(work: () => Promise<T>): Promise<{ result: T; elapsedMs: number }> {
  const startedMs = performance.now();
  const result = await work();
  return { result, elapsedMs: Math.round(performance.now() - startedMs) };
}

// ---------------------------------------------------------------------------------------

const nowMs = 1_764_000_000_000;
const byId = (left: string, right: string): number =>
  BigInt(left) < BigInt(right) ? -1 : BigInt(left) > BigInt(right) ? 1 : 0;

/** Reference downline: breadth-first with an explicit queue, then (level, id) order. */
function referenceDownline(
  nodes: readonly TreeNode[],
  rootId: string,
  maxDepth: number,
): { userId: string; level: number }[] {
  const children = new Map<string, string[]>();
  for (const node of nodes)
    if (node.parent !== null) children.set(node.parent, [...(children.get(node.parent) ?? []), node.id]);
  const found: { userId: string; level: number }[] = [];
  const queue: { userId: string; level: number }[] = [{ userId: rootId, level: 0 }];
  for (let head = 0; head < queue.length; head += 1) {
    const { userId, level } = queue[head]!;
    if (level > 0) found.push({ userId, level });
    if (level === maxDepth) continue;
    for (const child of children.get(userId) ?? []) queue.push({ userId: child, level: level + 1 });
  }
  return found.sort((left, right) => left.level - right.level || byId(left.userId, right.userId));
}

async function allUpline(
  tree: AgentTreeRepository,
  userId: string,
  limit: number,
  pagesMax: number,
): Promise<{ ids: string[]; distances: number[]; pages: number }> {
  const ids: string[] = [];
  const distances: number[] = [];
  let cursor: UplineCursor | null = null;
  for (let pages = 1; pages <= pagesMax; pages += 1) {
    const page = await tree.uplinePage(userId, cursor, limit);
    assert.ok(page !== null, `upline of ${userId} exists`);
    assert.ok(page.items.length <= limit);
    for (const item of page.items) {
      ids.push(item.userId);
      distances.push(item.distance);
    }
    if (page.next === null) return { ids, distances, pages };
    cursor = page.next;
  }
  assert.fail(`upline of ${userId} did not end within ${pagesMax} pages`);
}

async function allDownline(
  tree: AgentTreeRepository,
  userId: string,
  maxDepth: number,
  limit: number,
  pagesMax: number,
): Promise<{ rows: DescendantRow[]; pages: number; anchorLevels: number[] }> {
  const rows: DescendantRow[] = [];
  const anchorLevels: number[] = [];
  let cursor: DownlineCursor | null = null;
  for (let pages = 1; pages <= pagesMax; pages += 1) {
    const page = await tree.downlinePage(userId, { maxDepth, cursor, limit });
    assert.ok(page !== null, `downline of ${userId} exists`);
    assert.ok(page.items.length <= limit);
    rows.push(...page.items);
    if (page.next === null) return { rows, pages, anchorLevels };
    assert.ok(page.next.anchorIds.length >= 1 && page.next.anchorIds.length <= downlineAnchorIdsMax);
    assert.ok(page.next.anchorLevel <= page.next.level);
    anchorLevels.push(page.next.anchorLevel);
    cursor = page.next;
  }
  assert.fail(`downline of ${userId} did not end within ${pagesMax} pages`);
}

/**
 * 1 (10%) ── 2 (8%) ── 4 (6%) ── 7 (5%)
 *          │         └ 5 (7%)
 *          └ 3 (9%) ── 6 (0%)
 *                    └ 9 (placeholder, moved here)
 * 8 (placeholder root)
 */
const smallTree: TreeNode[] = [
  { id: '1', parent: null, ratePpm: 100_000 },
  { id: '2', parent: '1', ratePpm: 80_000 },
  { id: '3', parent: '1', ratePpm: 90_000 },
  { id: '4', parent: '2', ratePpm: 60_000 },
  { id: '5', parent: '2', ratePpm: 70_000 },
  { id: '6', parent: '3', ratePpm: 0 },
  { id: '7', parent: '4', ratePpm: 50_000 },
  { id: '8', parent: null, ratePpm: 0, placeholder: true },
  { id: '9', parent: '3', ratePpm: 950_000, placeholder: true },
];

/**
 * A tree of fans and chains from a fixed-seed generator: wide levels (more than the anchor
 * limit), long narrow runs, and mixtures, so pages start inside levels, across levels and
 * after anchors of every kind.
 */
function generatedTree(firstId: number, size: number, seed: number): TreeNode[] {
  let state = seed >>> 0;
  const random = (): number => {
    state = (Math.imul(state, 1_664_525) + 1_013_904_223) >>> 0;
    return state / 2 ** 32;
  };
  const nodes: TreeNode[] = [{ id: String(firstId), parent: null }];
  for (let index = 1; index < size; index += 1) {
    const roll = random();
    // Mostly extend the newest node (chains), sometimes fan out from a recent or an old one.
    const parentIndex =
      roll < 0.55
        ? index - 1
        : roll < 0.85
          ? Math.max(0, index - 1 - Math.floor(random() * 8))
          : Math.floor(random() * index);
    nodes.push({ id: String(firstId + index), parent: String(firstId + parentIndex) });
  }
  return nodes;
}

const chainLength = 100_000;
const chainFirstId = 5_000_000_000n;
const chainLastId = chainFirstId + BigInt(chainLength - 1);
const chainMiddleId = chainFirstId + BigInt(chainLength / 2);

export function agentTreeContract(name: string, open: () => Promise<AgentTreeHarness>): void {
  describe(`AgentTreeRepository contract: ${name}`, () => {
    let harness: AgentTreeHarness;
    let tree: AgentTreeRepository;

    before(async () => {
      harness = await open();
      await migrate(harness.database, nowMs);
      tree = createAgentTreeRepository(harness.database, harness.database.db);
      await insertTree(harness.database, smallTree, nowMs);
    });

    after(async () => {
      await harness.cleanup();
    });

    test('upline lists ancestors nearest first with distance, depth and rate, for every page size', async () => {
      const first = await tree.uplinePage('7', null, 10);
      assert.deepEqual(first, {
        items: [
          { userId: '4', parentId: '2', distance: 1, depth: 2, rebateRatePpm: 60_000, placeholder: false },
          { userId: '2', parentId: '1', distance: 2, depth: 1, rebateRatePpm: 80_000, placeholder: false },
          { userId: '1', parentId: null, distance: 3, depth: 0, rebateRatePpm: 100_000, placeholder: false },
        ],
        next: null,
      });
      for (const limit of [1, 2, 3, 4]) {
        const walked = await allUpline(tree, '7', limit, 10);
        assert.deepEqual(walked.ids, ['4', '2', '1'], `limit ${limit}`);
        assert.deepEqual(walked.distances, [1, 2, 3], `limit ${limit}`);
        assert.equal(walked.pages, Math.ceil(3 / limit), `no empty trailing page at limit ${limit}`);
      }
    });

    test('upline of a root is empty and of an unknown user is null', async () => {
      assert.deepEqual(await tree.uplinePage('1', null, 5), { items: [], next: null });
      assert.deepEqual(await tree.uplinePage('8', null, 5), { items: [], next: null });
      assert.equal(await tree.uplinePage('999999', null, 5), null);
    });

    test('downline lists descendants in (level, id) order within the asked depth, for every page size', async () => {
      const full = await tree.downlinePage('1', { maxDepth: 10, cursor: null, limit: 100 });
      assert.deepEqual(
        full?.items.map((row) => [row.userId, row.parentId, row.level, row.depth]),
        [
          ['2', '1', 1, 1],
          ['3', '1', 1, 1],
          ['4', '2', 2, 2],
          ['5', '2', 2, 2],
          ['6', '3', 2, 2],
          ['9', '3', 2, 2],
          ['7', '4', 3, 3],
        ],
      );
      assert.equal(full?.next, null);
      const direct = await tree.downlinePage('1', { maxDepth: 1, cursor: null, limit: 100 });
      assert.deepEqual(
        direct?.items.map((row) => row.userId),
        ['2', '3'],
      );
      assert.deepEqual(
        direct?.items.map((row) => [row.rebateRatePpm, row.directCount, row.placeholder]),
        [
          [80_000, 2, false],
          [90_000, 2, false],
        ],
      );
      for (const maxDepth of [1, 2, 3, 4]) {
        const expected = referenceDownline(smallTree, '1', maxDepth).map((row) => row.userId);
        for (const limit of [1, 2, 3, 6, 7, 8]) {
          const walked = await allDownline(tree, '1', maxDepth, limit, 20);
          assert.deepEqual(
            walked.rows.map((row) => row.userId),
            expected,
            `depth ${maxDepth}, limit ${limit}`,
          );
        }
      }
    });

    test('downline of a leaf is empty and of an unknown user is null', async () => {
      assert.deepEqual(await tree.downlinePage('7', { maxDepth: 5, cursor: null, limit: 10 }), {
        items: [],
        next: null,
      });
      assert.equal(await tree.downlinePage('999999', { maxDepth: 5, cursor: null, limit: 10 }), null);
    });

    test('downline pages of a generated tree of fans and chains match a breadth-first walk (every root, depth and page size)', async () => {
      const nodes = generatedTree(100_000, 400, 7);
      await insertTree(harness.database, nodes, nowMs);
      const roots = ['100000', '100001', '100017', '100123', '100250'];
      for (const rootId of roots) {
        for (const maxDepth of [1, 3, 1_000_000]) {
          const expected = referenceDownline(nodes, rootId, maxDepth);
          for (const limit of [1, 3, 64, 1000]) {
            const walked = await allDownline(tree, rootId, maxDepth, limit, 1_000);
            assert.deepEqual(
              walked.rows.map((row) => ({ userId: row.userId, level: row.level })),
              expected,
              `root ${rootId}, depth ${maxDepth}, limit ${limit}`,
            );
          }
        }
      }
    });

    test('isAncestor is true for every strict ancestor only', async () => {
      assert.equal(await tree.isAncestor('1', '7'), true);
      assert.equal(await tree.isAncestor('4', '7'), true);
      assert.equal(await tree.isAncestor('7', '1'), false);
      assert.equal(await tree.isAncestor('7', '7'), false, 'strict');
      assert.equal(await tree.isAncestor('3', '7'), false, 'a sibling branch');
      assert.equal(await tree.isAncestor('8', '7'), false, 'another tree');
      assert.equal(await tree.isAncestor('999999', '7'), false);
      assert.equal(await tree.isAncestor('1', '999999'), false);
    });

    test('shiftSubtreeDepth changes the subtree root and every descendant, nothing else', async () => {
      const depthsBefore = await depths(harness.database, ['1', '2', '3', '4', '5', '6', '7', '8', '9']);
      assert.equal(await tree.shiftSubtreeDepth('2', 5, nowMs + 1), 4);
      const shifted = await depths(harness.database, ['1', '2', '3', '4', '5', '6', '7', '8', '9']);
      assert.deepEqual(shifted, { ...depthsBefore, '2': 6, '4': 7, '5': 7, '7': 8 });
      assert.equal(await tree.shiftSubtreeDepth('2', -5, nowMs + 2), 4);
      assert.deepEqual(await depths(harness.database, ['1', '2', '3', '4', '5', '6', '7', '8', '9']), depthsBefore);
      assert.equal(await tree.shiftSubtreeDepth('2', 0, nowMs + 3), 0);
      assert.equal(await tree.shiftSubtreeDepth('999999', 3, nowMs + 3), 0);
    });

    test('teamStats counts descendants, direct children, depth and team turnover (own included, 0 without totals)', async () => {
      await insertRows(
        harness.database,
        harness.database.db,
        'user_totals',
        ['user_id', 'turnover_minor', 'bet_count'],
        [
          [1n, 10_000n, 1],
          [4n, 9_007_199_254_740_993n, 3],
          [7n, 5n, 1],
          [8n, 77n, 1],
        ],
        '',
      );
      assert.deepEqual(await tree.teamStats('1'), {
        teamSize: 7,
        directCount: 2,
        maxRelativeDepth: 3,
        teamTurnoverLifetimeMinor: 9_007_199_254_750_998n,
      });
      assert.deepEqual(await tree.teamStats('2'), {
        teamSize: 3,
        directCount: 2,
        maxRelativeDepth: 2,
        teamTurnoverLifetimeMinor: 9_007_199_254_740_998n,
      });
      assert.deepEqual(await tree.teamStats('6'), {
        teamSize: 0,
        directCount: 0,
        maxRelativeDepth: 0,
        teamTurnoverLifetimeMinor: 0n,
      });
      assert.equal(await tree.teamStats('999999'), null);
    });

    test('childrenRateMax is the highest non-placeholder child rate, null without children', async () => {
      assert.deepEqual(await tree.childrenRateMax('1'), { childId: '3', ratePpm: 90_000 });
      assert.deepEqual(
        await tree.childrenRateMax('3'),
        { childId: '6', ratePpm: 0 },
        'placeholder 9 at 95% is ignored',
      );
      assert.equal(await tree.childrenRateMax('7'), null);
    });

    test('locks and writes work inside a transaction and roll back with it', async () => {
      const transaction = createAgentTreeTransaction(harness.database);
      const locked = await transaction(async (inTransaction) => {
        await inTransaction.lockTreeMoves(nowMs);
        await inTransaction.lockTreeMoves(nowMs + 1);
        return inTransaction.lockUsers(['5', '2', '5', '999999']);
      });
      assert.deepEqual([...locked.keys()].sort(), ['2', '5']);
      assert.equal(locked.get('5')?.rebateRatePpm, 70_000);
      await assert.rejects(
        transaction(async (inTransaction) => {
          await inTransaction.setRebateRate('5', 1, nowMs);
          await inTransaction.setParent('5', '3', nowMs);
          await inTransaction.addDirectCount('3', 1, nowMs);
          throw new Error('roll back');
        }),
        /roll back/,
      );
      const after = await tree.lockUsers(['5', '3']);
      assert.equal(after.get('5')?.rebateRatePpm, 70_000);
      assert.equal(after.get('5')?.parentId, '2');
      assert.equal(after.get('3')?.directCount, 2);
      await transaction(async (inTransaction) => {
        await inTransaction.setRebateRate('5', 65_000, nowMs);
        await inTransaction.addDirectCount('2', -1, nowMs);
        await inTransaction.addDirectCount('2', 1, nowMs);
      });
      assert.equal((await tree.lockUsers(['5'])).get('5')?.rebateRatePpm, 65_000);
      assert.equal((await tree.lockUsers(['2'])).get('2')?.directCount, 2);
    });

    describe('a 100k-deep chain', () => {
      before(async () => {
        const { elapsedMs } = await timed(() =>
          insertTree(harness.database, chainNodes(chainFirstId, chainLength), nowMs),
        );
        console.log(`[${name}] bulk insert of a ${chainLength}-deep chain: ${elapsedMs} ms`);
      });

      test('the upline of the deepest node pages through all 99,999 ancestors in order', async () => {
        const { result, elapsedMs } = await timed(() => allUpline(tree, chainLastId.toString(), 1000, 200));
        console.log(`[${name}] upline of the deepest node, ${result.pages} pages of 1000: ${elapsedMs} ms`);
        assert.equal(result.ids.length, chainLength - 1);
        assert.equal(result.pages, 100);
        for (let index = 0; index < result.ids.length; index += 1) {
          assert.equal(result.ids[index], (chainLastId - BigInt(index + 1)).toString());
          assert.equal(result.distances[index], index + 1);
        }
      });

      test('the downline of the root reaches the bottom in order', async () => {
        const { result, elapsedMs } = await timed(() =>
          allDownline(tree, chainFirstId.toString(), 1_000_000_000, 1000, 200),
        );
        console.log(`[${name}] downline of the root, ${result.pages} pages of 1000: ${elapsedMs} ms`);
        assert.equal(result.rows.length, chainLength - 1);
        for (let index = 0; index < result.rows.length; index += 1) {
          const row = result.rows[index]!;
          assert.equal(row.userId, (chainFirstId + BigInt(index + 1)).toString());
          assert.equal(row.level, index + 1);
        }
        // The anchor follows the pages down, so no page walks from the top.
        assert.deepEqual(result.anchorLevels.slice(0, 3), [1000, 2000, 3000]);
      });

      test('isAncestor(root, deepest) holds after one walk up the whole chain', async () => {
        const { result, elapsedMs } = await timed(() =>
          tree.isAncestor(chainFirstId.toString(), chainLastId.toString()),
        );
        console.log(`[${name}] isAncestor(root, deepest): ${elapsedMs} ms`);
        assert.equal(result, true);
        assert.equal(await tree.isAncestor(chainLastId.toString(), chainFirstId.toString()), false);
      });

      test('teamStats of the root sees the whole chain', async () => {
        const { result, elapsedMs } = await timed(() => tree.teamStats(chainFirstId.toString()));
        console.log(`[${name}] teamStats of the root: ${elapsedMs} ms`);
        assert.deepEqual(result, {
          teamSize: chainLength - 1,
          directCount: 1,
          maxRelativeDepth: chainLength - 1,
          teamTurnoverLifetimeMinor: 0n,
        });
      });

      test('shifting the subtree of the middle node changes 50,000 depths in one statement', async () => {
        const { result, elapsedMs } = await timed(() =>
          tree.shiftSubtreeDepth(chainMiddleId.toString(), -7, nowMs + 10),
        );
        console.log(`[${name}] shiftSubtreeDepth of the middle node: ${elapsedMs} ms`);
        assert.equal(result, chainLength / 2);
        const counts = await harness.database.db
          .selectFrom('users')
          .select((eb) => [eb.fn.countAll().as('rows')])
          .where('user_id', '>=', chainFirstId)
          .where('user_id', '<=', chainLastId)
          .where((eb) => eb('depth', '=', eb(eb('user_id', '-', chainFirstId), '-', 7)))
          .executeTakeFirstOrThrow();
        assert.equal(toNumber(counts.rows), chainLength / 2, 'exactly the lower half moved up by 7');
        const deepest = await tree.uplinePage(chainLastId.toString(), null, 1);
        assert.equal(deepest?.items[0]?.depth, chainLength - 2 - 7);
      });
    });
  });
}

async function depths(database: SqlDatabase, userIds: readonly string[]): Promise<Record<string, number>> {
  const rows = await database.db
    .selectFrom('users')
    .select(['user_id', 'depth'])
    .where('user_id', 'in', userIds.map(BigInt))
    .execute();
  const result: Record<string, number> = {};
  for (const row of rows) result[String(row.user_id)] = toNumber(row.depth);
  return result;
}
