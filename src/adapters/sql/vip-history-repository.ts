import type { Selectable } from 'kysely';
import type { UserId } from '../../domain/ids.ts';
import type { VipHistoryRepository, VipHistoryRow } from '../../app/ports/store.ts';
import { decodeCursor, encodeCursor } from './cursor.ts';
import { insertRows, type Executor, type SqlDatabase } from './database.ts';
import { toId, toNumber } from './row-values.ts';
import type { VipHistoryTable } from './tables.ts';

function fromRow(row: Selectable<VipHistoryTable>): VipHistoryRow {
  return {
    userId: toId(row.user_id),
    seq: toNumber(row.seq),
    fromLevel: toNumber(row.from_level),
    toLevel: toNumber(row.to_level),
    reason: row.reason,
    detail: row.detail,
    ladderVersion: toNumber(row.ladder_version),
    cause: row.cause === null ? null : (JSON.parse(row.cause) as unknown),
    atMs: toNumber(row.at_ms),
  };
}

export function createVipHistoryRepository(database: SqlDatabase, executor: Executor): VipHistoryRepository {
  return {
    async append(rows: readonly VipHistoryRow[]) {
      await insertRows(
        database,
        executor,
        'vip_history',
        ['user_id', 'seq', 'from_level', 'to_level', 'reason', 'detail', 'ladder_version', 'cause', 'at_ms'],
        rows.map((row) => [
          row.userId,
          row.seq,
          row.fromLevel,
          row.toLevel,
          row.reason,
          row.detail,
          row.ladderVersion,
          JSON.stringify(row.cause),
          row.atMs,
        ]),
        '',
      );
    },
    async pageForUser(userId: UserId, cursor: string | null, limit: number) {
      let query = executor.selectFrom('vip_history').selectAll().where('user_id', '=', userId);
      if (cursor !== null) query = query.where('seq', '<', Number(decodeCursor(cursor, ['before']).before));
      const rows = await query
        .orderBy('seq', 'desc')
        .limit(limit + 1)
        .execute();
      const items = rows.slice(0, limit).map(fromRow);
      const last = items[items.length - 1];
      return { items, nextCursor: rows.length > limit && last ? encodeCursor({ before: last.seq }) : null };
    },
    async recentChanges(limit: number) {
      const rows = await executor
        .selectFrom('vip_history')
        .selectAll()
        .whereRef('from_level', '<>', 'to_level')
        .orderBy('history_id', 'desc')
        .limit(limit)
        .execute();
      return rows.map(fromRow);
    },
  };
}
