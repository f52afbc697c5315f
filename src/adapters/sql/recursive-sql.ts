// What recursive tree queries need per dialect. Kept beside SqlDialect rather than in it
// because only the agent tree uses it; it could move into SqlDialect as two methods.
//
// Recursion limits. MySQL 8 stops a recursive CTE after cte_max_recursion_depth (default
// 1000) iterations with an error; MariaDB 10.6+ stops after max_recursive_iterations (default
// 1000) *silently*, returning a truncated result (seen on 10.11: an upward walk of a
// 100k chain returned 1001 rows and no warning). Depth here is unbounded, so every recursive
// statement lifts the limit for itself only, with no connection state:
//   - MariaDB: `SET STATEMENT max_recursive_iterations = N FOR <statement>`, written inside a
//     MariaDB-only executable comment (`/*M!100200 ... */`) so MySQL and TiDB read a comment;
//   - MySQL 8: the optimizer hint `/*+ SET_VAR(cte_max_recursion_depth = N) */` after the
//     statement's first SELECT/UPDATE keyword, which MariaDB (before 12) reads as a comment.
// Termination does not depend on these limits: every walk either has an explicit level
// bound, or stops at its own start (a cycle reachable downwards from a node passes through
// that node), or de-duplicates with UNION.
//
// SQLite has no recursion limit for CTEs and needs neither.
import { sql, type RawBuilder } from 'kysely';
import type { DialectName } from './database.ts';

/** The server maximum for both variables: 2^32 - 1. */
const recursionIterationsMax = 4_294_967_295;

export interface RecursiveSql {
  /** Goes before the statement (before WITH / UPDATE). */
  readonly statementPrefix: RawBuilder<unknown>;
  /** Goes right after the first SELECT or UPDATE keyword of the statement. */
  readonly keywordHint: RawBuilder<unknown>;
  /** Row locks for a SELECT that reads users about to be changed (SQLite: its write lock suffices). */
  readonly forUpdate: RawBuilder<unknown>;
}

const mysqlRecursiveSql: RecursiveSql = {
  statementPrefix: sql.raw(`/*M!100200 SET STATEMENT max_recursive_iterations = ${recursionIterationsMax} FOR */`),
  keywordHint: sql.raw(`/*+ SET_VAR(cte_max_recursion_depth = ${recursionIterationsMax}) */`),
  forUpdate: sql.raw('for update'),
};

const sqliteRecursiveSql: RecursiveSql = {
  statementPrefix: sql.raw(''),
  keywordHint: sql.raw(''),
  forUpdate: sql.raw(''),
};

export function recursiveSqlOf(dialect: DialectName): RecursiveSql {
  switch (dialect) {
    case 'mysql':
      return mysqlRecursiveSql;
    case 'sqlite':
      return sqliteRecursiveSql;
  }
}

/**
 * One statement adding `delta` to the depth of `rootId` and of every descendant.
 * MySQL forbids updating a table that a subquery of the same statement reads (error 1093)
 * unless the subquery is a derived table, which a recursive CTE always materialises; the
 * multi-table UPDATE then drives from the walked ids and updates each through the primary
 * key (a `WHERE user_id IN (walk)` form makes MariaDB 10.11 scan the whole table).
 * SQLite has no multi-table UPDATE but takes `WITH ... UPDATE ... WHERE user_id IN (...)`,
 * which it runs as primary-key lookups.
 * The walk stops at its start, so a corrupt cycle through `rootId` cannot loop it.
 */
export function shiftSubtreeDepthStatement(
  dialect: DialectName,
  rootId: bigint,
  delta: number,
  nowMs: number,
): RawBuilder<unknown> {
  const walk = sql`
    subtree (user_id) AS (
      SELECT user_id FROM users WHERE user_id = ${rootId}
      UNION ALL
      SELECT child.user_id FROM subtree JOIN users AS child ON child.parent_id = subtree.user_id
      WHERE child.user_id <> ${rootId}
    )`;
  switch (dialect) {
    case 'mysql': {
      const recursive = mysqlRecursiveSql;
      return sql`${recursive.statementPrefix} UPDATE ${recursive.keywordHint} users AS target
        JOIN (WITH RECURSIVE ${walk} SELECT user_id FROM subtree) AS moved ON target.user_id = moved.user_id
        SET target.depth = target.depth + ${delta}, target.updated_at_ms = ${nowMs}`;
    }
    case 'sqlite':
      return sql`WITH RECURSIVE ${walk}
        UPDATE users SET depth = depth + ${delta}, updated_at_ms = ${nowMs}
        WHERE user_id IN (SELECT user_id FROM subtree)`;
  }
}
