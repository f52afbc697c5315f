import type { LedgerLineRow, LedgerRepository } from '../../app/ports/store.ts';
import { decodeCursor, encodeCursor } from './cursor.ts';
import { insertRows, type Executor, type SqlDatabase } from './database.ts';
import { toBigInt, toExact, toId } from './row-values.ts';

export function createLedgerRepository(database: SqlDatabase, executor: Executor): LedgerRepository {
  return {
    async insertLines(lines: readonly LedgerLineRow[]) {
      // No conflict tail: the (settlement, beneficiary) key makes a second write of a line an
      // error that aborts the transaction, never a silent overwrite of a committed line.
      await insertRows(
        database,
        executor,
        'settlement_lines',
        [
          'settlement_id',
          'beneficiary_id',
          'amount_minor',
          'exact_minor_ppm',
          'capped_minor_ppm',
          'team_turnover_minor',
        ],
        lines.map((line) => [
          line.settlementId,
          line.beneficiaryId,
          line.amountMinor,
          line.exactMinorPpm.toString(),
          line.cappedMinorPpm.toString(),
          line.teamTurnoverMinor,
        ]),
        '',
      );
    },
    async linesPage(settlementId: string, cursor: string | null, limit: number) {
      let query = executor.selectFrom('settlement_lines').selectAll().where('settlement_id', '=', settlementId);
      if (cursor !== null) query = query.where('beneficiary_id', '>', decodeCursor(cursor, ['after']).after ?? '0');
      const rows = await query
        .orderBy('beneficiary_id')
        .limit(limit + 1)
        .execute();
      const items = rows.slice(0, limit).map((row): LedgerLineRow => ({
        settlementId: row.settlement_id,
        beneficiaryId: toId(row.beneficiary_id),
        amountMinor: toBigInt(row.amount_minor),
        exactMinorPpm: toExact(row.exact_minor_ppm),
        cappedMinorPpm: toExact(row.capped_minor_ppm),
        teamTurnoverMinor: toBigInt(row.team_turnover_minor),
      }));
      const last = items[items.length - 1];
      return { items, nextCursor: rows.length > limit && last ? encodeCursor({ after: last.beneficiaryId }) : null };
    },
  };
}
