// DistributedLock in process (src/app/ports/lock.ts) for the embedded default, passing the
// same test/contract/lock.contract.ts as Redis: same lease rules, same fencing counter.
// Expiry follows the injected Clock, so tests can move time instead of sleeping.
//
// Tokens: a counter per name that never expires, raised to at least clock-ms × 1000 on
// each acquisition. The floor matters more here than in Redis: this lock's state dies with
// every restart of the process, while the database keeps the highest token it has seen;
// restarting the counter at 1 would have every later settlement fenced out. The ×1000
// leaves room for 1000 acquisitions per millisecond before the counter runs ahead of the
// clock, and matches the Redis adapter's microsecond scale.
import { TiernetError } from '../../app/errors.ts';
import type { Clock } from '../../app/ports/clock.ts';
import type { DistributedLock, LockLease } from '../../app/ports/lock.ts';
import { invariant } from '../../domain/assert.ts';

/** Lock names are chosen by code (one per settlement scope), not by outside data; more than this is a leak. */
export const memoryLockNamesMax = 10_000;

interface HeldLease {
  readonly owner: string;
  readonly fencingToken: bigint;
  expiresAtMs: number;
}

export class MemoryLock implements DistributedLock {
  readonly #clock: Clock;
  readonly #leases = new Map<string, HeldLease>();
  readonly #fences = new Map<string, bigint>();

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  async acquire(name: string, owner: string, ttlMs: number): Promise<LockLease | null> {
    // Same rule as the Redis adapter (where braces would move the cluster hash tag), so code
    // that runs on the embedded default also runs on Redis.
    invariant(name.length > 0 && !/[{}]/.test(name), `lock name must be non-empty and brace-free, got "${name}"`);
    invariant(owner.length > 0, 'lock owner must not be empty');
    checkTtl(ttlMs);
    const nowMs = this.#clock.nowMs();
    if (this.#liveLease(name, nowMs) !== undefined) return null;
    if (!this.#fences.has(name) && this.#fences.size >= memoryLockNamesMax) {
      throw new TiernetError('bound_exceeded', `more than ${memoryLockNamesMax} lock names in process`);
    }
    const counted = (this.#fences.get(name) ?? 0n) + 1n;
    const floor = BigInt(Math.floor(nowMs)) * 1000n;
    const fencingToken = counted > floor ? counted : floor;
    this.#fences.set(name, fencingToken);
    this.#leases.set(name, { owner, fencingToken, expiresAtMs: nowMs + ttlMs });
    return { name, owner, fencingToken };
  }

  async renew(lease: LockLease, ttlMs: number): Promise<boolean> {
    checkTtl(ttlMs);
    const nowMs = this.#clock.nowMs();
    const held = this.#liveLease(lease.name, nowMs);
    if (held === undefined || !isSameLease(held, lease)) return false;
    held.expiresAtMs = nowMs + ttlMs;
    return true;
  }

  async release(lease: LockLease): Promise<boolean> {
    const held = this.#liveLease(lease.name, this.#clock.nowMs());
    if (held === undefined || !isSameLease(held, lease)) return false;
    this.#leases.delete(lease.name);
    return true;
  }

  async ping(): Promise<void> {}

  async close(): Promise<void> {}

  /** The lease on `name` if it has not expired; an expired one is dropped, as Redis drops the key. */
  #liveLease(name: string, nowMs: number): HeldLease | undefined {
    const held = this.#leases.get(name);
    if (held === undefined) return undefined;
    if (nowMs >= held.expiresAtMs) {
      this.#leases.delete(name);
      return undefined;
    }
    return held;
  }
}

function isSameLease(held: HeldLease, lease: LockLease): boolean {
  return held.owner === lease.owner && held.fencingToken === lease.fencingToken;
}

function checkTtl(ttlMs: number): void {
  invariant(Number.isSafeInteger(ttlMs) && ttlMs > 0, `lock ttlMs must be a positive integer, got ${ttlMs}`);
}
