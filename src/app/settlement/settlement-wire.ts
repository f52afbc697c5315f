// Wire forms of a settlement, shared by the HTTP API, the CLI's --json and the
// settlement.committed event (DESIGN §2, §6). Money in minor units is a decimal string with 4
// fraction digits; residue, capped and the exact total are in minor·ppm (exact before
// flooring), written as decimal strings with 10 fraction digits (4 of the minor unit, 6 of
// the ppm), so "0.0000012345" is 1.2345 ppm of a minor unit and nothing is rounded away.
import { formatScaledDecimal } from '../../domain/decimal.ts';
import { formatMinor } from '../../domain/money.ts';
import { isoTime } from '../outbox/messages.ts';
import type { SettlementRecord, SkippedPeriod } from '../ports/settlement.ts';
import type { OutboxRecord, PeriodKey } from '../ports/store.ts';

/** Digits after the point of a minor·ppm amount in currency units. */
export const minorPpmScaleDigits = 10;

export function formatMinorPpm(amountMinorPpm: bigint): string {
  return formatScaledDecimal(amountMinorPpm, minorPpmScaleDigits);
}

export interface WireSettlement {
  readonly settlementId: string;
  readonly status: SettlementRecord['status'];
  readonly periods: PeriodKey[];
  readonly beneficiaries: number;
  readonly totalRebate: string;
  readonly residue: string | null;
  readonly capped: string | null;
  readonly exactTotal: string | null;
  readonly turnover: string | null;
  readonly lines: number;
  readonly adjustments: number;
  readonly policyVersion: number;
  readonly fencingToken: string;
  readonly runner: string;
  readonly error: string | null;
  readonly createdAt: string;
  readonly committedAt: string | null;
}

export function wireSettlement(record: SettlementRecord): WireSettlement {
  return {
    settlementId: record.settlementId,
    status: record.status,
    periods: record.periods.map((period) => ({ gameId: period.gameId, periodId: period.periodId })),
    beneficiaries: record.beneficiaries,
    totalRebate: formatMinor(record.totalRebateMinor),
    residue: record.residueMinorPpm === null ? null : formatMinorPpm(record.residueMinorPpm),
    capped: record.cappedMinorPpm === null ? null : formatMinorPpm(record.cappedMinorPpm),
    exactTotal: record.exactTotalMinorPpm === null ? null : formatMinorPpm(record.exactTotalMinorPpm),
    turnover: record.turnoverMinor === null ? null : formatMinor(record.turnoverMinor),
    lines: record.lineCount,
    adjustments: record.adjustmentCount,
    policyVersion: record.policyVersion,
    fencingToken: record.fencingToken.toString(),
    runner: record.runner,
    error: record.error,
    createdAt: isoTime(record.createdAtMs),
    committedAt: record.committedAtMs === null ? null : isoTime(record.committedAtMs),
  };
}

export function wireSkipped(skipped: readonly SkippedPeriod[]): { gameId: string; periodId: string; reason: string }[] {
  return skipped.map((period) => ({ gameId: period.gameId, periodId: period.periodId, reason: period.reason }));
}

/** The settlement.committed out-event (DESIGN §2), written in the commit's transaction. */
export function settlementCommittedRecord(topic: string, record: SettlementRecord): OutboxRecord {
  return {
    topic,
    key: record.settlementId,
    payload: JSON.stringify({
      type: 'settlement.committed',
      settlementId: record.settlementId,
      periods: record.periods.map((period) => ({ gameId: period.gameId, periodId: period.periodId })),
      beneficiaries: record.beneficiaries,
      totalRebate: formatMinor(record.totalRebateMinor),
      at: isoTime(record.committedAtMs ?? record.createdAtMs),
    }),
  };
}
