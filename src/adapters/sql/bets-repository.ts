import { sql, type Selectable } from 'kysely';
import type { BetsTable } from './tables.ts';
import type { BetId } from '../../domain/ids.ts';
import type { BetRow, BetsRepository } from '../../app/ports/store.ts';
import { insertRows, type Executor, type SqlDatabase } from './database.ts';
import { toBigInt, toId, toNullableNumber, toNumber } from './row-values.ts';

const lookupChunkSize = 5_000;
/** Column order of a bets row insert; shared with tools that write bets directly (bench floor). */
export const betColumns = [
  'bet_id',
  'user_id',
  'game_id',
  'period_id',
  'amount_minor',
  'placed_at_ms',
  'day',
  'voided_at_ms',
  'ingested_at_ms',
] as const;

export function betFromRow(row: Selectable<BetsTable>): BetRow {
  return {
    betId: toId(row.bet_id),
    userId: toId(row.user_id),
    gameId: row.game_id,
    periodId: row.period_id,
    amountMinor: toBigInt(row.amount_minor),
    placedAtMs: toNumber(row.placed_at_ms),
    day: toNumber(row.day),
    voidedAtMs: toNullableNumber(row.voided_at_ms),
  };
}

export function createBetsRepository(database: SqlDatabase, executor: Executor): BetsRepository {
  return {
    async getMany(betIds: readonly BetId[]) {
      const result = new Map<BetId, BetRow>();
      const unique = [...new Set(betIds)];
      for (let start = 0; start < unique.length; start += lookupChunkSize) {
        const rows = await executor
          .selectFrom('bets')
          .selectAll()
          .where('bet_id', 'in', unique.slice(start, start + lookupChunkSize))
          .execute();
        for (const row of rows) {
          const bet = betFromRow(row);
          result.set(bet.betId, bet);
        }
      }
      return result;
    },
    async pageForUsers(userIds, after, limit) {
      if (userIds.length === 0) return [];
      let query = executor
        .selectFrom('bets')
        .selectAll()
        .where('user_id', 'in', [...userIds]);
      if (after !== null) {
        query = query.where(
          sql<boolean>`(user_id > ${after.userId} or (user_id = ${after.userId} and (placed_at_ms > ${after.placedAtMs} or (placed_at_ms = ${after.placedAtMs} and bet_id > ${after.betId}))))`,
        );
      }
      const rows = await query.orderBy('user_id').orderBy('placed_at_ms').orderBy('bet_id').limit(limit).execute();
      return rows.map(betFromRow);
    },
    async insertNew(rows: readonly BetRow[], nowMs: number) {
      const existing = await this.getMany(rows.map((row) => row.betId));
      const seen = new Set<BetId>();
      const fresh = rows.filter((row) => {
        if (existing.has(row.betId) || seen.has(row.betId)) return false;
        seen.add(row.betId);
        return true;
      });
      await this.insertAbsent(fresh, nowMs);
      return seen;
    },
    async insertAbsent(rows: readonly BetRow[], nowMs: number) {
      // No conflict tail: if another writer inserted one of these ids since the caller's
      // lookup, the duplicate-key error aborts this transaction and the whole batch is
      // retried, so the primary key stays the single source of truth.
      await insertRows(
        database,
        executor,
        'bets',
        betColumns,
        rows.map((row) => [
          row.betId,
          row.userId,
          row.gameId,
          row.periodId,
          row.amountMinor,
          row.placedAtMs,
          row.day,
          row.voidedAtMs,
          nowMs,
        ]),
        '',
      );
    },
    async markVoided(voids: readonly { betId: BetId; voidedAtMs: number }[]) {
      // One UPDATE per chunk: a CASE maps each bet id to its own void time.
      let marked = 0;
      for (let start = 0; start < voids.length; start += lookupChunkSize) {
        const chunk = voids.slice(start, start + lookupChunkSize);
        const cases = sql.join(
          chunk.map((entry) => sql`when ${entry.betId} then ${entry.voidedAtMs}`),
          sql` `,
        );
        const [result] = await executor
          .updateTable('bets')
          .set({ voided_at_ms: sql<number>`case bet_id ${cases} end` })
          .where(
            'bet_id',
            'in',
            chunk.map((entry) => entry.betId),
          )
          .where('voided_at_ms', 'is', null)
          .execute();
        marked += Number(result?.numUpdatedRows ?? 0n);
      }
      return marked;
    },
  };
}
