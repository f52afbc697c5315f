// Runs the Cache contract against Redis (real server, real time), then proves what is
// Redis-specific: each call is one round trip (one socket write) for up to 1,000 keys,
// empty inputs make none, and every key sits under the file's prefix.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import { RedisCache } from '../../src/adapters/redis/cache.ts';
import { connectTestRedis, deleteKeysUnderPrefix, keysUnderPrefix, uniqueKeyPrefix } from '../support/redis.ts';
import { cacheContract, type CacheHarness } from './cache.contract.ts';

const keyPrefix = uniqueKeyPrefix('cache-redis');

cacheContract('redis', async (): Promise<CacheHarness> => {
  const opened: RedisCache[] = [];
  return {
    open: async () => {
      const cache = new RedisCache(await connectTestRedis(keyPrefix));
      opened.push(cache);
      return cache;
    },
    elapse: (ms) => sleep(ms),
    close: async () => {
      await Promise.all(opened.map((cache) => cache.close()));
      await deleteKeysUnderPrefix(keyPrefix);
    },
  };
});

void describe('RedisCache on the wire', () => {
  let client: Redis;
  let cache: RedisCache;
  let writes = 0;

  before(async () => {
    client = await connectTestRedis(keyPrefix);
    // Each round trip starts with one write to the socket; a pipeline sends its commands in one.
    const stream = client.stream;
    const write = stream.write.bind(stream) as (...args: unknown[]) => boolean;
    stream.write = (...args: unknown[]) => {
      writes += 1;
      return write(...args);
    };
    cache = new RedisCache(client);
  });

  after(async () => {
    await cache.close();
    await deleteKeysUnderPrefix(keyPrefix);
    assert.deepEqual(await keysUnderPrefix(keyPrefix), [], 'cleanup left keys behind');
  });

  const countWrites = async (call: () => Promise<unknown>): Promise<number> => {
    const before = writes;
    await call();
    return writes - before;
  };

  void test('setMany, getMany and deleteMany take one round trip each for 500 keys', async () => {
    const entries = Array.from({ length: 500 }, (_, index) => ({
      key: `wire:${index}`,
      value: `v${index}`,
      ...(index % 2 === 0 ? { ttlMs: 60_000 } : {}),
    }));
    const keys = entries.map((entry) => entry.key);
    // The first set on a server also loads its script (EVALSHA answered NOSCRIPT, then EVAL).
    await cache.setMany([{ key: 'wire:load-script', value: 'x' }]);
    assert.equal(await countWrites(() => cache.setMany(entries)), 1);
    let values: (string | null)[] = [];
    assert.equal(await countWrites(async () => (values = await cache.getMany(keys))), 1);
    assert.deepEqual(
      values,
      entries.map((entry) => entry.value),
    );
    assert.equal(await countWrites(() => cache.deleteMany(keys)), 1);
    assert.ok((await cache.getMany(keys)).every((value) => value === null));
  });

  void test('empty inputs make no round trip', async () => {
    assert.equal(await countWrites(() => cache.getMany([])), 0);
    assert.equal(await countWrites(() => cache.setMany([])), 0);
    assert.equal(await countWrites(() => cache.deleteMany([])), 0);
    assert.ok(writes > 0, 'the counter does see writes');
  });

  void test('keys live under the prefix, in the cache namespace, with the TTL asked for', async () => {
    await cache.setMany([
      { key: 'layout:k', value: 'v', ttlMs: 60_000 },
      { key: 'layout:forever', value: 'v' },
    ]);
    const keys = await keysUnderPrefix(keyPrefix);
    assert.ok(keys.includes(`${keyPrefix}cache:layout:k`), keys.join(', '));
    const ttlMs = await client.pttl('cache:layout:k');
    assert.ok(ttlMs > 50_000 && ttlMs <= 60_000, `PTTL ${ttlMs}`);
    assert.equal(await client.pttl('cache:layout:forever'), -1);
  });

  void test('a set of 2,500 keys spans several script calls; the last entry for a repeated key wins', async () => {
    const entries = Array.from({ length: 2_500 }, (_, index) => ({
      key: `slices:${index}`,
      value: `v${index}`,
      ...(index % 3 === 0 ? { ttlMs: 60_000 } : {}),
    }));
    entries.push({ key: 'slices:7', value: 'later', ttlMs: 30_000 });
    await cache.setMany(entries);
    const values = await cache.getMany(entries.slice(0, 2_500).map((entry) => entry.key));
    assert.deepEqual(
      values,
      entries.slice(0, 2_500).map((entry) => (entry.key === 'slices:7' ? 'later' : entry.value)),
    );
    const repeatedTtl = await client.pttl('cache:slices:7');
    assert.ok(repeatedTtl > 20_000 && repeatedTtl <= 30_000, `PTTL ${repeatedTtl} is the later entry's`);
    assert.equal(await client.pttl('cache:slices:8'), -1);
    const thirdTtl = await client.pttl('cache:slices:2499');
    assert.ok(thirdTtl > 50_000 && thirdTtl <= 60_000, `PTTL ${thirdTtl}`);
  });
});
