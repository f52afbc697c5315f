// A member of an in-process consumer group. It always reads from the group's committed
// offset, so "deliver again" needs no bookkeeping: a slice whose handler rejected is simply
// read again after a backoff, and a member that stops before committing leaves the offset
// where the next member of the group will start.
import { TiernetError } from '../../app/errors.ts';
import type { BatchHandler, ConsumedBatch, ConsumerOptions, EventConsumer } from '../../app/ports/event-log.ts';

/** What a member needs from the log that holds its group (see event-log.ts). */
export interface GroupCoordinator {
  join(member: MemoryEventConsumer): void;
  leave(member: MemoryEventConsumer): void;
  /** Claims the next partition with work for this member, or says how long to wait. */
  claim(member: MemoryEventConsumer, retryAtMs: ReadonlyMap<string, number>): Claim;
  /** Releases a claim; commits `nextOffset` when given. */
  release(member: MemoryEventConsumer, batch: ConsumedBatch, nextOffset: number | null): void;
  waitForChange(timeoutMs: number): Promise<void>;
  wakeAll(): void;
  lag(options: ConsumerOptions): number;
  nowMs(): number;
}

export type Claim = { readonly batch: ConsumedBatch } | { readonly waitMs: number };

export interface MemoryConsumerSettings {
  readonly retryBaseDelayMs: number;
  readonly retryMaxDelayMs: number;
  /** Longest an idle member sleeps before looking again (changes wake it sooner). */
  readonly idleWaitMs: number;
}

let memberSequence = 0;

export class MemoryEventConsumer implements EventConsumer {
  readonly memberId: string;
  readonly options: ConsumerOptions;
  readonly #coordinator: GroupCoordinator;
  readonly #settings: MemoryConsumerSettings;
  /** Per `topic\u0000partition`: failed attempts in a row and when to try again. */
  readonly #attempts = new Map<string, number>();
  readonly #retryAtMs = new Map<string, number>();
  #loop: Promise<void> | null = null;
  #stopping = false;

  constructor(coordinator: GroupCoordinator, options: ConsumerOptions, settings: MemoryConsumerSettings) {
    if (!Number.isInteger(options.maxBatchSize) || options.maxBatchSize < 1) {
      throw new TiernetError('config_invalid', `maxBatchSize must be a positive integer, got ${options.maxBatchSize}`);
    }
    memberSequence += 1;
    this.memberId = `${options.groupId}#${String(memberSequence).padStart(9, '0')}`;
    this.options = options;
    this.#coordinator = coordinator;
    this.#settings = settings;
  }

  get stopping(): boolean {
    return this.#stopping;
  }

  async start(handler: BatchHandler): Promise<void> {
    if (this.#loop !== null || this.#stopping) {
      throw new TiernetError('internal', `consumer ${this.memberId} was already started`);
    }
    this.#coordinator.join(this);
    this.#loop = this.#run(handler);
  }

  async stop(): Promise<void> {
    this.#stopping = true;
    this.#coordinator.wakeAll();
    const loop = this.#loop;
    if (loop === null) return;
    try {
      await loop;
    } finally {
      this.#coordinator.leave(this);
    }
  }

  async lag(): Promise<number> {
    return this.#coordinator.lag(this.options);
  }

  async #run(handler: BatchHandler): Promise<void> {
    // Ends only through stop(): each turn either handles one slice or waits for a change.
    while (!this.#stopping) {
      const claim = this.#coordinator.claim(this, this.#retryAtMs);
      if ('waitMs' in claim) {
        await this.#coordinator.waitForChange(Math.min(claim.waitMs, this.#settings.idleWaitMs));
        continue;
      }
      const { batch } = claim;
      const slot = `${batch.topic}\u0000${batch.partition}`;
      let nextOffset: number | null = null;
      try {
        await Promise.resolve().then(() => handler(batch));
        nextOffset = Number(batch.messages[batch.messages.length - 1]!.offset) + 1;
        this.#attempts.delete(slot);
        this.#retryAtMs.delete(slot);
      } catch {
        const attempt = this.#attempts.get(slot) ?? 0;
        this.#attempts.set(slot, attempt + 1);
        const delayMs = Math.min(
          this.#settings.retryMaxDelayMs,
          this.#settings.retryBaseDelayMs * 2 ** Math.min(attempt, 20),
        );
        this.#retryAtMs.set(slot, this.#coordinator.nowMs() + delayMs);
      } finally {
        this.#coordinator.release(this, batch, nextOffset);
      }
    }
  }
}
