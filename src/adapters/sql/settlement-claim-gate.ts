// The settlement claim gate: one row ('settlement.claim-gate' in `fences`) that a settlement
// claim locks exclusively and every ingest transaction that writes bets or voids shares.
//
// Why: a settlement counts a period's bets as they stand when the period is claimed; a bet or
// void that reaches a claimed period becomes an adjustment for a later settlement instead.
// Ingest decides "claimed or not" by reading the claim. Under READ COMMITTED (which this
// service runs) that read does not wait for a claim in flight, and a period's row may not even
// exist yet when the bet lands, so without a gate a bet written by a transaction that read
// "not claimed" could commit after the settlement had already read the period's bets: lost.
// With the gate, a claim waits for every ingest transaction in flight to commit, and an
// ingest transaction that starts after a claim waits for it and then sees it. Shared locks do
// not conflict with each other, so ingest transactions do not wait for one another.
//
// SQLite has one writer at a time, so every transaction is already serial there.
import { sql } from 'kysely';
import { insertRows, type Executor, type SqlDatabase } from './database.ts';

export const settlementClaimGateName = 'settlement.claim-gate';

/**
 * For ingest: holds the gate shared until the transaction ends. Call it before reading which
 * periods are claimed and before the transaction's first write (holding row locks while
 * waiting for the gate could deadlock with a claim).
 */
export async function shareSettlementClaimGate(
  database: SqlDatabase,
  executor: Executor,
  nowMs: number,
): Promise<void> {
  if (database.dialect.name === 'sqlite') return;
  const lockShared = () =>
    sql`select token from fences where name = ${settlementClaimGateName} lock in share mode`.execute(executor);
  const found = await lockShared();
  if (found.rows.length > 0) return;
  // First use ever: a locking read of a missing row locks nothing under READ COMMITTED, so
  // the row is created (once, by whoever comes first) and then locked.
  await createGateRow(database, executor, nowMs);
  await lockShared();
}

/**
 * Creates the gate row if it is missing. Run after migrating, so the first ingest batches do
 * not all race to create it (each creation holds the row exclusively until its batch commits:
 * 0.8 s of lock waits at the start of the ingest bench).
 */
export async function ensureSettlementClaimGate(database: SqlDatabase, nowMs: number): Promise<void> {
  await createGateRow(database, database.db, nowMs);
}

/** For a settlement claim: holds the gate exclusively until the transaction ends. */
export async function holdSettlementClaimGate(database: SqlDatabase, executor: Executor, nowMs: number): Promise<void> {
  await createGateRow(database, executor, nowMs);
  await executor
    .updateTable('fences')
    .set({ updated_at_ms: nowMs })
    .where('name', '=', settlementClaimGateName)
    .execute();
}

async function createGateRow(database: SqlDatabase, executor: Executor, nowMs: number): Promise<void> {
  await insertRows(
    database,
    executor,
    'fences',
    ['name', 'token', 'updated_at_ms'],
    [[settlementClaimGateName, 0, nowMs]],
    database.dialect.renderIgnoreTail(['name']),
  );
}
