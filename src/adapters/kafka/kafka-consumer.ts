// One consumer-group member on kafkajs. Offsets are committed by hand, one slice at a time,
// after the handler resolved: at-least-once, never at-most-once. A rejected slice is retried
// in place (same messages, capped exponential backoff) so the partition neither skips nor
// reorders, and heartbeats keep flowing while a handler or a backoff runs long.
import type { Admin, Batch, Consumer, EachBatchPayload, Kafka, KafkaMessage } from 'kafkajs';
import { TiernetError } from '../../app/errors.ts';
import type {
  BatchHandler,
  ConsumedBatch,
  ConsumedMessage,
  ConsumerOptions,
  EventConsumer,
} from '../../app/ports/event-log.ts';
import type { StructuredLogger } from './kafka-logger.ts';
import { InterruptibleSleeper, retryDelayMs } from './kafka-retry.ts';
import { withTimeout } from './kafka-timeout.ts';
import type { RetryDelays } from './kafka-retry.ts';

export interface KafkaConsumerSettings extends RetryDelays {
  readonly sessionTimeoutMs: number;
  readonly heartbeatIntervalMs: number;
  /** Longest a fetch waits for data; also bounds how long stop() waits for an idle fetch. */
  readonly maxWaitTimeMs: number;
  /** Longest start() waits for the group join. */
  readonly joinTimeoutMs: number;
  /**
   * Partitions of one member handled at the same time. Order within a partition (and so per
   * key) is kept either way; more than 1 overlaps one partition's database transaction with
   * another's fetch and processing, which is what keeps latency low under a steady stream.
   */
  readonly partitionsConsumedConcurrently?: number;
}

/** Topics one consumer may subscribe to: a bound on the lag() round trips. */
const topicsPerConsumerMax = 64;

type SliceOutcome = 'handled' | 'abandoned';

export class KafkaEventConsumer implements EventConsumer {
  readonly #kafka: Kafka;
  readonly #admin: () => Promise<Admin>;
  readonly #options: ConsumerOptions;
  readonly #settings: KafkaConsumerSettings;
  readonly #logger: StructuredLogger;
  readonly #sleeper = new InterruptibleSleeper();
  readonly #onStopped: (consumer: KafkaEventConsumer) => void;
  #consumer: Consumer | null = null;
  #stopping = false;
  readonly #inFlight = new Set<Promise<void>>();

  constructor(
    kafka: Kafka,
    admin: () => Promise<Admin>,
    options: ConsumerOptions,
    settings: KafkaConsumerSettings,
    logger: StructuredLogger,
    onStopped: (consumer: KafkaEventConsumer) => void,
  ) {
    if (!Number.isInteger(options.maxBatchSize) || options.maxBatchSize < 1) {
      throw new TiernetError('config_invalid', `maxBatchSize must be a positive integer, got ${options.maxBatchSize}`);
    }
    if (options.topics.length === 0 || options.topics.length > topicsPerConsumerMax) {
      throw new TiernetError(
        'config_invalid',
        `a consumer takes 1 to ${topicsPerConsumerMax} topics, got ${options.topics.length}`,
      );
    }
    this.#kafka = kafka;
    this.#admin = admin;
    this.#options = options;
    this.#settings = settings;
    this.#logger = logger;
    this.#onStopped = onStopped;
  }

  async start(handler: BatchHandler): Promise<void> {
    if (this.#consumer !== null || this.#stopping) {
      throw new TiernetError('internal', `consumer for group ${this.#options.groupId} was already started`);
    }
    const consumer = this.#kafka.consumer({
      groupId: this.#options.groupId,
      sessionTimeout: this.#settings.sessionTimeoutMs,
      heartbeatInterval: this.#settings.heartbeatIntervalMs,
      maxWaitTimeInMs: this.#settings.maxWaitTimeMs,
      allowAutoTopicCreation: false,
      // kafkajs restarts after retriable crashes only; a consumer that silently dies would
      // stall ingestion with nothing but a lag alarm to show for it.
      retry: { restartOnFailure: async () => true },
    });
    this.#consumer = consumer;
    let hasJoined = false;
    const joined = new Promise<void>((resolve, reject) => {
      consumer.on(consumer.events.GROUP_JOIN, () => {
        hasJoined = true;
        resolve();
      });
      consumer.on(consumer.events.CRASH, (event) => {
        const { error, restart } = event.payload;
        this.#logger.error({ groupId: this.#options.groupId, err: error, restart }, 'kafka consumer crashed');
        if (restart) return; // kafkajs rejoins by itself
        if (!hasJoined) {
          reject(
            new TiernetError('kafka_unavailable', `consumer for group ${this.#options.groupId} crashed`, {
              cause: error,
            }),
          );
          return;
        }
        this.#restartAfterCrash(consumer, handler, 0);
      });
    });
    // A crash after the join is logged above; the rejection must not go unhandled.
    joined.catch(() => undefined);
    try {
      await consumer.connect();
      await consumer.subscribe({
        topics: [...this.#options.topics],
        fromBeginning: this.#options.fromBeginning ?? true,
      });
      await consumer.run({
        autoCommit: false,
        eachBatchAutoResolve: false,
        partitionsConsumedConcurrently: this.#settings.partitionsConsumedConcurrently ?? 1,
        eachBatch: (payload) => this.#track(this.#consumeBatch(payload, handler)),
      });
      await withTimeout(joined, this.#settings.joinTimeoutMs, `joining group ${this.#options.groupId}`);
    } catch (error) {
      this.#consumer = null;
      await consumer.disconnect().catch(() => undefined);
      throw error instanceof TiernetError
        ? error
        : new TiernetError('kafka_unavailable', `cannot start consumer for group ${this.#options.groupId}`, {
            cause: error,
          });
    }
  }

  async stop(): Promise<void> {
    // Stopping is final, also for a member waiting to be rebuilt after a crash.
    this.#stopping = true;
    this.#sleeper.wakeAll();
    const consumer = this.#consumer;
    if (consumer === null) return;
    // The in-flight slice commits before kafkajs stops: kafkajs refuses commits once stopped.
    await Promise.all([...this.#inFlight].map((work) => work.catch(() => undefined)));
    try {
      await consumer.disconnect();
    } finally {
      this.#consumer = null;
      this.#onStopped(this);
    }
  }

  // kafkajs gives up on non-retriable errors; a member that silently left would stall its
  // partitions with nothing but a lag alarm to show for it, so it is rebuilt after a backoff.
  #restartAfterCrash(crashed: Consumer, handler: BatchHandler, attempt: number): void {
    if (this.#stopping || this.#consumer !== crashed) return;
    this.#consumer = null;
    void crashed.disconnect().catch(() => undefined);
    this.#scheduleRestart(handler, attempt);
  }

  #scheduleRestart(handler: BatchHandler, attempt: number): void {
    void this.#sleeper.sleep(retryDelayMs(attempt, this.#settings)).then(async () => {
      if (this.#stopping || this.#consumer !== null) return;
      try {
        await this.start(handler);
      } catch (error) {
        this.#logger.error({ groupId: this.#options.groupId, err: error, attempt }, 'kafka consumer restart failed');
        this.#scheduleRestart(handler, attempt + 1);
      }
    });
  }

  async lag(): Promise<number> {
    const admin = await this.#admin();
    let total = 0;
    for (const topic of this.#options.topics) {
      const [committed, ends] = await Promise.all([
        admin.fetchOffsets({ groupId: this.#options.groupId, topics: [topic] }),
        admin.fetchTopicOffsets(topic),
      ]);
      const committedByPartition = new Map<number, number>();
      for (const entry of committed) {
        for (const partition of entry.partitions)
          committedByPartition.set(partition.partition, Number(partition.offset));
      }
      for (const end of ends) {
        const high = Number(end.high);
        const committedOffset = committedByPartition.get(end.partition) ?? -1;
        // No commit yet: the group will start from the log start (fromBeginning) or the end.
        const base =
          committedOffset >= 0 ? committedOffset : (this.#options.fromBeginning ?? true) ? Number(end.low) : high;
        total += Math.max(0, high - base);
      }
    }
    return total;
  }

  async #track(work: Promise<void>): Promise<void> {
    this.#inFlight.add(work);
    try {
      await work;
    } finally {
      this.#inFlight.delete(work);
    }
  }

  async #consumeBatch(payload: EachBatchPayload, handler: BatchHandler): Promise<void> {
    const { batch } = payload;
    const maxBatchSize = this.#options.maxBatchSize;
    const abandoned = (): boolean => this.#stopping || !payload.isRunning() || payload.isStale();
    // Bounded by the fetch size kafkajs was configured with.
    for (let first = 0; first < batch.messages.length; first += maxBatchSize) {
      if (abandoned()) return;
      const slice = batch.messages.slice(first, first + maxBatchSize);
      const last = slice[slice.length - 1];
      if (last === undefined) return;
      const outcome = await this.#handleUntilAccepted(toConsumedBatch(batch, slice), handler, payload, abandoned);
      if (outcome === 'abandoned') return;
      const nextOffset = (BigInt(last.offset) + 1n).toString();
      await payload.commitOffsetsIfNecessary({
        topics: [{ topic: batch.topic, partitions: [{ partition: batch.partition, offset: nextOffset }] }],
      });
      payload.resolveOffset(last.offset);
      await payload.heartbeat();
    }
  }

  async #handleUntilAccepted(
    consumed: ConsumedBatch,
    handler: BatchHandler,
    payload: EachBatchPayload,
    abandoned: () => boolean,
  ): Promise<SliceOutcome> {
    // Unbounded by design (see kafka-retry.ts): stop(), a rebalance or a seek ends it.
    for (let attempt = 0; ; attempt += 1) {
      if (abandoned()) return 'abandoned';
      const heartbeats = this.#heartbeatWhile(payload);
      try {
        await Promise.resolve().then(() => handler(consumed));
        heartbeats.stop();
        return 'handled';
      } catch (error) {
        heartbeats.stop();
        // The group is rebalancing: hand the partition back uncommitted; its next owner starts
        // at the committed offset, which redelivers this slice.
        heartbeats.throwIfRebalancing();
        const delayMs = retryDelayMs(attempt, this.#settings);
        this.#logger.warn(
          {
            groupId: this.#options.groupId,
            topic: consumed.topic,
            partition: consumed.partition,
            attempt,
            delayMs,
            err: error,
          },
          'batch handler rejected; redelivering the same messages after a backoff',
        );
        const waiting = this.#heartbeatWhile(payload);
        await this.#sleeper.sleep(delayMs);
        waiting.stop();
        waiting.throwIfRebalancing();
      }
    }
  }

  #heartbeatWhile(payload: EachBatchPayload): { stop(): void; throwIfRebalancing(): void } {
    let failure: Error | null = null;
    const timer = setInterval(() => {
      payload.heartbeat().catch((error: unknown) => {
        if (isRebalanceSignal(error)) failure ??= error instanceof Error ? error : new Error(String(error));
        else this.#logger.debug({ groupId: this.#options.groupId, err: error }, 'heartbeat failed; kafkajs retries');
      });
    }, this.#settings.heartbeatIntervalMs);
    return {
      stop: () => clearInterval(timer),
      throwIfRebalancing: () => {
        if (failure !== null) throw failure;
      },
    };
  }
}

// The errors with which the coordinator tells a member to rejoin; kafkajs's runner rejoins
// when eachBatch throws one of them.
const rebalanceErrorTypes = new Set([
  'REBALANCE_IN_PROGRESS',
  'NOT_COORDINATOR_FOR_GROUP',
  'ILLEGAL_GENERATION',
  'UNKNOWN_MEMBER_ID',
]);

function isRebalanceSignal(error: unknown): boolean {
  return typeof error === 'object' && error !== null && 'type' in error && rebalanceErrorTypes.has(String(error.type));
}

function toConsumedBatch(batch: Batch, slice: readonly KafkaMessage[]): ConsumedBatch {
  return {
    topic: batch.topic,
    partition: batch.partition,
    messages: slice.map((message): ConsumedMessage => ({
      topic: batch.topic,
      partition: batch.partition,
      offset: message.offset,
      key: message.key === null ? null : message.key.toString('utf8'),
      value: message.value === null ? null : message.value.toString('utf8'),
      timestampMs: Number(message.timestamp),
      ...headersOf(message),
    })),
  };
}

function headersOf(message: KafkaMessage): { headers?: Record<string, string> } {
  if (message.headers === undefined) return {};
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(message.headers)) {
    if (value === undefined) continue;
    const first = Array.isArray(value) ? value[0] : value;
    if (first !== undefined) headers[name] = first.toString();
  }
  return Object.keys(headers).length === 0 ? {} : { headers };
}
