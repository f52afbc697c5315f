// Cache in process (src/app/ports/cache.ts) for the embedded default, passing the same
// test/contract/cache.contract.ts as Redis. Expiry follows the injected Clock.
//
// Bound: at most `entriesMax` entries (default 100,000), least recently used evicted
// first. A Map iterates in insertion order, so a read or write moves its key to the end
// and the first key is always the least recently used. Expired entries are dropped when
// read and otherwise age out through the same eviction. Value sizes are not bounded here:
// callers cache small records (a user's VIP status), not blobs.
import { TiernetError } from '../../app/errors.ts';
import type { Cache, CacheEntry } from '../../app/ports/cache.ts';
import type { Clock } from '../../app/ports/clock.ts';
import { invariant } from '../../domain/assert.ts';

export const memoryCacheEntriesMaxDefault = 100_000;
/** Same bound as the Redis adapter, so a caller that works on one works on the other. */
export const memoryCacheKeysPerCallMax = 100_000;

interface StoredValue {
  readonly value: string;
  /** Infinity when the entry has no TTL. */
  readonly expiresAtMs: number;
}

export interface MemoryCacheOptions {
  readonly clock: Clock;
  readonly entriesMax?: number;
}

export class MemoryCache implements Cache {
  readonly #clock: Clock;
  readonly #entriesMax: number;
  readonly #entries = new Map<string, StoredValue>();

  constructor(options: MemoryCacheOptions) {
    const entriesMax = options.entriesMax ?? memoryCacheEntriesMaxDefault;
    invariant(
      Number.isSafeInteger(entriesMax) && entriesMax > 0,
      `cache entriesMax must be a positive integer, got ${entriesMax}`,
    );
    this.#clock = options.clock;
    this.#entriesMax = entriesMax;
  }

  /** Entries held now, expired or not (for tests and metrics). */
  get size(): number {
    return this.#entries.size;
  }

  async getMany(keys: readonly string[]): Promise<(string | null)[]> {
    checkBatch(keys.length);
    const nowMs = this.#clock.nowMs();
    return keys.map((key) => {
      const stored = this.#entries.get(key);
      if (stored === undefined) return null;
      this.#entries.delete(key);
      if (nowMs >= stored.expiresAtMs) return null;
      this.#entries.set(key, stored);
      return stored.value;
    });
  }

  async setMany(entries: readonly CacheEntry[]): Promise<void> {
    checkBatch(entries.length);
    for (const entry of entries) {
      if (entry.ttlMs !== undefined) checkTtl(entry.ttlMs);
    }
    const nowMs = this.#clock.nowMs();
    for (const entry of entries) {
      // As Redis SET: a write without a TTL clears any earlier TTL.
      const expiresAtMs = entry.ttlMs === undefined ? Number.POSITIVE_INFINITY : nowMs + entry.ttlMs;
      this.#entries.delete(entry.key);
      this.#entries.set(entry.key, { value: entry.value, expiresAtMs });
      this.#evictOverBound();
    }
  }

  async deleteMany(keys: readonly string[]): Promise<void> {
    checkBatch(keys.length);
    for (const key of keys) this.#entries.delete(key);
  }

  async ping(): Promise<void> {}

  async close(): Promise<void> {
    this.#entries.clear();
  }

  #evictOverBound(): void {
    // At most one entry is over the bound after a single insert.
    if (this.#entries.size <= this.#entriesMax) return;
    const oldest = this.#entries.keys().next();
    invariant(oldest.done !== true, 'cache over its bound yet empty');
    this.#entries.delete(oldest.value);
  }
}

function checkBatch(count: number): void {
  if (count > memoryCacheKeysPerCallMax) {
    throw new TiernetError(
      'bound_exceeded',
      `cache call with ${count} keys exceeds the bound of ${memoryCacheKeysPerCallMax}`,
    );
  }
}

function checkTtl(ttlMs: number): void {
  invariant(Number.isSafeInteger(ttlMs) && ttlMs > 0, `cache ttlMs must be a positive integer, got ${ttlMs}`);
}
