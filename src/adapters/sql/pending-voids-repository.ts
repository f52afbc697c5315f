import type { BetId } from '../../domain/ids.ts';
import type { AdjustmentsRepository, PendingVoidsRepository } from '../../app/ports/store.ts';
import { insertRows, type Executor, type SqlDatabase } from './database.ts';
import { toId, toNumber } from './row-values.ts';

const lookupChunkSize = 5_000;

export function createPendingVoidsRepository(database: SqlDatabase, executor: Executor): PendingVoidsRepository {
  return {
    async insert(voids, nowMs) {
      await insertRows(
        database,
        executor,
        'pending_voids',
        ['bet_id', 'voided_at_ms', 'received_at_ms'],
        voids.map((entry) => [entry.betId, entry.voidedAtMs, nowMs]),
        database.dialect.renderIgnoreTail(['bet_id']),
      );
    },
    async take(betIds: readonly BetId[]) {
      const found = new Map<BetId, number>();
      const unique = [...new Set(betIds)];
      if (unique.length === 0) return found;
      // Voids before their bets are rare, so the table is nearly always empty: one probe of
      // one row saves looking up every new bet of the batch. Same (non-locking) read as the
      // lookup it stands for.
      const any = await executor.selectFrom('pending_voids').select('bet_id').limit(1).execute();
      if (any.length === 0) return found;
      for (let start = 0; start < unique.length; start += lookupChunkSize) {
        const chunk = unique.slice(start, start + lookupChunkSize);
        const rows = await executor.selectFrom('pending_voids').selectAll().where('bet_id', 'in', chunk).execute();
        if (rows.length === 0) continue;
        for (const row of rows) found.set(toId(row.bet_id), toNumber(row.voided_at_ms));
        await executor
          .deleteFrom('pending_voids')
          .where(
            'bet_id',
            'in',
            rows.map((row) => toId(row.bet_id)),
          )
          .execute();
      }
      return found;
    },
    async withStoredBets(limit: number) {
      const rows = await executor
        .selectFrom('pending_voids as pv')
        .innerJoin('bets as b', 'b.bet_id', 'pv.bet_id')
        .select(['pv.bet_id', 'pv.voided_at_ms'])
        .orderBy('pv.received_at_ms')
        .orderBy('pv.bet_id')
        .limit(limit)
        .execute();
      return rows.map((row) => ({ betId: toId(row.bet_id), voidedAtMs: toNumber(row.voided_at_ms) }));
    },
    async remove(betIds: readonly BetId[]) {
      for (let start = 0; start < betIds.length; start += lookupChunkSize) {
        await executor
          .deleteFrom('pending_voids')
          .where('bet_id', 'in', betIds.slice(start, start + lookupChunkSize))
          .execute();
      }
    },
  };
}

export function createAdjustmentsRepository(database: SqlDatabase, executor: Executor): AdjustmentsRepository {
  return {
    async insert(rows, nowMs) {
      await insertRows(
        database,
        executor,
        'bet_adjustments',
        ['bet_id', 'kind', 'user_id', 'amount_minor', 'created_at_ms', 'settlement_id'],
        rows.map((row) => [row.betId, row.kind, row.userId, row.amountMinor, nowMs, null]),
        database.dialect.renderIgnoreTail(['bet_id', 'kind']),
      );
    },
  };
}
