// The EventLog port in process, for the embedded default (`tiernet serve --data-dir`, demo,
// tests): topics with N partitions, keys placed by Kafka's own partitioner, consumer groups
// with committed offsets, at-least-once delivery in slices of at most maxBatchSize.
//
// Memory bound: each partition retains at most `retainedRecordsPerPartitionMax` records
// (default 100,000). Records every subscribed group has committed are dropped first; when
// the uncommitted backlog alone would pass the bound, send() fails with bound_exceeded
// (backpressure) instead of silently dropping events. It is for demos and tests, not for
// production volumes: that is Kafka's job.
//
// With `directory`, records and offsets persist (see event-log-store.ts) and a new log on
// the same directory continues where the previous one stopped.
import { TiernetError } from '../../app/errors.ts';
import { invariant } from '../../domain/assert.ts';
import type { Clock } from '../../app/ports/clock.ts';
import { systemClock } from '../../app/ports/clock.ts';
import type {
  ConsumedBatch,
  ConsumerOptions,
  EventConsumer,
  EventLog,
  EventProducer,
  LogRecord,
} from '../../app/ports/event-log.ts';
import { MemoryEventConsumer } from './event-log-consumer.ts';
import type { Claim, GroupCoordinator, MemoryConsumerSettings } from './event-log-consumer.ts';
import { partitionForKey } from './event-log-partitioner.ts';
import { EventLogStore } from './event-log-store.ts';
import type { StoredGroup, StoredRecord } from './event-log-store.ts';

export interface MemoryEventLogOptions {
  /** Persist records and offsets here; omitted means memory only. */
  readonly directory?: string;
  /** fsync each append and offsets write (default true); tests may turn it off for speed. */
  readonly fsync?: boolean;
  readonly retainedRecordsPerPartitionMax?: number;
  /** Source of record timestamps. */
  readonly clock?: Clock;
  readonly consumer?: Partial<MemoryConsumerSettings>;
}

const defaultConsumerSettings: MemoryConsumerSettings = {
  retryBaseDelayMs: 50,
  retryMaxDelayMs: 5_000,
  idleWaitMs: 1_000,
};

const topicNamePattern = /^[A-Za-z0-9._-]{1,249}$/;
const partitionsPerTopicMax = 1_024;
const recordsPerSendMax = 10_000;

interface PartitionLog {
  /** Offset of records[0]; older records were dropped by retention. */
  startOffset: number;
  records: StoredRecord[];
}

interface GroupState {
  topics: Set<string>;
  committed: Map<string, (number | null)[]>;
  members: MemoryEventConsumer[];
  /** `topic\u0000partition` slots a member is handling right now. */
  busy: Set<string>;
}

export function createMemoryEventLog(options: MemoryEventLogOptions = {}): EventLog {
  return new MemoryEventLog(options);
}

class MemoryEventLog implements EventLog, GroupCoordinator {
  readonly #store: EventLogStore | null;
  readonly #clock: Clock;
  readonly #retainedMax: number;
  readonly #consumerSettings: MemoryConsumerSettings;
  readonly #topics = new Map<string, PartitionLog[]>();
  readonly #groups = new Map<string, GroupState>();
  readonly #consumers = new Set<MemoryEventConsumer>();
  readonly #waiters = new Set<() => void>();
  readonly #roundRobin = new Map<string, number>();
  #closed = false;

  constructor(options: MemoryEventLogOptions) {
    this.#clock = options.clock ?? systemClock;
    this.#retainedMax = options.retainedRecordsPerPartitionMax ?? 100_000;
    if (!Number.isInteger(this.#retainedMax) || this.#retainedMax < 1) {
      throw new TiernetError(
        'config_invalid',
        `retainedRecordsPerPartitionMax must be a positive integer, got ${this.#retainedMax}`,
      );
    }
    this.#consumerSettings = { ...defaultConsumerSettings, ...options.consumer };
    this.#store = options.directory === undefined ? null : new EventLogStore(options.directory, options.fsync ?? true);
    if (this.#store !== null) this.#load(this.#store);
  }

  async ensureTopics(topics: readonly string[], partitions: number): Promise<void> {
    this.#assertOpen();
    if (!Number.isInteger(partitions) || partitions < 1 || partitions > partitionsPerTopicMax) {
      throw new TiernetError(
        'config_invalid',
        `partitions must be an integer in [1, ${partitionsPerTopicMax}], got ${partitions}`,
      );
    }
    let created = false;
    for (const topic of topics) {
      if (!topicNamePattern.test(topic))
        throw new TiernetError('config_invalid', `invalid topic name ${JSON.stringify(topic)}`);
      if (this.#topics.has(topic)) continue;
      this.#topics.set(
        topic,
        Array.from({ length: partitions }, () => ({ startOffset: 0, records: [] })),
      );
      created = true;
    }
    if (created) this.#saveTopics();
  }

  producer(): EventProducer {
    this.#assertOpen();
    return { send: async (records) => this.#append(records) };
  }

  consumer(options: ConsumerOptions): EventConsumer {
    this.#assertOpen();
    const consumer = new MemoryEventConsumer(this, options, this.#consumerSettings);
    this.#consumers.add(consumer);
    return consumer;
  }

  async ping(): Promise<void> {
    this.#assertOpen();
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    await Promise.allSettled([...this.#consumers].map((consumer) => consumer.stop()));
    this.#closed = true;
    this.#store?.close();
    this.wakeAll();
  }

  // ---- GroupCoordinator (called by MemoryEventConsumer) ----

  join(member: MemoryEventConsumer): void {
    this.#assertOpen();
    const { groupId, topics, fromBeginning } = member.options;
    for (const topic of topics) {
      if (!this.#topics.has(topic)) throw new TiernetError('not_found', `topic ${topic} does not exist`);
    }
    const group = this.#group(groupId);
    let changed = false;
    for (const topic of topics) {
      if (!group.topics.has(topic)) {
        group.topics.add(topic);
        changed = true;
      }
      const partitions = this.#topics.get(topic)!;
      const committed = group.committed.get(topic) ?? [];
      for (let partition = 0; partition < partitions.length; partition += 1) {
        if (committed[partition] !== undefined && committed[partition] !== null) continue;
        // Like Kafka's auto.offset.reset, resolved once: a group that starts "from the end"
        // must not later see what was produced before it joined.
        const log = partitions[partition]!;
        committed[partition] = (fromBeginning ?? true) ? log.startOffset : log.startOffset + log.records.length;
        changed = true;
      }
      group.committed.set(topic, committed);
    }
    group.members.push(member);
    group.members.sort((left, right) => (left.memberId < right.memberId ? -1 : 1));
    if (changed) this.#saveGroups();
    this.wakeAll();
  }

  leave(member: MemoryEventConsumer): void {
    this.#consumers.delete(member);
    const group = this.#groups.get(member.options.groupId);
    if (group === undefined) return;
    group.members = group.members.filter((candidate) => candidate !== member);
    this.wakeAll();
  }

  claim(member: MemoryEventConsumer, retryAtMs: ReadonlyMap<string, number>): Claim {
    const group = this.#groups.get(member.options.groupId)!;
    const memberIndex = group.members.indexOf(member);
    if (memberIndex < 0 || this.#closed) return { waitMs: this.#consumerSettings.idleWaitMs };
    const slots = this.#assignedSlots(member, group);
    const nowMs = this.nowMs();
    let waitMs = this.#consumerSettings.idleWaitMs;
    const start = this.#roundRobin.get(member.memberId) ?? 0;
    for (let step = 0; step < slots.length; step += 1) {
      const index = (start + step) % slots.length;
      const { topic, partition } = slots[index]!;
      const slot = `${topic}\u0000${partition}`;
      if (group.busy.has(slot)) continue;
      const retryAt = retryAtMs.get(slot);
      if (retryAt !== undefined && retryAt > nowMs) {
        waitMs = Math.min(waitMs, Math.ceil(retryAt - nowMs));
        continue;
      }
      const log = this.#topics.get(topic)![partition]!;
      const committed = Math.max(group.committed.get(topic)![partition] ?? 0, log.startOffset);
      const from = committed - log.startOffset;
      if (from >= log.records.length) continue;
      const records = log.records.slice(from, from + member.options.maxBatchSize);
      group.busy.add(slot);
      this.#roundRobin.set(member.memberId, index + 1);
      return {
        batch: {
          topic,
          partition,
          messages: records.map((record) => ({
            topic,
            partition,
            offset: String(record.offset),
            key: record.key,
            value: record.value,
            timestampMs: record.timestampMs,
            ...(record.headers === undefined ? {} : { headers: record.headers }),
          })),
        },
      };
    }
    return { waitMs };
  }

  release(member: MemoryEventConsumer, batch: ConsumedBatch, nextOffset: number | null): void {
    const group = this.#groups.get(member.options.groupId)!;
    group.busy.delete(`${batch.topic}\u0000${batch.partition}`);
    if (nextOffset !== null) {
      const committed = group.committed.get(batch.topic)!;
      const previous = committed[batch.partition] ?? 0;
      // One member holds a slot at a time and reads from the committed offset, so a commit
      // that does not move forward means two members handled the same slice.
      invariant(nextOffset > previous, `offset commit must move forward: ${previous} -> ${nextOffset}`);
      committed[batch.partition] = nextOffset;
      this.#saveGroups();
    }
    this.wakeAll();
  }

  waitForChange(timeoutMs: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = (): void => {
        clearTimeout(timer);
        this.#waiters.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, Math.max(0, timeoutMs));
      this.#waiters.add(wake);
    });
  }

  wakeAll(): void {
    for (const wake of [...this.#waiters]) wake();
  }

  lag(options: ConsumerOptions): number {
    const group = this.#groups.get(options.groupId);
    let total = 0;
    for (const topic of options.topics) {
      const partitions = this.#topics.get(topic);
      if (partitions === undefined) continue;
      partitions.forEach((log, partition) => {
        const end = log.startOffset + log.records.length;
        const committed = group?.committed.get(topic)?.[partition] ?? null;
        const base = committed ?? ((options.fromBeginning ?? true) ? log.startOffset : end);
        total += Math.max(0, end - Math.max(base, log.startOffset));
      });
    }
    return total;
  }

  /** Monotonic, for retry backoff; record timestamps come from the injected clock. */
  nowMs(): number {
    return performance.now();
  }

  // ---- internals ----

  #assignedSlots(member: MemoryEventConsumer, group: GroupState): { topic: string; partition: number }[] {
    // Round-robin over the members subscribed to each topic, like Kafka's assignors: every
    // partition has exactly one owner among the live members.
    const slots: { topic: string; partition: number }[] = [];
    for (const topic of member.options.topics) {
      const subscribers = group.members.filter((candidate) => candidate.options.topics.includes(topic));
      const position = subscribers.indexOf(member);
      const partitionCount = this.#topics.get(topic)?.length ?? 0;
      for (let partition = 0; partition < partitionCount; partition += 1) {
        if (partition % subscribers.length === position) slots.push({ topic, partition });
      }
    }
    return slots;
  }

  #append(records: readonly LogRecord[]): void {
    this.#assertOpen();
    if (records.length > recordsPerSendMax) {
      throw new TiernetError(
        'bound_exceeded',
        `one send takes at most ${recordsPerSendMax} records, got ${records.length}`,
      );
    }
    // Place every record first, so that a send that cannot be taken whole changes nothing.
    const placed = new Map<string, { topic: string; partition: number; records: LogRecord[] }>();
    for (const record of records) {
      const partitions = this.#topics.get(record.topic);
      if (partitions === undefined) throw new TiernetError('not_found', `topic ${record.topic} does not exist`);
      const partition =
        record.key === null
          ? this.#nextUnkeyedPartition(record.topic, partitions.length)
          : partitionForKey(record.key, partitions.length);
      const slot = `${record.topic}\u0000${partition}`;
      let entry = placed.get(slot);
      if (entry === undefined) {
        entry = { topic: record.topic, partition, records: [] };
        placed.set(slot, entry);
      }
      entry.records.push(record);
    }
    for (const entry of placed.values()) {
      const log = this.#topics.get(entry.topic)![entry.partition]!;
      const droppable = this.#droppable(entry.topic, entry.partition, log);
      if (log.records.length - droppable + entry.records.length > this.#retainedMax) {
        throw new TiernetError(
          'bound_exceeded',
          `partition ${entry.topic}/${entry.partition} would hold more than ${this.#retainedMax} unconsumed records; a consumer group is too far behind`,
        );
      }
    }
    const timestampMs = this.#clock.nowMs();
    for (const entry of placed.values()) {
      const log = this.#topics.get(entry.topic)![entry.partition]!;
      const overflow = log.records.length + entry.records.length - this.#retainedMax;
      if (overflow > 0) {
        log.records.splice(0, overflow);
        log.startOffset += overflow;
      }
      let offset = log.startOffset + log.records.length;
      const stored = entry.records.map((record): StoredRecord => {
        const base = { offset, key: record.key, value: record.value, timestampMs };
        offset += 1;
        return record.headers === undefined ? base : { ...base, headers: { ...record.headers } };
      });
      // Disk before memory: a record a consumer saw is always one a restart will find.
      this.#store?.append(entry.topic, entry.partition, stored);
      log.records.push(...stored);
    }
    this.wakeAll();
  }

  /** How many of the oldest records every group subscribed to the topic has committed. */
  #droppable(topic: string, partition: number, log: PartitionLog): number {
    let safeOffset = log.startOffset + log.records.length;
    for (const group of this.#groups.values()) {
      if (!group.topics.has(topic)) continue;
      const committed = group.committed.get(topic)?.[partition] ?? log.startOffset;
      safeOffset = Math.min(safeOffset, committed);
    }
    return Math.max(0, safeOffset - log.startOffset);
  }

  #nextUnkeyedPartition(topic: string, partitionCount: number): number {
    const next = this.#roundRobin.get(`\u0000unkeyed\u0000${topic}`) ?? 0;
    this.#roundRobin.set(`\u0000unkeyed\u0000${topic}`, next + 1);
    return next % partitionCount;
  }

  #group(groupId: string): GroupState {
    let group = this.#groups.get(groupId);
    if (group === undefined) {
      group = { topics: new Set(), committed: new Map(), members: [], busy: new Set() };
      this.#groups.set(groupId, group);
    }
    return group;
  }

  #assertOpen(): void {
    if (this.#closed) throw new TiernetError('internal', 'the in-process event log is closed');
  }

  #saveTopics(): void {
    if (this.#store === null) return;
    const topics: Record<string, number> = {};
    for (const [topic, partitions] of this.#topics) topics[topic] = partitions.length;
    this.#store.saveTopics(topics);
  }

  #saveGroups(): void {
    if (this.#store === null) return;
    const groups: Record<string, StoredGroup> = {};
    for (const [groupId, group] of this.#groups) {
      groups[groupId] = { topics: [...group.topics], committed: Object.fromEntries(group.committed) };
    }
    this.#store.saveGroups(groups);
  }

  #load(store: EventLogStore): void {
    for (const [groupId, stored] of Object.entries(store.loadGroups())) {
      const group = this.#group(groupId);
      for (const topic of stored.topics) group.topics.add(topic);
      for (const [topic, offsets] of Object.entries(stored.committed)) group.committed.set(topic, [...offsets]);
    }
    for (const [topic, partitionCount] of Object.entries(store.loadTopics())) {
      const partitions: PartitionLog[] = [];
      for (let partition = 0; partition < partitionCount; partition += 1) {
        const { records, tornTail } = store.loadPartition(topic, partition);
        const log: PartitionLog = { startOffset: records[0]?.offset ?? 0, records };
        partitions.push(log);
        // Retention ran in memory only while the previous process lived; apply it to disk now.
        const excess = log.records.length - this.#retainedMax;
        // The first record on disk is what tells a restart the partition's start offset, so
        // the rewrite never empties a file that had records.
        const drop = excess > 0 ? Math.min(excess, this.#droppable(topic, partition, log), log.records.length - 1) : 0;
        if (drop > 0) {
          log.records.splice(0, drop);
          log.startOffset += drop;
        }
        // Repair first, or the next append would be glued onto the torn line.
        if (drop > 0 || tornTail) store.rewritePartition(topic, partition, log.records);
      }
      this.#topics.set(topic, partitions);
    }
  }
}
