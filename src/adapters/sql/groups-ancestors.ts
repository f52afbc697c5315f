// `downlineOf` for a batch of users at once: which of a few candidate ancestors sit strictly
// above each user. One recursive statement walks the union of the batch's uplines (UNION,
// not UNION ALL: a node shared by many uplines is one row, and a corrupt cycle ends), and
// stops above the shallowest candidate, since nothing shallower can match. The rows come
// back with their parent pointers and a loop with an explicit stack and a memo assigns each
// node the candidates above it, so the work is O(nodes in the union) whatever the depth:
// a batch of 1,000 users on one 100k-deep chain reads the chain once, not 1,000 times.
import { sql } from 'kysely';
import { invariant } from '../../domain/assert.ts';
import type { UserId } from '../../domain/ids.ts';
import type { Executor, SqlDatabase } from './database.ts';
import { recursiveSqlOf } from './recursive-sql.ts';
import { toId, toNullableId, toNumber } from './row-values.ts';

type IntegerValue = string | number | bigint;

/** Users per statement: the start set is bound as parameters. */
const startIdsPerStatementMax = 5_000;
/** Candidates per call: they come from rules (at most a few hundred across every group). */
export const ancestorCandidatesMax = 10_000;

const emptySet: ReadonlySet<UserId> = new Set();

export async function ancestorsAmong(
  database: SqlDatabase,
  executor: Executor,
  userIds: readonly UserId[],
  candidateIds: readonly UserId[],
): Promise<Map<UserId, ReadonlySet<UserId>>> {
  const result = new Map<UserId, ReadonlySet<UserId>>();
  const users = [...new Set(userIds)];
  const candidatesAsked = [...new Set(candidateIds)];
  if (users.length === 0 || candidatesAsked.length === 0) return result;
  invariant(
    candidatesAsked.length <= ancestorCandidatesMax,
    `at most ${ancestorCandidatesMax} downlineOf candidates, got ${candidatesAsked.length}`,
  );

  // Only candidates that exist can be ancestors; the shallowest of them bounds the walk.
  const candidateRows = await executor
    .selectFrom('users')
    .select(['user_id', 'depth'])
    .where(
      'user_id',
      'in',
      candidatesAsked.map((id) => BigInt(id)),
    )
    .execute();
  if (candidateRows.length === 0) return result;
  const candidates = new Set(candidateRows.map((row) => toId(row.user_id)));
  const depthMin = Math.min(...candidateRows.map((row) => toNumber(row.depth)));

  const recursive = recursiveSqlOf(database.dialect.name);
  const parentOf = new Map<UserId, UserId | null>();
  for (let start = 0; start < users.length; start += startIdsPerStatementMax) {
    const chunk = users.slice(start, start + startIdsPerStatementMax).map((id) => sql`${BigInt(id)}`);
    const rows = await sql<{ user_id: IntegerValue; parent_id: IntegerValue | null }>`${recursive.statementPrefix}
      WITH RECURSIVE upline (user_id, parent_id, depth) AS (
        SELECT user_id, parent_id, depth FROM users WHERE user_id IN (${sql.join(chunk)})
        UNION
        SELECT parent.user_id, parent.parent_id, parent.depth
        FROM upline JOIN users AS parent ON parent.user_id = upline.parent_id
        WHERE upline.depth > ${depthMin}
      )
      SELECT ${recursive.keywordHint} user_id, parent_id FROM upline`.execute(executor);
    for (const row of rows.rows) parentOf.set(toId(row.user_id), toNullableId(row.parent_id));
  }

  // above(n) = above(parent) ∪ ({parent} ∩ candidates). A node whose parent was not walked
  // (a root, or above the shallowest candidate) has nothing above it to match.
  const above = new Map<UserId, ReadonlySet<UserId>>();
  const stepsMax = parentOf.size + 1;
  for (const userId of users) {
    if (!parentOf.has(userId)) continue;
    const pending: UserId[] = [];
    let node: UserId | null = userId;
    for (let steps = 0; node !== null && !above.has(node); steps += 1) {
      // A corrupt cycle in the parent pointers would otherwise never reach a known node.
      invariant(steps <= stepsMax, `the upline of user ${userId} loops`);
      pending.push(node);
      const parent: UserId | null = parentOf.get(node) ?? null;
      // A parent that was not walked is shallower than every candidate: the climb ends here.
      node = parent !== null && parentOf.has(parent) ? parent : null;
    }
    for (let index = pending.length - 1; index >= 0; index -= 1) {
      const current = pending[index];
      invariant(current !== undefined, 'pending index within bounds');
      const parent = parentOf.get(current) ?? null;
      const fromParent = parent === null ? emptySet : (above.get(parent) ?? emptySet);
      if (parent !== null && candidates.has(parent)) {
        const withParent = new Set(fromParent);
        withParent.add(parent);
        above.set(current, withParent);
      } else {
        above.set(current, fromParent);
      }
    }
    const found = above.get(userId);
    if (found !== undefined && found.size > 0) result.set(userId, found);
  }
  return result;
}
