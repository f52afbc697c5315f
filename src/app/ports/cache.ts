// Key/value cache: Redis in production, in-memory on the embedded default. Nothing in the
// cache is the truth: losing it costs speed, never correctness. Both adapters pass
// test/contract/cache.contract.ts. Every call is one round trip, whatever the key count.

export interface CacheEntry {
  readonly key: string;
  readonly value: string;
  /** Time to live; omitted means no expiry. */
  readonly ttlMs?: number;
}

export interface Cache {
  getMany(keys: readonly string[]): Promise<(string | null)[]>;
  setMany(entries: readonly CacheEntry[]): Promise<void>;
  deleteMany(keys: readonly string[]): Promise<void>;
  ping(): Promise<void>;
  close(): Promise<void>;
}
