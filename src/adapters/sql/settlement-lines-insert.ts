// Bulk insert of a settlement's ledger lines: multi-row INSERTs of a few thousand rows, built
// straight from the line columns. A 1M-line settlement binding six parameters per row spent
// longer building and escaping 6M parameters than the database spent inserting, so the values
// are written as literals instead: each one is produced here from a bigint or checked against
// a strict pattern, never taken as text from outside. No conflict tail: the key (settlement,
// beneficiary) makes a second write of a line an error that aborts the transaction.
import { sql } from 'kysely';
import type { LinesWritten, SettlementLineColumns } from '../../app/ports/settlement.ts';
import { invariant } from '../../domain/assert.ts';
import type { Executor } from './database.ts';

/** Rows per statement: ~90 bytes each, far below max_allowed_packet (16 MB by default). */
export const lineRowsPerStatement = 4_000;

const settlementIdPattern = /^[A-Za-z0-9_.:-]{1,64}$/;
const userIdPattern = /^[1-9]\d{0,18}$/;

export async function insertSettlementLines(
  executor: Executor,
  settlementId: string,
  lines: SettlementLineColumns,
): Promise<LinesWritten> {
  invariant(settlementIdPattern.test(settlementId), `settlement id "${settlementId}" is not a code`);
  const quotedSettlementId = `'${settlementId}'`;
  let amountTotalMinor = 0n;
  let exactTotalMinorPpm = 0n;
  let cappedTotalMinorPpm = 0n;
  for (let start = 0; start < lines.count; start += lineRowsPerStatement) {
    const end = Math.min(lines.count, start + lineRowsPerStatement);
    const rows: string[] = [];
    for (let position = start; position < end; position += 1) {
      const beneficiaryId = lines.beneficiaryIdAt(position);
      invariant(userIdPattern.test(beneficiaryId), `beneficiary id "${beneficiaryId}" is not a canonical id`);
      const amountMinor = lines.amountMinorAt(position);
      const exactMinorPpm = lines.exactMinorPpmAt(position);
      const cappedMinorPpm = lines.cappedMinorPpmAt(position);
      amountTotalMinor += amountMinor;
      exactTotalMinorPpm += exactMinorPpm;
      cappedTotalMinorPpm += cappedMinorPpm;
      // Exact columns are DECIMAL(40,0) / TEXT: quoted, so SQLite never reads a value past
      // 2^63 as a REAL.
      rows.push(
        `(${quotedSettlementId},${beneficiaryId},${amountMinor},'${exactMinorPpm}','${cappedMinorPpm}',${lines.teamTurnoverMinorAt(position)})`,
      );
    }
    await sql
      .raw(
        `insert into settlement_lines (settlement_id, beneficiary_id, amount_minor, exact_minor_ppm, capped_minor_ppm, team_turnover_minor) values ${rows.join(',')}`,
      )
      .execute(executor);
  }
  return { count: lines.count, amountTotalMinor, exactTotalMinorPpm, cappedTotalMinorPpm };
}
