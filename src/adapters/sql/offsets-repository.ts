import type { ConsumerOffset, OffsetsRepository } from '../../app/ports/store.ts';
import { insertRows, type Executor, type SqlDatabase } from './database.ts';
import { toBigInt, toNumber } from './row-values.ts';

export function createOffsetsRepository(database: SqlDatabase, executor: Executor): OffsetsRepository {
  return {
    async save(offsets: readonly ConsumerOffset[], nowMs: number) {
      await insertRows(
        database,
        executor,
        'consumer_offsets',
        ['consumer_group', 'topic', 'partition_no', 'next_offset', 'updated_at_ms'],
        offsets.map((offset) => [offset.consumerGroup, offset.topic, offset.partition, offset.nextOffset, nowMs]),
        // Never backwards: a redelivered or replayed batch must not lower what was applied
        // (ingest's dead-letter check relies on it).
        database.dialect.renderUpsertTail(
          ['consumer_group', 'topic', 'partition_no'],
          [],
          ['updated_at_ms'],
          ['next_offset'],
        ),
      );
    },
    async load(consumerGroup: string, topic: string) {
      const rows = await executor
        .selectFrom('consumer_offsets')
        .selectAll()
        .where('consumer_group', '=', consumerGroup)
        .where('topic', '=', topic)
        .orderBy('partition_no')
        .execute();
      return rows.map((row) => ({
        consumerGroup: row.consumer_group,
        topic: row.topic,
        partition: toNumber(row.partition_no),
        nextOffset: toBigInt(row.next_offset),
      }));
    },
  };
}
