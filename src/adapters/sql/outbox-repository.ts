import type { OutboxRecord, OutboxRepository, StoredOutboxRecord } from '../../app/ports/store.ts';
import { insertRows, type Executor, type SqlDatabase } from './database.ts';
import { toBigInt, toNumber } from './row-values.ts';

const deleteChunkSize = 5_000;

export function createOutboxRepository(database: SqlDatabase, executor: Executor): OutboxRepository {
  return {
    async append(records: readonly OutboxRecord[], nowMs: number) {
      await insertRows(
        database,
        executor,
        'outbox',
        ['topic', 'message_key', 'payload', 'created_at_ms'],
        records.map((record) => [record.topic, record.key, record.payload, nowMs]),
        '',
      );
    },
    async readBatch(limit: number, excluding: readonly bigint[] = []) {
      let query = executor.selectFrom('outbox').selectAll();
      if (excluding.length > 0) query = query.where('outbox_id', 'not in', excluding.map(String));
      const rows = await query.orderBy('outbox_id').limit(limit).execute();
      return rows.map((row): StoredOutboxRecord => ({
        outboxId: toBigInt(row.outbox_id),
        topic: row.topic,
        key: row.message_key,
        payload: row.payload,
        createdAtMs: toNumber(row.created_at_ms),
      }));
    },
    async remove(outboxIds: readonly bigint[]) {
      for (let start = 0; start < outboxIds.length; start += deleteChunkSize) {
        await executor
          .deleteFrom('outbox')
          .where('outbox_id', 'in', outboxIds.slice(start, start + deleteChunkSize).map(String))
          .execute();
      }
    },
    async count() {
      const row = await executor
        .selectFrom('outbox')
        .select((eb) => eb.fn.countAll().as('total'))
        .executeTakeFirst();
      return row ? toNumber(row.total) : 0;
    },
  };
}
