// The log's single producer: idempotent (the broker drops the duplicates its own retries
// would write), acks from every in-sync replica, kafkajs's default partitioner (murmur2, as
// the Java client) so a key always lands on one partition. Calls to send() are serialized:
// records of an earlier call precede those of a later one for the same key, whatever the
// retries underneath.
import { Partitioners } from 'kafkajs';
import type { Kafka, Message, Producer, TopicMessages } from 'kafkajs';
import { TiernetError } from '../../app/errors.ts';
import type { EventProducer, LogRecord } from '../../app/ports/event-log.ts';
import { withTimeout } from './kafka-timeout.ts';
import type { StructuredLogger } from './kafka-logger.ts';

export interface KafkaProducerSettings {
  /** How long the broker may wait for in-sync replicas before answering a produce. */
  readonly ackTimeoutMs: number;
  /** Bound on one send(), retries included; past it the send fails and the producer is rebuilt. */
  readonly sendTimeoutMs: number;
  /** Records one send() may carry; callers batch below it. */
  readonly recordsPerSendMax: number;
}

export class KafkaEventProducer implements EventProducer {
  readonly #kafka: Kafka;
  readonly #settings: KafkaProducerSettings;
  readonly #logger: StructuredLogger;
  #producer: Promise<Producer> | null = null;
  #queue: Promise<void> = Promise.resolve();
  #closed = false;

  constructor(kafka: Kafka, settings: KafkaProducerSettings, logger: StructuredLogger) {
    this.#kafka = kafka;
    this.#settings = settings;
    this.#logger = logger;
  }

  send(records: readonly LogRecord[]): Promise<void> {
    const sent = this.#queue.then(() => this.#sendNow(records));
    this.#queue = sent.catch(() => undefined);
    return sent;
  }

  async close(): Promise<void> {
    this.#closed = true;
    await this.#queue;
    const producer = this.#producer;
    this.#producer = null;
    if (producer !== null) await (await producer.catch(() => null))?.disconnect();
  }

  async #sendNow(records: readonly LogRecord[]): Promise<void> {
    if (this.#closed) throw new TiernetError('kafka_unavailable', 'the Kafka event log is closed');
    if (records.length === 0) return;
    if (records.length > this.#settings.recordsPerSendMax) {
      throw new TiernetError(
        'bound_exceeded',
        `one send takes at most ${this.#settings.recordsPerSendMax} records, got ${records.length}`,
      );
    }
    const topicMessages = groupByTopic(records);
    try {
      const producer = await this.#connected();
      await withTimeout(
        producer.sendBatch({ acks: -1, timeout: this.#settings.ackTimeoutMs, topicMessages }),
        this.#settings.sendTimeoutMs,
        `sending ${records.length} records`,
      );
    } catch (error) {
      // An idempotent producer that gave up mid-retry may hold sequence numbers the broker
      // has already seen; a fresh producer id makes the next send safe. The failed records
      // may or may not have landed: callers resend (outbox), consumers dedupe by natural key.
      this.#discardProducer();
      throw new TiernetError('kafka_unavailable', `Kafka send failed: ${errorMessage(error)}`, { cause: error });
    }
  }

  #connected(): Promise<Producer> {
    if (this.#producer === null) {
      const producer = this.#kafka.producer({
        idempotent: true,
        // KIP-98's original rule for idempotence; it also keeps per-partition order without
        // relying on kafkajs's handling of out-of-order sequence errors.
        maxInFlightRequests: 1,
        allowAutoTopicCreation: false,
        createPartitioner: Partitioners.DefaultPartitioner,
      });
      const connecting = producer.connect().then(() => producer);
      connecting.catch(() => {
        if (this.#producer === connecting) this.#producer = null;
      });
      this.#producer = connecting;
    }
    return this.#producer;
  }

  #discardProducer(): void {
    const discarded = this.#producer;
    this.#producer = null;
    if (discarded === null) return;
    void discarded
      .then((producer) => producer.disconnect())
      .catch((error: unknown) => this.#logger.debug({ err: error }, 'discarding the Kafka producer failed'));
  }
}

function groupByTopic(records: readonly LogRecord[]): TopicMessages[] {
  const byTopic = new Map<string, Message[]>();
  for (const record of records) {
    let messages = byTopic.get(record.topic);
    if (messages === undefined) {
      messages = [];
      byTopic.set(record.topic, messages);
    }
    const message: Message = { key: record.key, value: record.value };
    if (record.headers !== undefined) message.headers = { ...record.headers };
    messages.push(message);
  }
  return [...byTopic].map(([topic, messages]) => ({ topic, messages }));
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
