// The agent tree over the users table's parent pointers, one implementation for MySQL/MariaDB
// and SQLite. Every walk is a single WITH RECURSIVE statement, so a call costs the same
// number of round trips at depth 3 and at depth 100,000; see recursive-sql.ts for the
// per-dialect recursion limits.
//
// Paging without re-walking from the top:
//   - upline: the cursor carries the last ancestor returned and its distance; the next page's
//     walk starts there and stops after `limit` steps. A page costs O(limit) lookups, and
//     paging through a 100k upline costs O(100k) in total.
//   - downline: pages follow (level, userId). A level can only be ordered once all of it is
//     known, so a page must walk from a complete level above it. The cursor carries such a
//     level (the "anchor": the deepest complete level seen with at most
//     downlineAnchorIdsMax ids), and the walk stops `limit + 1` levels below the cursor's
//     level, since each level adds at least one row. In a narrow tree (a chain) the anchor
//     follows the pages down, and paging through 100k levels costs O(100k) in total. In a
//     wide tree a page walks from the anchor to its own level: ordering a level by id needs
//     all of that level.
//   A tree changed between pages (a move) shows on later pages; each page is exact for the
//   tree it was read from.
import { sql } from 'kysely';
import type {
  AgentTreeRepository,
  AgentTreeTransaction,
  AncestorRow,
  DescendantRow,
  DownlineCursor,
  DownlineQuery,
  HighestChildRate,
  TeamStats,
  TreePage,
  UplineCursor,
} from '../../app/ports/agent-tree.ts';
import { downlineAnchorIdsMax } from '../../app/ports/agent-tree.ts';
import type { UserRow } from '../../app/ports/store.ts';
import { invariant } from '../../domain/assert.ts';
import type { UserId } from '../../domain/ids.ts';
import { insertRows, type Executor, type SqlDatabase } from './database.ts';
import { recursiveSqlOf, shiftSubtreeDepthStatement } from './recursive-sql.ts';
import { toExact, toId, toNullableId, toNumber } from './row-values.ts';
import { userFromRow } from './users-repository.ts';

type IntegerValue = string | number | bigint;

interface WalkedRow {
  user_id: IntegerValue;
  parent_id: IntegerValue | null;
  rebate_rate_ppm: IntegerValue;
  placeholder: IntegerValue;
  depth: IntegerValue;
  direct_count: IntegerValue;
  walk_level: IntegerValue;
}

/** Row name in scheduler_state whose row lock serialises tree moves. */
const treeMovesLockName = 'agent_tree.moves';

/** Ids are bound as bigint so neither driver compares them through a double. */
const idValue = (userId: UserId): bigint => BigInt(userId);

function ancestorFromRow(row: WalkedRow): AncestorRow {
  return {
    userId: toId(row.user_id),
    parentId: toNullableId(row.parent_id),
    distance: toNumber(row.walk_level),
    depth: toNumber(row.depth),
    rebateRatePpm: toNumber(row.rebate_rate_ppm),
    placeholder: toNumber(row.placeholder) === 1,
  };
}

function descendantFromRow(row: WalkedRow): DescendantRow {
  const parentId = toNullableId(row.parent_id);
  invariant(parentId !== null, `descendant ${toId(row.user_id)} was reached through a parent but has none`);
  return {
    userId: toId(row.user_id),
    parentId,
    level: toNumber(row.walk_level),
    depth: toNumber(row.depth),
    rebateRatePpm: toNumber(row.rebate_rate_ppm),
    placeholder: toNumber(row.placeholder) === 1,
    directCount: toNumber(row.direct_count),
  };
}

/**
 * The anchor for the page after `items`: the deepest level that this page holds completely
 * and that is small enough to carry, else the current one. Levels strictly between the
 * cursor's level and the last row's are complete; the last row's level is too when the
 * row after the page (`peekLevel`) is deeper.
 */
function nextAnchor(
  current: { level: number; ids: readonly UserId[] },
  cursorLevel: number,
  items: readonly DescendantRow[],
  peekLevel: number,
): { level: number; ids: UserId[] } {
  const last = items[items.length - 1];
  invariant(last !== undefined, 'a page with a next cursor has rows');
  const completeLevelMax = peekLevel > last.level ? last.level : last.level - 1;
  const idsByLevel = new Map<number, UserId[]>();
  for (const item of items) {
    if (item.level <= cursorLevel || item.level > completeLevelMax) continue;
    const ids = idsByLevel.get(item.level) ?? [];
    ids.push(item.userId);
    idsByLevel.set(item.level, ids);
  }
  for (let level = completeLevelMax; level > cursorLevel; level -= 1) {
    const ids = idsByLevel.get(level);
    if (ids !== undefined && ids.length <= downlineAnchorIdsMax) return { level, ids };
  }
  return { level: current.level, ids: [...current.ids] };
}

export function createAgentTreeRepository(database: SqlDatabase, executor: Executor): AgentTreeRepository {
  const recursive = recursiveSqlOf(database.dialect.name);

  return {
    async uplinePage(
      userId: UserId,
      cursor: UplineCursor | null,
      limit: number,
    ): Promise<TreePage<AncestorRow, UplineCursor> | null> {
      invariant(Number.isSafeInteger(limit) && limit >= 1, `upline page limit ${limit} must be a positive integer`);
      const startId = cursor === null ? userId : cursor.afterUserId;
      const startDistance = cursor === null ? 0 : cursor.distance;
      // The walk includes its start row, which tells an unknown user from a root.
      const result = await sql<WalkedRow>`${recursive.statementPrefix}
        WITH RECURSIVE upline (user_id, parent_id, rebate_rate_ppm, placeholder, depth, direct_count, walk_level) AS (
          SELECT user_id, parent_id, rebate_rate_ppm, placeholder, depth, direct_count, CAST(${startDistance} AS SIGNED)
          FROM users WHERE user_id = ${idValue(startId)}
          UNION ALL
          SELECT parent.user_id, parent.parent_id, parent.rebate_rate_ppm, parent.placeholder, parent.depth, parent.direct_count,
            upline.walk_level + 1
          FROM upline JOIN users AS parent ON parent.user_id = upline.parent_id
          WHERE upline.walk_level < ${startDistance + limit}
        )
        SELECT ${recursive.keywordHint} user_id, parent_id, rebate_rate_ppm, placeholder, depth, direct_count, walk_level
        FROM upline ORDER BY walk_level`.execute(executor);
      if (result.rows.length === 0) return cursor === null ? null : { items: [], next: null };
      const items = result.rows.slice(1).map(ancestorFromRow);
      invariant(items.length <= limit, `upline walk returned ${items.length} ancestors for a limit of ${limit}`);
      const last = items[items.length - 1];
      const next =
        last !== undefined && items.length === limit && last.parentId !== null
          ? { afterUserId: last.userId, distance: last.distance }
          : null;
      return { items, next };
    },

    async downlinePage(userId: UserId, query: DownlineQuery): Promise<TreePage<DescendantRow, DownlineCursor> | null> {
      const { maxDepth, cursor, limit } = query;
      invariant(Number.isSafeInteger(limit) && limit >= 1, `downline page limit ${limit} must be a positive integer`);
      invariant(
        Number.isSafeInteger(maxDepth) && maxDepth >= 1,
        `downline depth ${maxDepth} must be a positive integer`,
      );
      const anchor =
        cursor === null ? { level: 0, ids: [userId] } : { level: cursor.anchorLevel, ids: cursor.anchorIds };
      invariant(
        anchor.ids.length >= 1 && anchor.ids.length <= downlineAnchorIdsMax,
        `downline anchor holds ${anchor.ids.length} ids`,
      );
      // The first page starts before the user itself (level 0, any id), so its first row
      // tells an unknown user from a leaf.
      const afterLevel = cursor === null ? 0 : cursor.level;
      const afterUserId = cursor === null ? 0n : idValue(cursor.afterUserId);
      const levelBound = Math.min(maxDepth, afterLevel + limit + 1);
      const rowsWanted = limit + 1 + (cursor === null ? 1 : 0);
      const anchorIds = sql.join(anchor.ids.map((id) => sql`${idValue(id)}`));
      // The recursive step never re-enters the start: in a corrupt tree a cycle reachable
      // downwards passes through every node it is reached from, so the walk still ends.
      const result = await sql<WalkedRow>`${recursive.statementPrefix}
        WITH RECURSIVE downline (user_id, parent_id, rebate_rate_ppm, placeholder, depth, direct_count, walk_level) AS (
          SELECT user_id, parent_id, rebate_rate_ppm, placeholder, depth, direct_count, CAST(${anchor.level} AS SIGNED)
          FROM users WHERE user_id IN (${anchorIds})
          UNION ALL
          SELECT child.user_id, child.parent_id, child.rebate_rate_ppm, child.placeholder, child.depth, child.direct_count,
            downline.walk_level + 1
          FROM downline JOIN users AS child ON child.parent_id = downline.user_id
          WHERE downline.walk_level < ${levelBound} AND child.user_id <> ${idValue(userId)} AND child.user_id NOT IN (${anchorIds})
        )
        SELECT ${recursive.keywordHint} user_id, parent_id, rebate_rate_ppm, placeholder, depth, direct_count, walk_level
        FROM downline
        WHERE walk_level > ${afterLevel} OR (walk_level = ${afterLevel} AND user_id > ${afterUserId})
        ORDER BY walk_level, user_id
        LIMIT ${rowsWanted}`.execute(executor);
      let rows = result.rows;
      if (cursor === null) {
        const first = rows[0];
        if (first === undefined || toNumber(first.walk_level) !== 0) return null;
        rows = rows.slice(1);
      }
      const descendants = rows.map(descendantFromRow);
      if (descendants.length <= limit) return { items: descendants, next: null };
      const items = descendants.slice(0, limit);
      const last = items[limit - 1]!;
      const peekLevel = descendants[limit]!.level;
      const nextAnchorLevel = nextAnchor(anchor, afterLevel, items, peekLevel);
      return {
        items,
        next: {
          level: last.level,
          afterUserId: last.userId,
          anchorLevel: nextAnchorLevel.level,
          anchorIds: nextAnchorLevel.ids,
        },
      };
    },

    async isAncestor(candidateAncestorId: UserId, userId: UserId): Promise<boolean> {
      if (candidateAncestorId === userId) return false;
      // UNION (not UNION ALL) de-duplicates rows, so even a corrupt cycle above the user ends.
      const result = await sql<{ hits: IntegerValue }>`${recursive.statementPrefix}
        WITH RECURSIVE upline (user_id, parent_id) AS (
          SELECT user_id, parent_id FROM users WHERE user_id = ${idValue(userId)}
          UNION
          SELECT parent.user_id, parent.parent_id
          FROM upline JOIN users AS parent ON parent.user_id = upline.parent_id
          WHERE upline.user_id <> ${idValue(candidateAncestorId)}
        )
        SELECT ${recursive.keywordHint} COUNT(*) AS hits FROM upline WHERE user_id = ${idValue(candidateAncestorId)}`.execute(
        executor,
      );
      return toNumber(result.rows[0]?.hits ?? 0) > 0;
    },

    async shiftSubtreeDepth(rootId: UserId, delta: number, nowMs: number): Promise<number> {
      invariant(Number.isSafeInteger(delta), `depth delta ${delta} must be an integer`);
      if (delta === 0) return 0;
      const result = await shiftSubtreeDepthStatement(database.dialect.name, idValue(rootId), delta, nowMs).execute(
        executor,
      );
      return Number(result.numAffectedRows ?? 0n);
    },

    async teamStats(userId: UserId): Promise<TeamStats | null> {
      const result = await sql<{
        members: IntegerValue;
        direct: IntegerValue | null;
        level_max: IntegerValue | null;
        turnover: IntegerValue | null;
      }>`
        ${recursive.statementPrefix}
        WITH RECURSIVE team (user_id, walk_level) AS (
          SELECT user_id, CAST(0 AS SIGNED) FROM users WHERE user_id = ${idValue(userId)}
          UNION ALL
          SELECT child.user_id, team.walk_level + 1
          FROM team JOIN users AS child ON child.parent_id = team.user_id
          WHERE child.user_id <> ${idValue(userId)}
        )
        SELECT ${recursive.keywordHint}
          COUNT(*) AS members,
          SUM(CASE WHEN team.walk_level = 1 THEN 1 ELSE 0 END) AS direct,
          MAX(team.walk_level) AS level_max,
          SUM(totals.turnover_minor) AS turnover
        FROM team LEFT JOIN user_totals AS totals ON totals.user_id = team.user_id`.execute(executor);
      const row = result.rows[0];
      const members = row === undefined ? 0 : toNumber(row.members);
      if (row === undefined || members === 0) return null;
      return {
        teamSize: members - 1,
        directCount: row.direct === null ? 0 : Number(toExact(row.direct)),
        maxRelativeDepth: row.level_max === null ? 0 : toNumber(row.level_max),
        teamTurnoverLifetimeMinor: row.turnover === null ? 0n : toExact(row.turnover),
      };
    },

    async childrenRateMax(userId: UserId): Promise<HighestChildRate | null> {
      const row = await executor
        .selectFrom('users')
        .select(['user_id', 'rebate_rate_ppm'])
        .where('parent_id', '=', idValue(userId))
        .where('placeholder', '=', 0)
        .orderBy('rebate_rate_ppm', 'desc')
        .orderBy('user_id')
        .limit(1)
        .executeTakeFirst();
      return row === undefined ? null : { childId: toId(row.user_id), ratePpm: toNumber(row.rebate_rate_ppm) };
    },

    async lockUsers(userIds: readonly UserId[]): Promise<Map<UserId, UserRow>> {
      const unique = [...new Set(userIds)];
      const users = new Map<UserId, UserRow>();
      if (unique.length === 0) return users;
      invariant(unique.length <= 16, `lockUsers takes a handful of users, got ${unique.length}`);
      // In id order, so two transactions locking overlapping users queue instead of deadlocking.
      const rows = await executor
        .selectFrom('users')
        .selectAll()
        .where('user_id', 'in', unique.map(idValue))
        .orderBy('user_id')
        .modifyEnd(recursive.forUpdate)
        .execute();
      for (const row of rows) {
        const user = userFromRow(row);
        users.set(user.userId, user);
      }
      return users;
    },

    async lockTreeMoves(nowMs: number): Promise<void> {
      // Writing one well-known row takes its row lock (MySQL) or the write lock (SQLite)
      // until commit, so a second move waits and then sees the first one's result.
      await insertRows(
        database,
        executor,
        'scheduler_state',
        ['name', 'value', 'updated_at_ms'],
        [[treeMovesLockName, 'held by the latest tree move', nowMs]],
        database.dialect.renderUpsertTail(['name'], [], ['updated_at_ms']),
      );
    },

    async setRebateRate(userId: UserId, ratePpm: number, nowMs: number): Promise<void> {
      await executor
        .updateTable('users')
        .set({ rebate_rate_ppm: ratePpm, updated_at_ms: nowMs })
        .where('user_id', '=', idValue(userId))
        .execute();
    },

    async setParent(userId: UserId, parentId: UserId | null, nowMs: number): Promise<void> {
      await executor
        .updateTable('users')
        .set({ parent_id: parentId === null ? null : idValue(parentId), updated_at_ms: nowMs })
        .where('user_id', '=', idValue(userId))
        .execute();
    },

    async addDirectCount(userId: UserId, delta: number, nowMs: number): Promise<void> {
      await executor
        .updateTable('users')
        .set({ direct_count: sql`direct_count + ${delta}`, updated_at_ms: nowMs })
        .where('user_id', '=', idValue(userId))
        .execute();
    },
  };
}

/** Binds a repository to each transaction of `database` (the composition root's AgentTreeTransaction). */
export function createAgentTreeTransaction(database: SqlDatabase): AgentTreeTransaction {
  return (work) => database.transaction((trx) => work(createAgentTreeRepository(database, trx)));
}
