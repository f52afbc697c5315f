import type { UserId } from '../../domain/ids.ts';
import type { VipOverride, VipState, VipStatus } from '../../domain/vip/vip-state.ts';
import type { StoredVipState, VipStatesRepository } from '../../app/ports/store.ts';
import { insertRows, type Executor, type SqlDatabase } from './database.ts';
import { toId, toNullableNumber, toNumber } from './row-values.ts';

const lookupChunkSize = 5_000;
const columns = [
  'user_id',
  'level',
  'level_since_ms',
  'cycle_start_ms',
  'next_review_ms',
  'status',
  'at_risk_since_ms',
  'protected_until_ms',
  'override_doc',
  'override_expires_ms',
  'seq',
  'changed_at_ms',
  'ladder_version',
  'updated_at_ms',
] as const;

export function createVipStatesRepository(database: SqlDatabase, executor: Executor): VipStatesRepository {
  return {
    async getMany(userIds: readonly UserId[]) {
      const result = new Map<UserId, StoredVipState>();
      const unique = [...new Set(userIds)];
      for (let start = 0; start < unique.length; start += lookupChunkSize) {
        const rows = await executor
          .selectFrom('vip_states')
          .selectAll()
          .where('user_id', 'in', unique.slice(start, start + lookupChunkSize))
          .execute();
        for (const row of rows) {
          const state: VipState = {
            level: toNumber(row.level),
            levelSinceMs: toNumber(row.level_since_ms),
            cycleStartMs: toNullableNumber(row.cycle_start_ms),
            nextReviewMs: toNullableNumber(row.next_review_ms),
            status: row.status as VipStatus,
            atRiskSinceMs: toNullableNumber(row.at_risk_since_ms),
            protectedUntilMs: toNullableNumber(row.protected_until_ms),
            override: row.override_doc === null ? null : (JSON.parse(row.override_doc) as VipOverride),
            seq: toNumber(row.seq),
            changedAtMs: toNumber(row.changed_at_ms),
          };
          const userId = toId(row.user_id);
          result.set(userId, { userId, state, ladderVersion: toNumber(row.ladder_version) });
        }
      }
      return result;
    },
    async upsertMany(rows: readonly StoredVipState[], nowMs: number) {
      const sorted = [...rows].sort((a, b) => (BigInt(a.userId) < BigInt(b.userId) ? -1 : 1));
      await insertRows(
        database,
        executor,
        'vip_states',
        columns,
        sorted.map(({ userId, state, ladderVersion }) => [
          userId,
          state.level,
          state.levelSinceMs,
          state.cycleStartMs,
          state.nextReviewMs,
          state.status,
          state.atRiskSinceMs,
          state.protectedUntilMs,
          state.override === null ? null : JSON.stringify(state.override),
          state.override?.expiresAtMs ?? null,
          state.seq,
          state.changedAtMs,
          ladderVersion,
          nowMs,
        ]),
        database.dialect.renderUpsertTail(
          ['user_id'],
          [],
          columns.filter((name) => name !== 'user_id'),
        ),
      );
    },
    async dueForReview(atMs: number, limit: number) {
      const rows = await executor
        .selectFrom('vip_states')
        .select('user_id')
        .where('next_review_ms', '<=', atMs)
        .orderBy('next_review_ms')
        .orderBy('user_id')
        .limit(limit)
        .execute();
      return rows.map((row) => toId(row.user_id));
    },
    async levelCounts() {
      const rows = await executor
        .selectFrom('vip_states')
        .select((eb) => ['level', eb.fn.countAll().as('users')])
        .groupBy('level')
        .orderBy('level')
        .execute();
      return rows.map((row) => ({ level: toNumber(row.level), users: toNumber(row.users) }));
    },
  };
}
