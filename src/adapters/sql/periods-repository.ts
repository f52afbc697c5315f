import { sql } from 'kysely';
import { periodKeyOf, type PeriodKey, type PeriodsRepository } from '../../app/ports/store.ts';
import { insertRows, type Executor, type SqlDatabase } from './database.ts';
import { shareSettlementClaimGate } from './settlement-claim-gate.ts';

const lookupChunkSize = 2_000;

export function createPeriodsRepository(database: SqlDatabase, executor: Executor): PeriodsRepository {
  return {
    async insertClosed(periods, nowMs) {
      const unique = new Map(periods.map((period) => [periodKeyOf(period), period]));
      const existing = await findExisting(executor, [...unique.values()]);
      const fresh = [...unique.entries()].filter(([key]) => !existing.has(key)).map(([, period]) => period);
      await insertRows(
        database,
        executor,
        'periods',
        ['game_id', 'period_id', 'closed_at_ms', 'received_at_ms', 'settlement_id'],
        fresh.map((period) => [period.gameId, period.periodId, period.closedAtMs, nowMs, null]),
        database.dialect.renderIgnoreTail(['game_id', 'period_id']),
      );
      return new Set(fresh.map((period) => periodKeyOf(period)));
    },
    async claimedKeys(periods: readonly PeriodKey[]) {
      // Shared claim gate first: a settlement claiming right now either finishes first (and
      // its claim is seen here) or waits for this transaction (and counts its bets).
      await shareSettlementClaimGate(database, executor, Date.now());
      const claimed = new Set<string>();
      for (let start = 0; start < periods.length; start += lookupChunkSize) {
        const chunk = periods.slice(start, start + lookupChunkSize);
        if (chunk.length === 0) continue;
        const rows = await executor
          .selectFrom('settlement_periods')
          .select(['game_id', 'period_id'])
          .where(
            sql<boolean>`(game_id, period_id) in (${sql.join(chunk.map((period) => sql`(${period.gameId}, ${period.periodId})`))})`,
          )
          .execute();
        for (const row of rows) claimed.add(periodKeyOf({ gameId: row.game_id, periodId: row.period_id }));
      }
      return claimed;
    },
  };
}

async function findExisting(executor: Executor, periods: readonly PeriodKey[]): Promise<Set<string>> {
  const found = new Set<string>();
  for (let start = 0; start < periods.length; start += lookupChunkSize) {
    const chunk = periods.slice(start, start + lookupChunkSize);
    if (chunk.length === 0) continue;
    const rows = await executor
      .selectFrom('periods')
      .select(['game_id', 'period_id'])
      .where(
        sql<boolean>`(game_id, period_id) in (${sql.join(chunk.map((period) => sql`(${period.gameId}, ${period.periodId})`))})`,
      )
      .execute();
    for (const row of rows) found.add(periodKeyOf({ gameId: row.game_id, periodId: row.period_id }));
  }
  return found;
}
