import type { UserId } from '../../domain/ids.ts';
import type { MetricDayDelta, MetricDayRow, MetricsRepository, UserTotalsRow } from '../../app/ports/store.ts';
import { sql } from 'kysely';
import { insertRows, type Executor, type SqlDatabase } from './database.ts';
import { toBigInt, toId, toNumber } from './row-values.ts';

const lookupChunkSize = 5_000;

/** Folds deltas for the same key so each key is written once per statement (MySQL requires it for determinism). */
function foldDeltas(deltas: readonly MetricDayDelta[]): {
  days: Map<string, MetricDayDelta>;
  totals: Map<UserId, MetricDayDelta>;
} {
  const days = new Map<string, MetricDayDelta>();
  const totals = new Map<UserId, MetricDayDelta>();
  for (const delta of deltas) {
    const dayKey = `${delta.userId}:${delta.day}`;
    const day = days.get(dayKey);
    days.set(
      dayKey,
      day
        ? {
            ...day,
            turnoverDeltaMinor: day.turnoverDeltaMinor + delta.turnoverDeltaMinor,
            betCountDelta: day.betCountDelta + delta.betCountDelta,
          }
        : delta,
    );
    const total = totals.get(delta.userId);
    totals.set(
      delta.userId,
      total
        ? {
            ...total,
            turnoverDeltaMinor: total.turnoverDeltaMinor + delta.turnoverDeltaMinor,
            betCountDelta: total.betCountDelta + delta.betCountDelta,
          }
        : delta,
    );
  }
  return { days, totals };
}

export function createMetricsRepository(database: SqlDatabase, executor: Executor): MetricsRepository {
  return {
    async addDeltas(deltas: readonly MetricDayDelta[]) {
      const { days, totals } = foldDeltas(deltas);
      // Sorted keys: concurrent writers lock rows in the same order and so cannot deadlock each other.
      const dayRows = [...days.values()].sort((a, b) =>
        a.userId === b.userId ? a.day - b.day : a.userId < b.userId ? -1 : 1,
      );
      await insertRows(
        database,
        executor,
        'metric_days',
        ['user_id', 'day', 'turnover_minor', 'bet_count'],
        dayRows.map((row) => [row.userId, row.day, row.turnoverDeltaMinor, row.betCountDelta]),
        database.dialect.renderUpsertTail(['user_id', 'day'], ['turnover_minor', 'bet_count'], []),
      );
      const totalRows = [...totals.values()].sort((a, b) => (a.userId < b.userId ? -1 : a.userId > b.userId ? 1 : 0));
      await insertRows(
        database,
        executor,
        'user_totals',
        ['user_id', 'turnover_minor', 'bet_count'],
        totalRows.map((row) => [row.userId, row.turnoverDeltaMinor, row.betCountDelta]),
        database.dialect.renderUpsertTail(['user_id'], ['turnover_minor', 'bet_count'], []),
      );
    },
    async daysSince(userIds: readonly UserId[], fromDay: number) {
      const result: MetricDayRow[] = [];
      const unique = [...new Set(userIds)];
      for (let start = 0; start < unique.length; start += lookupChunkSize) {
        const rows = await executor
          .selectFrom('metric_days')
          .selectAll()
          .where('user_id', 'in', unique.slice(start, start + lookupChunkSize))
          .where('day', '>=', fromDay)
          .execute();
        for (const row of rows) {
          result.push({
            userId: toId(row.user_id),
            day: toNumber(row.day),
            turnoverMinor: toBigInt(row.turnover_minor),
            betCount: toNumber(row.bet_count),
          });
        }
      }
      return result;
    },
    async totals(userIds: readonly UserId[]) {
      const result = new Map<UserId, UserTotalsRow>();
      const unique = [...new Set(userIds)];
      for (let start = 0; start < unique.length; start += lookupChunkSize) {
        const rows = await executor
          .selectFrom('user_totals')
          .selectAll()
          .where('user_id', 'in', unique.slice(start, start + lookupChunkSize))
          .execute();
        for (const row of rows) {
          const userId = toId(row.user_id);
          result.set(userId, {
            userId,
            turnoverMinor: toBigInt(row.turnover_minor),
            betCount: toNumber(row.bet_count),
          });
        }
      }
      return result;
    },
    async windowInputs(userIds: readonly UserId[], fromDay: number) {
      const days: MetricDayRow[] = [];
      const totals = new Map<UserId, UserTotalsRow>();
      const unique = [...new Set(userIds)];
      for (let start = 0; start < unique.length; start += lookupChunkSize) {
        const ids = sql.join(unique.slice(start, start + lookupChunkSize));
        // One statement for both tables: the day buckets (kind 0) and the lifetime totals (kind 1).
        const { rows } = await sql<{
          kind: number | string;
          user_id: unknown;
          day: unknown;
          turnover_minor: unknown;
          bet_count: unknown;
        }>`select 0 as kind, user_id, day, turnover_minor, bet_count from metric_days where user_id in (${ids}) and day >= ${fromDay}
           union all
           select 1 as kind, user_id, 0 as day, turnover_minor, bet_count from user_totals where user_id in (${ids})`.execute(
          executor,
        );
        for (const row of rows) {
          const userId = toId(row.user_id);
          const turnoverMinor = toBigInt(row.turnover_minor);
          const betCount = toNumber(row.bet_count);
          if (toNumber(row.kind) === 0) days.push({ userId, day: toNumber(row.day), turnoverMinor, betCount });
          else totals.set(userId, { userId, turnoverMinor, betCount });
        }
      }
      return { days, totals };
    },
    async replaceForUsers(userIds, days, totals) {
      const unique = [...new Set(userIds)];
      for (let start = 0; start < unique.length; start += lookupChunkSize) {
        const chunk = unique.slice(start, start + lookupChunkSize);
        await executor.deleteFrom('metric_days').where('user_id', 'in', chunk).execute();
        await executor.deleteFrom('user_totals').where('user_id', 'in', chunk).execute();
      }
      await insertRows(
        database,
        executor,
        'metric_days',
        ['user_id', 'day', 'turnover_minor', 'bet_count'],
        days.map((row) => [row.userId, row.day, row.turnoverMinor, row.betCount]),
        '',
      );
      await insertRows(
        database,
        executor,
        'user_totals',
        ['user_id', 'turnover_minor', 'bet_count'],
        totals.map((row) => [row.userId, row.turnoverMinor, row.betCount]),
        '',
      );
    },
  };
}
