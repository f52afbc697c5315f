// Distributed lock with fencing tokens: Redis in production, in-memory on the embedded
// default. Both adapters pass test/contract/lock.contract.ts.
//
// acquire and the token increment happen atomically (one Lua script in Redis), so the token
// order is the acquisition order. A holder passes its token to every DB write, and the DB
// refuses writes carrying a token lower than the highest one it has seen.

export interface LockLease {
  readonly name: string;
  readonly owner: string;
  /** Strictly increasing per lock name, across holders and restarts of the lock service's data. */
  readonly fencingToken: bigint;
}

export interface DistributedLock {
  /** Returns a lease, or null when another owner holds the lock. */
  acquire(name: string, owner: string, ttlMs: number): Promise<LockLease | null>;
  /** Extends the TTL if `owner` still holds the lock; false if it was lost. */
  renew(lease: LockLease, ttlMs: number): Promise<boolean>;
  /** Releases if `owner` still holds it; false if it had already expired or passed on. */
  release(lease: LockLease): Promise<boolean>;
  ping(): Promise<void>;
  close(): Promise<void>;
}
