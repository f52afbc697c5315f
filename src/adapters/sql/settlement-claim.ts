// The claim of a settlement, inside its fenced transaction: the settlement row (running),
// one settlement_periods row per period (its primary key is the exactly-once guard: a period
// claimed twice fails the transaction), periods.settlement_id, and every adjustment not yet
// claimed. The claim gate is taken first, so ingest transactions in flight finish before the
// claim and later ones see it (settlement-claim-gate.ts).
import { sql } from 'kysely';
import { TiernetError } from '../../app/errors.ts';
import type { ClaimOutcome, ClaimRequest, SkippedPeriod } from '../../app/ports/settlement.ts';
import { periodKeyOf, type PeriodKey } from '../../app/ports/store.ts';
import { invariant } from '../../domain/assert.ts';
import { insertRows, type Executor, type SqlDatabase } from './database.ts';
import { toNumber } from './row-values.ts';
import { holdSettlementClaimGate } from './settlement-claim-gate.ts';
import { periodsDocumentOf, settlementRecordOf } from './settlement-rows.ts';

/** Periods looked up per statement. */
const periodsPerStatement = 500;

export async function claimSettlement(
  database: SqlDatabase,
  executor: Executor,
  request: ClaimRequest,
  fencingToken: bigint,
): Promise<ClaimOutcome> {
  invariant(request.periodsMax > 0, 'periodsMax must be positive');
  await holdSettlementClaimGate(database, executor, request.nowMs);

  const skipped: SkippedPeriod[] = [];
  let claimable: PeriodKey[];
  let morePeriodsDue = false;
  if (request.periods === null) {
    const rows = await executor
      .selectFrom('periods')
      .select(['game_id', 'period_id'])
      .where('settlement_id', 'is', null)
      .orderBy('closed_at_ms')
      .orderBy('game_id')
      .orderBy('period_id')
      .limit(request.periodsMax + 1)
      .execute();
    morePeriodsDue = rows.length > request.periodsMax;
    claimable = rows.slice(0, request.periodsMax).map((row) => ({ gameId: row.game_id, periodId: row.period_id }));
  } else {
    claimable = [];
    const requested = [...new Map(request.periods.map((period) => [periodKeyOf(period), period])).values()];
    const known = await settlementIdsOf(executor, requested);
    for (const period of requested) {
      const settlementId = known.get(periodKeyOf(period));
      if (settlementId === undefined) skipped.push({ ...period, reason: 'not_closed' });
      else if (settlementId !== null) skipped.push({ ...period, reason: 'already_settled' });
      else if (claimable.length >= request.periodsMax) skipped.push({ ...period, reason: 'over_limit' });
      else claimable.push(period);
    }
  }

  if (claimable.length === 0) {
    const adjustmentsPending =
      request.periods === null && request.adjustmentsAlone && (await pendingAdjustmentExists(executor));
    if (!adjustmentsPending) return { settlement: null, skipped, morePeriodsDue };
  }

  const latestPolicy = await executor
    .selectFrom('rebate_policy_versions')
    .select('version')
    .orderBy('version', 'desc')
    .limit(1)
    .executeTakeFirst();
  await executor
    .insertInto('settlements')
    .values({
      settlement_id: request.settlementId,
      status: 'running',
      fencing_token: fencingToken.toString(),
      runner: request.runner,
      policy_version: latestPolicy === undefined ? 0 : toNumber(latestPolicy.version),
      periods_doc: periodsDocumentOf(claimable),
      adjustment_count: 0,
      line_count: 0,
      beneficiaries: 0,
      total_rebate_minor: 0,
      created_at_ms: request.nowMs,
    })
    .execute();
  await insertRows(
    database,
    executor,
    'settlement_periods',
    ['game_id', 'period_id', 'settlement_id'],
    claimable.map((period) => [period.gameId, period.periodId, request.settlementId]),
    '',
  );
  let periodsMarked = 0n;
  for (let start = 0; start < claimable.length; start += periodsPerStatement) {
    const chunk = claimable.slice(start, start + periodsPerStatement);
    const result = await executor
      .updateTable('periods')
      .set({ settlement_id: request.settlementId })
      .where(periodKeysIn(chunk))
      .where('settlement_id', 'is', null)
      .executeTakeFirst();
    periodsMarked += result.numUpdatedRows;
  }
  if (periodsMarked !== BigInt(claimable.length)) {
    // The settlement_periods key should have caught this first; either way the claim is void.
    throw new TiernetError(
      'db_conflict',
      `${claimable.length - Number(periodsMarked)} period(s) were claimed by another settlement meanwhile`,
    );
  }
  const adjustments = await executor
    .updateTable('bet_adjustments')
    .set({ settlement_id: request.settlementId })
    .where('settlement_id', 'is', null)
    .executeTakeFirst();
  await executor
    .updateTable('settlements')
    .set({ adjustment_count: adjustments.numUpdatedRows.toString() })
    .where('settlement_id', '=', request.settlementId)
    .execute();

  const row = await executor
    .selectFrom('settlements')
    .selectAll()
    .where('settlement_id', '=', request.settlementId)
    .executeTakeFirstOrThrow();
  return { settlement: settlementRecordOf(row), skipped, morePeriodsDue };
}

/**
 * Releases a settlement's claims (its periods and adjustments become due again), for a run
 * that failed before writing any line.
 */
export async function releaseClaims(executor: Executor, settlementId: string): Promise<void> {
  await executor.deleteFrom('settlement_periods').where('settlement_id', '=', settlementId).execute();
  await executor
    .updateTable('periods')
    .set({ settlement_id: null })
    .where('settlement_id', '=', settlementId)
    .execute();
  await executor
    .updateTable('bet_adjustments')
    .set({ settlement_id: null })
    .where('settlement_id', '=', settlementId)
    .execute();
}

/** settlement_id (null: closed, unsettled) of the periods that exist, by periodKeyOf. */
async function settlementIdsOf(executor: Executor, periods: readonly PeriodKey[]): Promise<Map<string, string | null>> {
  const found = new Map<string, string | null>();
  for (let start = 0; start < periods.length; start += periodsPerStatement) {
    const chunk = periods.slice(start, start + periodsPerStatement);
    const rows = await executor
      .selectFrom('periods')
      .select(['game_id', 'period_id', 'settlement_id'])
      .where(periodKeysIn(chunk))
      .execute();
    for (const row of rows) found.set(periodKeyOf({ gameId: row.game_id, periodId: row.period_id }), row.settlement_id);
  }
  return found;
}

async function pendingAdjustmentExists(executor: Executor): Promise<boolean> {
  const row = await executor
    .selectFrom('bet_adjustments')
    .select('bet_id')
    .where('settlement_id', 'is', null)
    .limit(1)
    .executeTakeFirst();
  return row !== undefined;
}

function periodKeysIn(periods: readonly PeriodKey[]) {
  invariant(periods.length > 0, 'a period key list must not be empty');
  return sql<boolean>`(game_id, period_id) in (${sql.join(periods.map((period) => sql`(${period.gameId}, ${period.periodId})`))})`;
}
