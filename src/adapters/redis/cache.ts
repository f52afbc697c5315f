// Cache on Redis (src/app/ports/cache.ts), passing test/contract/cache.contract.ts. Every
// call is one round trip: MGET, one pipeline of SETs, one UNLINK; an empty input makes none.
// Keys sit under "cache:" inside the client's keyPrefix so they can never collide with
// the lock's keys when both share a prefix.
import type { Redis } from 'ioredis';
import { TiernetError } from '../../app/errors.ts';
import type { Cache, CacheEntry } from '../../app/ports/cache.ts';
import { invariant } from '../../domain/assert.ts';
import { closeRedisClient } from './client.ts';
import { wrapRedisError } from './wrap-error.ts';

/** One call carries at most this many keys: a bigger batch is a caller bug that would stall Redis for everyone. */
export const cacheKeysPerCallMax = 100_000;

export class RedisCache implements Cache {
  readonly #client: Redis;

  /** Takes ownership of `client`: close() closes it. */
  constructor(client: Redis) {
    this.#client = client;
  }

  async getMany(keys: readonly string[]): Promise<(string | null)[]> {
    if (keys.length === 0) return [];
    checkBatch(keys.length);
    let values: (string | null)[];
    try {
      values = await this.#client.mget(keys.map(cacheKey));
    } catch (error) {
      throw wrapRedisError(error, `cache get of ${keys.length} keys`);
    }
    invariant(values.length === keys.length, `MGET returned ${values.length} values for ${keys.length} keys`);
    return values;
  }

  async setMany(entries: readonly CacheEntry[]): Promise<void> {
    if (entries.length === 0) return;
    checkBatch(entries.length);
    const pipeline = this.#client.pipeline();
    for (const entry of entries) {
      if (entry.ttlMs === undefined) {
        pipeline.set(cacheKey(entry.key), entry.value);
      } else {
        checkTtl(entry.ttlMs);
        pipeline.set(cacheKey(entry.key), entry.value, 'PX', entry.ttlMs);
      }
    }
    let results: [Error | null, unknown][] | null;
    try {
      results = await pipeline.exec();
    } catch (error) {
      throw wrapRedisError(error, `cache set of ${entries.length} keys`);
    }
    // A pipeline reports failures per command instead of rejecting; the first one speaks for all.
    invariant(results !== null, 'cache set pipeline was discarded');
    const failure = results.find(([error]) => error !== null)?.[0];
    if (failure !== undefined && failure !== null) throw wrapRedisError(failure, `cache set of ${entries.length} keys`);
  }

  async deleteMany(keys: readonly string[]): Promise<void> {
    if (keys.length === 0) return;
    checkBatch(keys.length);
    try {
      // UNLINK frees the memory off the main thread, so a large value does not block Redis.
      await this.#client.unlink(keys.map(cacheKey));
    } catch (error) {
      throw wrapRedisError(error, `cache delete of ${keys.length} keys`);
    }
  }

  async ping(): Promise<void> {
    try {
      await this.#client.ping();
    } catch (error) {
      throw wrapRedisError(error, 'ping');
    }
  }

  async close(): Promise<void> {
    await closeRedisClient(this.#client);
  }
}

function cacheKey(key: string): string {
  return `cache:${key}`;
}

function checkBatch(count: number): void {
  if (count > cacheKeysPerCallMax) {
    throw new TiernetError(
      'bound_exceeded',
      `cache call with ${count} keys exceeds the bound of ${cacheKeysPerCallMax}`,
    );
  }
}

function checkTtl(ttlMs: number): void {
  invariant(Number.isSafeInteger(ttlMs) && ttlMs > 0, `cache ttlMs must be a positive integer, got ${ttlMs}`);
}
