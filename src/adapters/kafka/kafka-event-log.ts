// The EventLog port on Apache Kafka through kafkajs 2.2.4. Checked against Kafka 4.1 (KRaft):
// every API kafkajs uses negotiates a version the broker still serves after KIP-896 (see
// test/contract/event-log.kafka.test.ts). One admin client and one producer per log; each
// consumer() is its own group member.
import { Kafka } from 'kafkajs';
import type { Admin } from 'kafkajs';
import { TiernetError } from '../../app/errors.ts';
import type { ConsumerOptions, EventConsumer, EventLog, EventProducer } from '../../app/ports/event-log.ts';
import { KafkaEventConsumer } from './kafka-consumer.ts';
import type { KafkaConsumerSettings } from './kafka-consumer.ts';
import { kafkajsLogCreator, kafkajsLogLevel, silentLogger } from './kafka-logger.ts';
import type { KafkaLogLevel, StructuredLogger } from './kafka-logger.ts';
import { errorMessage, KafkaEventProducer } from './kafka-producer.ts';
import type { KafkaProducerSettings } from './kafka-producer.ts';
import { withTimeout } from './kafka-timeout.ts';

export interface KafkaEventLogOptions {
  /** host:port of one or more brokers, e.g. ['127.0.0.1:9092']. */
  readonly brokers: readonly string[];
  readonly clientId: string;
  /** pino or anything with the same four methods; without one kafkajs stays silent. */
  readonly logger?: StructuredLogger;
  /** Threshold for kafkajs's own messages. Default 'warn' with a logger, 'silent' without. */
  readonly kafkaLogLevel?: KafkaLogLevel;
  /** For topics that ensureTopics creates. Default 1 (one broker); 3 in production. */
  readonly replicationFactor?: number;
  readonly connectionTimeoutMs?: number;
  readonly requestTimeoutMs?: number;
  /** Bound on admin calls and ping(). Default 10 s. */
  readonly adminTimeoutMs?: number;
  readonly consumer?: Partial<KafkaConsumerSettings>;
  readonly producer?: Partial<KafkaProducerSettings>;
}

const defaultConsumerSettings: KafkaConsumerSettings = {
  // A member that crashed without leaving (its broker went away) is still in the group when
  // the broker returns, and the group's next rebalance waits for it until this timeout: with
  // 30 s, ingestion stood still ~30 s after every broker restart (test/fault/outage-load).
  // Heartbeats go out every 3 s, also while a handler or a retry backoff runs, so 10 s (Kafka's
  // own default before 3.0) still leaves three heartbeats of slack.
  sessionTimeoutMs: 10_000,
  heartbeatIntervalMs: 3_000,
  maxWaitTimeMs: 1_000,
  joinTimeoutMs: 60_000,
  retryBaseDelayMs: 100,
  retryMaxDelayMs: 5_000,
};

const defaultProducerSettings: KafkaProducerSettings = {
  ackTimeoutMs: 30_000,
  sendTimeoutMs: 60_000,
  recordsPerSendMax: 10_000,
};

/** Topics one ensureTopics call may name: a bound on outside input. */
const topicsPerCallMax = 1_000;

export function createKafkaEventLog(options: KafkaEventLogOptions): EventLog {
  return new KafkaEventLog(options);
}

class KafkaEventLog implements EventLog {
  readonly #kafka: Kafka;
  readonly #logger: StructuredLogger;
  readonly #replicationFactor: number;
  readonly #adminTimeoutMs: number;
  readonly #consumerSettings: KafkaConsumerSettings;
  readonly #producer: KafkaEventProducer;
  readonly #consumers = new Set<KafkaEventConsumer>();
  #admin: Promise<Admin> | null = null;
  #closed = false;

  constructor(options: KafkaEventLogOptions) {
    if (options.brokers.length === 0)
      throw new TiernetError('config_invalid', 'Kafka needs at least one broker address');
    const replicationFactor = options.replicationFactor ?? 1;
    if (!Number.isInteger(replicationFactor) || replicationFactor < 1) {
      throw new TiernetError(
        'config_invalid',
        `replicationFactor must be a positive integer, got ${replicationFactor}`,
      );
    }
    this.#logger = options.logger ?? silentLogger;
    this.#replicationFactor = replicationFactor;
    this.#adminTimeoutMs = options.adminTimeoutMs ?? 10_000;
    this.#consumerSettings = { ...defaultConsumerSettings, ...options.consumer };
    this.#kafka = new Kafka({
      clientId: options.clientId,
      brokers: [...options.brokers],
      connectionTimeout: options.connectionTimeoutMs ?? 3_000,
      requestTimeout: options.requestTimeoutMs ?? 30_000,
      logLevel: kafkajsLogLevel(options.kafkaLogLevel ?? (options.logger === undefined ? 'silent' : 'warn')),
      logCreator: kafkajsLogCreator(options.logger),
    });
    this.#producer = new KafkaEventProducer(
      this.#kafka,
      { ...defaultProducerSettings, ...options.producer },
      this.#logger,
    );
  }

  async ensureTopics(topics: readonly string[], partitions: number): Promise<void> {
    this.#assertOpen();
    if (!Number.isInteger(partitions) || partitions < 1) {
      throw new TiernetError('config_invalid', `partitions must be a positive integer, got ${partitions}`);
    }
    if (topics.length > topicsPerCallMax) {
      throw new TiernetError(
        'bound_exceeded',
        `ensureTopics takes at most ${topicsPerCallMax} topics, got ${topics.length}`,
      );
    }
    await this.#adminCall('ensureTopics', async (admin) => {
      const existing = new Set(await admin.listTopics());
      const missing = [...new Set(topics)].filter((topic) => !existing.has(topic));
      if (missing.length === 0) return;
      // Another process may create the same topic between the list and the create: kafkajs
      // answers false when every failure is TOPIC_ALREADY_EXISTS, which is success here.
      await admin.createTopics({
        waitForLeaders: true,
        topics: missing.map((topic) => ({
          topic,
          numPartitions: partitions,
          replicationFactor: this.#replicationFactor,
        })),
      });
      this.#logger.info({ topics: missing, partitions }, 'created Kafka topics');
    });
  }

  producer(): EventProducer {
    this.#assertOpen();
    return this.#producer;
  }

  consumer(options: ConsumerOptions): EventConsumer {
    this.#assertOpen();
    const consumer = new KafkaEventConsumer(
      this.#kafka,
      () => this.#connectedAdmin(),
      options,
      this.#consumerSettings,
      this.#logger,
      (stopped) => this.#consumers.delete(stopped),
    );
    this.#consumers.add(consumer);
    return consumer;
  }

  async ping(): Promise<void> {
    this.#assertOpen();
    await this.#adminCall('ping', async (admin) => {
      const cluster = await admin.describeCluster();
      if (cluster.brokers.length === 0) throw new Error('the cluster reports no brokers');
    });
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await Promise.allSettled([...this.#consumers].map((consumer) => consumer.stop()));
    await this.#producer.close();
    const admin = this.#admin;
    this.#admin = null;
    if (admin !== null) await (await admin.catch(() => null))?.disconnect();
  }

  #assertOpen(): void {
    if (this.#closed) throw new TiernetError('kafka_unavailable', 'the Kafka event log is closed');
  }

  #connectedAdmin(): Promise<Admin> {
    if (this.#admin === null) {
      const admin = this.#kafka.admin({ retry: { retries: 3 } });
      const connecting = admin.connect().then(() => admin);
      // A failed connect is forgotten so the next call tries again.
      connecting.catch(() => {
        if (this.#admin === connecting) this.#admin = null;
      });
      this.#admin = connecting;
    }
    return this.#admin;
  }

  async #adminCall(what: string, call: (admin: Admin) => Promise<void>): Promise<void> {
    try {
      await withTimeout(this.#connectedAdmin().then(call), this.#adminTimeoutMs, `Kafka ${what}`);
    } catch (error) {
      if (error instanceof TiernetError) throw error;
      throw new TiernetError('kafka_unavailable', `Kafka ${what} failed: ${errorMessage(error)}`, { cause: error });
    }
  }
}
