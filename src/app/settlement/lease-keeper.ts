// Keeps a settlement's lock lease alive while the run works: renews it every third of its TTL
// and records the moment it can no longer be sure it holds it. The lease is a courtesy that
// keeps two holders from working at once; safety comes from the fence (every write checks
// the token), so losing the lease only makes the run stop early with 'lock_lost'.
import { TiernetError } from '../errors.ts';
import type { DistributedLock, LockLease } from '../ports/lock.ts';

export class LeaseKeeper {
  readonly #lock: DistributedLock;
  readonly #lease: LockLease;
  readonly #ttlMs: number;
  readonly #onRenewError: (error: unknown) => void;
  #timer: NodeJS.Timeout | null = null;
  #renewing = false;
  #lost = false;
  /** Monotonic time (performance.now()) by which the lease has surely expired unless renewed. */
  #expiresAtMs: number;

  constructor(lock: DistributedLock, lease: LockLease, ttlMs: number, onRenewError: (error: unknown) => void) {
    this.#lock = lock;
    this.#lease = lease;
    this.#ttlMs = ttlMs;
    this.#onRenewError = onRenewError;
    this.#expiresAtMs = performance.now() + ttlMs;
  }

  get lease(): LockLease {
    return this.#lease;
  }

  start(): void {
    const intervalMs = Math.max(1, Math.floor(this.#ttlMs / 3));
    this.#timer = setInterval(() => void this.#renew(), intervalMs);
    this.#timer.unref();
  }

  stop(): void {
    if (this.#timer !== null) clearInterval(this.#timer);
    this.#timer = null;
  }

  /** True once the lease was refused on renewal or has run past its TTL unrenewed. */
  get lost(): boolean {
    if (!this.#lost && performance.now() >= this.#expiresAtMs) this.#lost = true;
    return this.#lost;
  }

  /** Throws 'lock_lost' when the lease can no longer be relied on. */
  assertHeld(what: string): void {
    if (this.lost)
      throw new TiernetError(
        'lock_lost',
        `the settlement lock (token ${this.#lease.fencingToken}) was lost before ${what}`,
      );
  }

  async #renew(): Promise<void> {
    if (this.#renewing || this.#lost) return;
    this.#renewing = true;
    // Measured before the call: the new TTL runs from when Redis received it, at the earliest.
    const sentAtMs = performance.now();
    try {
      if (await this.#lock.renew(this.#lease, this.#ttlMs)) {
        this.#expiresAtMs = sentAtMs + this.#ttlMs;
      } else {
        this.#lost = true;
        this.stop();
      }
    } catch (error) {
      this.#onRenewError(error);
    } finally {
      this.#renewing = false;
    }
  }
}
