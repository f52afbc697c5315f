// The reads one settlement computes from, run inside one read-only REPEATABLE READ
// transaction (SQLite: one read transaction, a snapshot in WAL mode): keyset pages of the
// tree read at different moments could otherwise see a move half-applied, and a cycle.
//
// Bets are aggregated per bettor in SQL and streamed, never loaded one row per bet.
//
// Per-row conversions take a fast path for what mysql2 returns (BIGINT and DECIMAL as
// canonical decimal strings, INT as numbers): at a million rows, the general converters'
// round trip through BigInt cost about a second.
import { sql } from 'kysely';
import type { SettlementSnapshot, TreeUserRow } from '../../app/ports/settlement.ts';
import type { UserId } from '../../domain/ids.ts';
import type { DialectName, Executor } from './database.ts';
import { toBigInt, toId, toNumber } from './row-values.ts';

/** Rows the driver hands over per chunk while streaming an aggregate. */
const streamChunkRows = 5_000;
/**
 * MariaDB's in-memory limit for the GROUP BY's temporary table, for the aggregate's statement
 * only: the default 16 MB spills a 600k-bettor aggregate to disk (measured 5.7 s -> 2.8 s).
 * MySQL 8's TempTable engine does not need it; setting it there is harmless.
 */
const aggregateTempTableBytes = 256 * 1024 * 1024;

const idOf = (value: unknown): UserId => (typeof value === 'string' ? value : toId(value));
const integerOf = (value: unknown): number =>
  typeof value === 'number' && Number.isSafeInteger(value) ? value : toNumber(value);
const amountOf = (value: unknown): bigint => (typeof value === 'string' ? BigInt(value) : toBigInt(value));

export function createSettlementSnapshot(executor: Executor, dialect: DialectName): SettlementSnapshot {
  return {
    async countUsers() {
      const row = await executor
        .selectFrom('users')
        .select((eb) => eb.fn.countAll().as('users'))
        .executeTakeFirstOrThrow();
      return toNumber(row.users);
    },

    async usersPage(afterUserId, limit) {
      let query = executor.selectFrom('users').select(['user_id', 'parent_id', 'rebate_rate_ppm', 'placeholder']);
      if (afterUserId !== null) query = query.where('user_id', '>', afterUserId);
      const rows = await query.orderBy('user_id').limit(limit).execute();
      return rows.map((row): TreeUserRow => ({
        userId: idOf(row.user_id),
        parentId: row.parent_id === null ? null : idOf(row.parent_id),
        rebateRatePpm: integerOf(row.rebate_rate_ppm),
        placeholder: integerOf(row.placeholder) !== 0,
      }));
    },

    async betSums(settlementId, onRow) {
      // As the periods stood at their claim (the claim gate orders claims against ingest):
      // - a bet that arrived after the claim has a 'late' adjustment: it is paid as one, not here;
      // - a bet voided after the claim has a 'void' adjustment: it counts here and is taken back
      //   as that adjustment; a bet voided before the claim does not count at all.
      const query = executor
        .selectFrom('settlement_periods as sp')
        .innerJoin('bets as b', (join) =>
          join.onRef('b.game_id', '=', 'sp.game_id').onRef('b.period_id', '=', 'sp.period_id'),
        )
        .select((eb) => [
          'b.user_id as user_id',
          eb.fn.sum<string | bigint | number>('b.amount_minor').as('amount_minor'),
        ])
        .where('sp.settlement_id', '=', settlementId)
        .where((eb) =>
          eb.or([
            eb('b.voided_at_ms', 'is', null),
            eb.exists(
              eb
                .selectFrom('bet_adjustments as v')
                .select(sql<number>`1`.as('one'))
                .whereRef('v.bet_id', '=', 'b.bet_id')
                .where('v.kind', '=', 'void'),
            ),
          ]),
        )
        .where((eb) =>
          eb.not(
            eb.exists(
              eb
                .selectFrom('bet_adjustments as l')
                .select(sql<number>`1`.as('one'))
                .whereRef('l.bet_id', '=', 'b.bet_id')
                .where('l.kind', '=', 'late'),
            ),
          ),
        )
        .groupBy('b.user_id');
      if (dialect === 'sqlite') return streamSums(query.stream(streamChunkRows), onRow);
      await sql`set session tmp_table_size = ${aggregateTempTableBytes}, max_heap_table_size = ${aggregateTempTableBytes}`.execute(
        executor,
      );
      try {
        return await streamSums(query.stream(streamChunkRows), onRow);
      } finally {
        // The connection goes back to the pool: the next user gets the server's defaults.
        await sql`set session tmp_table_size = default, max_heap_table_size = default`.execute(executor);
      }
    },

    async adjustmentSums(settlementId, onRow) {
      const query = executor
        .selectFrom('bet_adjustments')
        .select((eb) => ['user_id', eb.fn.sum<string | bigint | number>('amount_minor').as('amount_minor')])
        .where('settlement_id', '=', settlementId)
        .groupBy('user_id');
      return streamSums(query.stream(streamChunkRows), onRow);
    },
  };
}

async function streamSums(
  rows: AsyncIterable<{ user_id: unknown; amount_minor: unknown }>,
  onRow: (userId: UserId, amountMinor: bigint) => void,
): Promise<number> {
  let count = 0;
  for await (const row of rows) {
    onRow(idOf(row.user_id), amountOf(row.amount_minor));
    count += 1;
  }
  return count;
}
