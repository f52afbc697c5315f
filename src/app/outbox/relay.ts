// The outbox relay: moves committed out-events from the outbox table to the event log, oldest
// first, and deletes them once the log has acknowledged them. At-least-once: a crash between
// send and delete resends, and every record carries its outbox id as `tiernet-event-id` so
// consumers can dedupe. One relay runs at a time across processes (a lock), which keeps the
// per-key order of the outbox on the log.
//
// The removal of a sent batch overlaps the reading and sending of the next one (which leaves
// the ids being removed out), so a relay cycle costs one database round trip and one send,
// not two round trips and a send. At most one removal is in flight; a failed removal is
// reported and its records, still in the outbox, are sent again (at-least-once).
import { randomUUID } from 'node:crypto';
import type { Clock } from '../ports/clock.ts';
import type { EventProducer } from '../ports/event-log.ts';
import type { DistributedLock, LockLease } from '../ports/lock.ts';
import type { Store } from '../ports/store.ts';
import { WakeableLoop } from '../runtime/wakeable-loop.ts';

export interface OutboxRelayOptions {
  readonly store: Store;
  readonly producer: EventProducer;
  readonly lock: DistributedLock;
  readonly clock: Clock;
  readonly batchSize?: number;
  readonly idleMs?: number;
  readonly lockTtlMs?: number;
  readonly onError: (error: unknown) => void;
  readonly onRelayed?: (count: number) => void;
}

export const outboxRelayLockName = 'outbox-relay';

export class OutboxRelay {
  readonly #options: OutboxRelayOptions;
  readonly #owner = `relay-${randomUUID()}`;
  readonly #loop: WakeableLoop;
  #lease: LockLease | null = null;
  #leaseRenewedAtMs = 0;
  /** The sent batch being removed from the outbox, if any. */
  #removal: { readonly ids: readonly bigint[]; readonly done: Promise<void> } | null = null;

  constructor(options: OutboxRelayOptions) {
    this.#options = options;
    this.#loop = new WakeableLoop(() => this.relayOnce(), {
      name: 'outbox-relay',
      idleMs: options.idleMs ?? 200,
      // Out-events are latency-sensitive: after an outage the relay tries again within 2 s,
      // at a cost of one failed round trip per 2 s while the outage lasts.
      backoffMaxMs: 2_000,
      onError: (error) => options.onError(error),
    });
  }

  start(): void {
    this.#loop.start();
  }

  /** Wakes the relay now: called after a commit that wrote outbox records. */
  notify(): void {
    this.#loop.notify();
  }

  async stop(): Promise<void> {
    await this.#loop.stop();
    await this.#finishRemoval();
    if (this.#lease !== null) await this.#options.lock.release(this.#lease).catch(() => false);
    this.#lease = null;
  }

  /** One step: returns true when a full batch went out (there may be more). */
  async relayOnce(): Promise<boolean> {
    const ttlMs = this.#options.lockTtlMs ?? 10_000;
    const nowMs = this.#options.clock.nowMs();
    if (this.#lease === null) {
      this.#lease = await this.#options.lock.acquire(outboxRelayLockName, this.#owner, ttlMs);
      if (this.#lease === null) return false;
      this.#leaseRenewedAtMs = nowMs;
    } else if (nowMs - this.#leaseRenewedAtMs > ttlMs / 3) {
      if (!(await this.#options.lock.renew(this.#lease, ttlMs))) {
        this.#lease = null;
        return false;
      }
      this.#leaseRenewedAtMs = nowMs;
    }
    const batchSize = this.#options.batchSize ?? 500;
    const records = await this.#options.store.outbox.readBatch(batchSize, this.#removal?.ids ?? []);
    if (records.length === 0) {
      await this.#finishRemoval();
      return false;
    }
    await this.#options.producer.send(
      records.map((record) => ({
        topic: record.topic,
        key: record.key,
        value: record.payload,
        headers: { 'tiernet-event-id': record.outboxId.toString() },
      })),
    );
    await this.#finishRemoval();
    const ids = records.map((record) => record.outboxId);
    const done = this.#options.store.outbox.remove(ids).then(
      () => this.#options.onRelayed?.(ids.length),
      (error: unknown) => this.#options.onError(error),
    );
    this.#removal = { ids, done };
    return records.length === batchSize;
  }

  /** Waits for the removal in flight (its failure was already reported). */
  async #finishRemoval(): Promise<void> {
    const removal = this.#removal;
    if (removal === null) return;
    await removal.done;
    if (this.#removal === removal) this.#removal = null;
  }
}
