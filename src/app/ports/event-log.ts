// The event log port: Kafka in production, an in-process log on the embedded default.
// Both adapters pass test/contract/event-log.contract.ts.

export interface LogRecord {
  readonly topic: string;
  readonly key: string | null;
  readonly value: string;
  readonly headers?: Readonly<Record<string, string>>;
}

export interface ConsumedMessage {
  readonly topic: string;
  readonly partition: number;
  /** Decimal string, as Kafka reports it. */
  readonly offset: string;
  readonly key: string | null;
  /** The raw bytes as UTF-8 text; null for a tombstone. Never parsed here: bad JSON is the consumer's to DLQ. */
  readonly value: string | null;
  readonly timestampMs: number;
  /** Record headers as UTF-8 text (e.g. tiernet-event-id on out-events); absent when there are none. */
  readonly headers?: Readonly<Record<string, string>>;
}

/** A batch from one topic partition, in offset order. */
export interface ConsumedBatch {
  readonly topic: string;
  readonly partition: number;
  readonly messages: readonly ConsumedMessage[];
}

export interface ConsumerOptions {
  readonly groupId: string;
  readonly topics: readonly string[];
  /** Upper bound on messages handed to one handler call. */
  readonly maxBatchSize: number;
  /** Start from the earliest offset when the group has no committed offset. Default true. */
  readonly fromBeginning?: boolean;
}

/**
 * Called with each batch. Offsets up to the last message of the batch are committed only
 * after the returned promise resolves; if it rejects, nothing is committed and the batch is
 * delivered again.
 */
export type BatchHandler = (batch: ConsumedBatch) => Promise<void>;

export interface EventConsumer {
  /** Starts consuming in the background; resolves once the consumer has joined. */
  start(handler: BatchHandler): Promise<void>;
  /** Stops consuming; resolves after the handler in flight has finished and its offsets are committed. */
  stop(): Promise<void>;
  /** Messages behind the log end, summed over assigned partitions (for metrics). */
  lag(): Promise<number>;
}

export interface EventProducer {
  /** Resolves once every record is durably accepted by the log, in order per key. */
  send(records: readonly LogRecord[]): Promise<void>;
}

export interface EventLog {
  ensureTopics(topics: readonly string[], partitions: number): Promise<void>;
  producer(): EventProducer;
  consumer(options: ConsumerOptions): EventConsumer;
  /** Health probe: resolves if the log is reachable. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
