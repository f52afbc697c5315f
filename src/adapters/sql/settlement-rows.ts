// Reading a `settlements` row into a SettlementRecord, with its stored invariants asserted.
import type { Selectable } from 'kysely';
import type { SettlementRecord, SettlementStatus } from '../../app/ports/settlement.ts';
import type { PeriodKey } from '../../app/ports/store.ts';
import { invariant } from '../../domain/assert.ts';
import { toBigInt, toExact, toNullableNumber, toNumber } from './row-values.ts';
import type { SettlementsTable } from './tables.ts';

const statuses: ReadonlySet<string> = new Set<SettlementStatus>(['running', 'committed', 'failed']);

export function settlementRecordOf(row: Selectable<SettlementsTable>): SettlementRecord {
  invariant(statuses.has(row.status), `settlement ${row.settlement_id} has unknown status "${row.status}"`);
  const record: SettlementRecord = {
    settlementId: row.settlement_id,
    status: row.status as SettlementStatus,
    fencingToken: toBigInt(row.fencing_token),
    runner: row.runner,
    policyVersion: toNumber(row.policy_version),
    periods: parsePeriodsDocument(row.settlement_id, row.periods_doc),
    adjustmentCount: toNumber(row.adjustment_count),
    lineCount: toNumber(row.line_count),
    beneficiaries: toNumber(row.beneficiaries),
    totalRebateMinor: toBigInt(row.total_rebate_minor),
    turnoverMinor: row.turnover_minor === null ? null : toBigInt(row.turnover_minor),
    exactTotalMinorPpm: row.exact_total_minor_ppm === null ? null : toExact(row.exact_total_minor_ppm),
    residueMinorPpm: row.residue_minor_ppm === null ? null : toExact(row.residue_minor_ppm),
    cappedMinorPpm: row.capped_minor_ppm === null ? null : toExact(row.capped_minor_ppm),
    error: row.error,
    createdAtMs: toNumber(row.created_at_ms),
    committedAtMs: toNullableNumber(row.committed_at_ms),
  };
  if (record.status === 'committed') {
    // Conservation as stored: what the lines pay, what rounding and caps kept back.
    invariant(
      record.exactTotalMinorPpm !== null &&
        record.residueMinorPpm !== null &&
        record.cappedMinorPpm !== null &&
        record.totalRebateMinor * 1_000_000n + record.residueMinorPpm + record.cappedMinorPpm ===
          record.exactTotalMinorPpm,
      `committed settlement ${record.settlementId} does not conserve its exact total`,
    );
  }
  return record;
}

export function periodsDocumentOf(periods: readonly PeriodKey[]): string {
  return JSON.stringify(periods.map((period) => ({ gameId: period.gameId, periodId: period.periodId })));
}

function parsePeriodsDocument(settlementId: string, document: string): PeriodKey[] {
  const parsed = JSON.parse(document) as unknown;
  invariant(Array.isArray(parsed), `settlement ${settlementId} has a periods document that is not an array`);
  return parsed.map((entry: unknown) => {
    const period = entry as { gameId?: unknown; periodId?: unknown };
    invariant(
      typeof period.gameId === 'string' && typeof period.periodId === 'string',
      `settlement ${settlementId} has a malformed period`,
    );
    return { gameId: period.gameId, periodId: period.periodId };
  });
}
