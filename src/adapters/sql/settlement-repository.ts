// SettlementStore over a SqlDatabase (src/app/ports/settlement.ts), the same code on MySQL/
// MariaDB and SQLite.
//
// Fencing: a fenced transaction first creates the fence row if it is missing, then runs
// `UPDATE fences SET token = :token WHERE name = :name AND token <= :token`. Zero rows means a
// higher token has written: the transaction is abandoned with 'fence_rejected'. The row lock
// taken by that UPDATE is held to the end of the transaction, so fenced transactions of one
// name run one after another and a later one always sees what an earlier one committed.
import { TiernetError } from '../../app/errors.ts';
import type {
  FenceToken,
  FencedSettlementSession,
  SettlementRecord,
  SettlementStore,
} from '../../app/ports/settlement.ts';
import { decodeCursor, encodeCursor } from './cursor.ts';
import { insertRows, type Executor, type SqlDatabase } from './database.ts';
import { createOutboxRepository } from './outbox-repository.ts';
import { claimSettlement, releaseClaims } from './settlement-claim.ts';
import { insertSettlementLines } from './settlement-lines-insert.ts';
import { settlementRecordOf } from './settlement-rows.ts';
import { createSettlementSnapshot } from './settlement-snapshot.ts';

export function createSqlSettlementStore(database: SqlDatabase): SettlementStore {
  const read = database.db;
  return {
    async fenced(fence, nowMs, work) {
      try {
        return await database.transaction(async (trx) => {
          await raiseFence(database, trx, fence, nowMs);
          return work(createFencedSession(database, trx, fence));
        });
      } catch (error) {
        if (database.dialect.isDuplicateKey(error)) {
          throw new TiernetError('db_conflict', `a settlement key was already taken: ${(error as Error).message}`, {
            cause: error,
          });
        }
        throw error;
      }
    },

    async snapshot(work) {
      return read
        .transaction()
        .setIsolationLevel('repeatable read')
        .setAccessMode('read only')
        .execute((trx) => work(createSettlementSnapshot(trx, database.dialect.name)));
    },

    async get(settlementId) {
      return getSettlement(read, settlementId);
    },

    async list(cursor, limit) {
      let query = read.selectFrom('settlements').selectAll();
      if (cursor !== null) {
        const after = decodeCursor(cursor, ['createdAtMs', 'settlementId']);
        const createdAtMs = Number(after.createdAtMs);
        const settlementId = after.settlementId ?? '';
        query = query.where((eb) =>
          eb.or([
            eb('created_at_ms', '<', createdAtMs),
            eb.and([eb('created_at_ms', '=', createdAtMs), eb('settlement_id', '<', settlementId)]),
          ]),
        );
      }
      const rows = await query
        .orderBy('created_at_ms', 'desc')
        .orderBy('settlement_id', 'desc')
        .limit(limit + 1)
        .execute();
      const items = rows.slice(0, limit).map(settlementRecordOf);
      const last = items[items.length - 1];
      return {
        items,
        nextCursor:
          rows.length > limit && last !== undefined
            ? encodeCursor({ createdAtMs: last.createdAtMs, settlementId: last.settlementId })
            : null,
      };
    },

    async running(limit) {
      const rows = await read
        .selectFrom('settlements')
        .selectAll()
        .where('status', '=', 'running')
        .orderBy('created_at_ms')
        .limit(limit)
        .execute();
      return rows.map(settlementRecordOf);
    },
  };
}

async function raiseFence(database: SqlDatabase, executor: Executor, fence: FenceToken, nowMs: number): Promise<void> {
  await insertRows(
    database,
    executor,
    'fences',
    ['name', 'token', 'updated_at_ms'],
    [[fence.name, 0, nowMs]],
    database.dialect.renderIgnoreTail(['name']),
  );
  const token = fence.token.toString();
  const result = await executor
    .updateTable('fences')
    .set({ token, updated_at_ms: nowMs })
    .where('name', '=', fence.name)
    .where('token', '<=', token)
    .executeTakeFirst();
  if (result.numUpdatedRows !== 1n) {
    const current = await executor
      .selectFrom('fences')
      .select('token')
      .where('name', '=', fence.name)
      .executeTakeFirst();
    throw new TiernetError(
      'fence_rejected',
      `fencing token ${fence.token} for "${fence.name}" is below ${String(current?.token ?? '?')}, which has already written: this holder lost the lock`,
    );
  }
}

function createFencedSession(database: SqlDatabase, executor: Executor, fence: FenceToken): FencedSettlementSession {
  const outbox = createOutboxRepository(database, executor);
  return {
    claim: (request) => claimSettlement(database, executor, request, fence.token),
    get: (settlementId) => getSettlement(executor, settlementId),
    async adopt(settlementId, runner, token) {
      await executor
        .updateTable('settlements')
        .set({ runner, fencing_token: token.toString() })
        .where('settlement_id', '=', settlementId)
        .execute();
    },
    insertLines: (settlementId, lines) => insertSettlementLines(executor, settlementId, lines),
    async markCommitted(settlementId, totals, token, runner, nowMs) {
      const result = await executor
        .updateTable('settlements')
        .set({
          status: 'committed',
          fencing_token: token.toString(),
          runner,
          line_count: totals.lineCount,
          beneficiaries: totals.beneficiaries,
          total_rebate_minor: totals.totalRebateMinor.toString(),
          turnover_minor: totals.turnoverMinor.toString(),
          exact_total_minor_ppm: totals.exactTotalMinorPpm.toString(),
          residue_minor_ppm: totals.residueMinorPpm.toString(),
          capped_minor_ppm: totals.cappedMinorPpm.toString(),
          error: null,
          committed_at_ms: nowMs,
        })
        .where('settlement_id', '=', settlementId)
        .where('status', '=', 'running')
        .executeTakeFirst();
      return result.numUpdatedRows === 1n;
    },
    async markFailed(settlementId, error, token, runner) {
      const result = await executor
        .updateTable('settlements')
        .set({ status: 'failed', error, fencing_token: token.toString(), runner })
        .where('settlement_id', '=', settlementId)
        .where('status', '=', 'running')
        .executeTakeFirst();
      if (result.numUpdatedRows !== 1n) return false;
      await releaseClaims(executor, settlementId);
      return true;
    },
    appendOutbox: (records, nowMs) => outbox.append(records, nowMs),
  };
}

async function getSettlement(executor: Executor, settlementId: string): Promise<SettlementRecord | null> {
  const row = await executor
    .selectFrom('settlements')
    .selectAll()
    .where('settlement_id', '=', settlementId)
    .executeTakeFirst();
  return row === undefined ? null : settlementRecordOf(row);
}
