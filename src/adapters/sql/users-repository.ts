import type { UserId } from '../../domain/ids.ts';
import type { UserRow, UsersRepository } from '../../app/ports/store.ts';
import { insertRows, type Executor, type SqlDatabase } from './database.ts';
import { toId, toNullableId, toNullableNumber, toNumber } from './row-values.ts';
import type { UsersTable } from './tables.ts';
import { sql, type Selectable } from 'kysely';

const lookupChunkSize = 5_000;

function parseTags(text: string | null): string[] {
  if (text === null) return [];
  const parsed: unknown = JSON.parse(text);
  return Array.isArray(parsed) ? parsed.filter((tag): tag is string => typeof tag === 'string') : [];
}

export function userFromRow(row: Selectable<UsersTable>): UserRow {
  return {
    userId: toId(row.user_id),
    parentId: toNullableId(row.parent_id),
    rebateRatePpm: toNumber(row.rebate_rate_ppm),
    placeholder: toNumber(row.placeholder) === 1,
    registeredAtMs: toNullableNumber(row.registered_at_ms),
    tags: parseTags(row.tags),
    depth: toNumber(row.depth),
    directCount: toNumber(row.direct_count),
  };
}

const userColumns = [
  'user_id',
  'parent_id',
  'rebate_rate_ppm',
  'placeholder',
  'registered_at_ms',
  'tags',
  'depth',
  'direct_count',
  'created_at_ms',
  'updated_at_ms',
] as const;

function userValues(row: UserRow, nowMs: number): (string | number | null)[] {
  return [
    row.userId,
    row.parentId,
    row.rebateRatePpm,
    row.placeholder ? 1 : 0,
    row.registeredAtMs,
    row.tags.length === 0 ? null : JSON.stringify(row.tags),
    row.depth,
    row.directCount,
    nowMs,
    nowMs,
  ];
}

export function createUsersRepository(database: SqlDatabase, executor: Executor): UsersRepository {
  const insertUsers = (rows: readonly UserRow[], nowMs: number, conflictTail: string): Promise<void> =>
    insertRows(
      database,
      executor,
      'users',
      userColumns,
      rows.map((row) => userValues(row, nowMs)),
      conflictTail,
    );
  return {
    async getMany(userIds: readonly UserId[]) {
      const result = new Map<UserId, UserRow>();
      const unique = [...new Set(userIds)];
      for (let start = 0; start < unique.length; start += lookupChunkSize) {
        const chunk = unique.slice(start, start + lookupChunkSize);
        const rows = await executor.selectFrom('users').selectAll().where('user_id', 'in', chunk).execute();
        for (const row of rows) {
          const user = userFromRow(row);
          result.set(user.userId, user);
        }
      }
      return result;
    },
    async insertMissing(rows: readonly UserRow[], nowMs: number) {
      const existing = await this.getMany(rows.map((row) => row.userId));
      const fresh = rows.filter((row) => !existing.has(row.userId));
      await insertUsers(fresh, nowMs, database.dialect.renderIgnoreTail(['user_id']));
      return new Set(fresh.map((row) => row.userId));
    },
    async insertAbsent(rows: readonly UserRow[], nowMs: number) {
      // No conflict tail: the primary key decides, and a duplicate aborts the transaction.
      await insertUsers(rows, nowMs, '');
    },
    async updateMany(rows: readonly UserRow[], nowMs: number) {
      // An upsert that overwrites every column but created_at_ms: one statement per chunk
      // instead of one UPDATE per user.
      await insertUsers(
        rows,
        nowMs,
        database.dialect.renderUpsertTail(
          ['user_id'],
          [],
          // direct_count is not overwritten: children on other partitions change it
          // concurrently, so it only ever moves through addDirectCounts.
          ['parent_id', 'rebate_rate_ppm', 'placeholder', 'registered_at_ms', 'tags', 'depth', 'updated_at_ms'],
        ),
      );
    },
    async childrenPage(parentId: UserId, afterUserId: UserId | null, limit: number) {
      let query = executor.selectFrom('users').selectAll().where('parent_id', '=', parentId);
      if (afterUserId !== null) query = query.where('user_id', '>', afterUserId);
      const rows = await query.orderBy('user_id').limit(limit).execute();
      return rows.map(userFromRow);
    },
    async addDirectCounts(deltas: ReadonlyMap<UserId, number>, nowMs: number) {
      const entries = [...deltas.entries()]
        .filter(([, delta]) => delta !== 0)
        .sort(([a], [b]) => (BigInt(a) < BigInt(b) ? -1 : 1));
      for (let start = 0; start < entries.length; start += lookupChunkSize) {
        const chunk = entries.slice(start, start + lookupChunkSize);
        const cases = sql.join(
          chunk.map(([userId, delta]) => sql`when ${userId} then ${delta}`),
          sql` `,
        );
        await executor
          .updateTable('users')
          .set({ direct_count: sql<number>`direct_count + (case user_id ${cases} else 0 end)`, updated_at_ms: nowMs })
          .where(
            'user_id',
            'in',
            chunk.map(([userId]) => userId),
          )
          .execute();
      }
    },
    async page(afterUserId: UserId | null, limit: number) {
      let query = executor.selectFrom('users').selectAll();
      if (afterUserId !== null) query = query.where('user_id', '>', afterUserId);
      const rows = await query.orderBy('user_id').limit(limit).execute();
      return rows.map(userFromRow);
    },
    async count() {
      const row = await executor
        .selectFrom('users')
        .select((eb) => eb.fn.countAll().as('total'))
        .executeTakeFirst();
      return row ? toNumber(row.total) : 0;
    },
  };
}
