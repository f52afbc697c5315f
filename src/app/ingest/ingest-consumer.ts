// Runs ingest from the event log: each consumed batch (one partition, at most maxBatchSize
// messages) becomes one ingestBatch call; the log commits offsets only after it resolves, so
// a crash before commit redelivers and the natural keys make redelivery harmless. A failure
// (database down) rejects the batch and the log adapter retries it with backoff: the
// consumer pauses rather than skipping anything.
import type { ConsumedBatch, EventConsumer, EventLog } from '../ports/event-log.ts';
import { ingestBatch, type IngestDependencies, type IngestItem, type IngestStats } from './ingest-batch.ts';

export interface IngestConsumerOptions {
  readonly eventLog: EventLog;
  readonly ingest: IngestDependencies;
  readonly topics: readonly string[];
  readonly groupId: string;
  readonly maxBatchSize: number;
  readonly onBatch?: (batch: ConsumedBatch, stats: IngestStats, durationMs: number) => void;
  readonly onError?: (error: unknown, batch: ConsumedBatch) => void;
}

export function itemsOf(batch: ConsumedBatch): IngestItem[] {
  return batch.messages.map((message) => ({
    input: {
      kind: 'text',
      text: message.value,
      byteLength: message.value === null ? 0 : Buffer.byteLength(message.value),
    },
    source: { topic: message.topic, partition: message.partition, offset: message.offset, key: message.key },
  }));
}

export async function startIngestConsumer(options: IngestConsumerOptions): Promise<EventConsumer> {
  const consumer = options.eventLog.consumer({
    groupId: options.groupId,
    topics: options.topics,
    maxBatchSize: options.maxBatchSize,
    fromBeginning: true,
  });
  await consumer.start(async (batch) => {
    const startedMs = performance.now();
    try {
      const { stats } = await ingestBatch(options.ingest, itemsOf(batch));
      options.onBatch?.(batch, stats, performance.now() - startedMs);
    } catch (error) {
      options.onError?.(error, batch);
      throw error;
    }
  });
  return consumer;
}
