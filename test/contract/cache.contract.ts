// Contract for Cache (src/app/ports/cache.ts), run against every adapter by
// cache.redis.test.ts and cache.memory.test.ts. It proves: values round-trip exactly
// (unicode included, by example and by property); getMany answers in the order asked,
// with null for each miss; an entry with a TTL disappears after it and not before, while
// entries without one stay, and a later write without a TTL clears the old TTL;
// deleteMany removes exactly the keys named; empty inputs are answered without error;
// oversized batches and bad TTLs are refused.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import { isTiernetError } from '../../src/app/errors.ts';
import type { Cache } from '../../src/app/ports/cache.ts';
import { InvariantViolation } from '../../src/domain/assert.ts';

export interface CacheHarness {
  /** A new handle on the same cache (for Redis, its own connection). */
  open(): Promise<Cache>;
  /** Lets `ms` pass for the cache: real sleep for Redis, a clock move for memory. */
  elapse(ms: number): Promise<void>;
  close(): Promise<void>;
}

const pollStepMs = 25;
const waitMsMax = 10_000;

export function cacheContract(name: string, make: () => Promise<CacheHarness>): void {
  void describe(`Cache contract: ${name}`, () => {
    let harness: CacheHarness;
    let cache: Cache;

    before(async () => {
      harness = await make();
      cache = await harness.open();
    });

    after(async () => {
      await harness.close();
    });

    void test('ping answers', async () => {
      await cache.ping();
    });

    void test('values round-trip and a second write replaces the first', async () => {
      await cache.setMany([
        { key: 'round-trip:a', value: 'alpha' },
        { key: 'round-trip:b', value: '{"level":2,"since":"2026-11-25T08:00:00Z"}' },
        { key: 'round-trip:empty', value: '' },
      ]);
      assert.deepEqual(await cache.getMany(['round-trip:a', 'round-trip:b', 'round-trip:empty']), [
        'alpha',
        '{"level":2,"since":"2026-11-25T08:00:00Z"}',
        '',
      ]);
      await cache.setMany([{ key: 'round-trip:a', value: 'alpha-2' }]);
      assert.deepEqual(await cache.getMany(['round-trip:a']), ['alpha-2']);
    });

    void test('a write is visible to another handle on the same cache', async () => {
      const other = await harness.open();
      await cache.setMany([{ key: 'shared:x', value: 'seen' }]);
      assert.deepEqual(await other.getMany(['shared:x']), ['seen']);
    });

    void test('getMany keeps the order asked, with null for each miss and repeats answered each time', async () => {
      await cache.setMany([
        { key: 'order:1', value: 'one' },
        { key: 'order:2', value: 'two' },
        { key: 'order:3', value: 'three' },
      ]);
      assert.deepEqual(
        await cache.getMany(['order:3', 'order:missing', 'order:1', 'order:2', 'order:1', 'order:other-missing']),
        ['three', null, 'one', 'two', 'one', null],
      );
    });

    void test('an entry expires after its TTL, not before; entries without a TTL or with a long one stay', async () => {
      const ttlMs = 400;
      await cache.setMany([
        { key: 'ttl:short', value: 'short', ttlMs },
        { key: 'ttl:long', value: 'long', ttlMs: 600_000 },
        { key: 'ttl:none', value: 'none' },
      ]);
      assert.deepEqual(await cache.getMany(['ttl:short']), ['short'], 'present right after the write');
      const waitedMs = await waitUntilGone(harness, cache, 'ttl:short');
      assert.ok(waitedMs >= ttlMs / 2, `gone after ${waitedMs} ms of a ${ttlMs} ms TTL`);
      assert.deepEqual(await cache.getMany(['ttl:short', 'ttl:long', 'ttl:none']), [null, 'long', 'none']);
    });

    void test('a write without a TTL clears the TTL of the entry it replaces', async () => {
      await cache.setMany([
        { key: 'ttl-cleared:k', value: 'first', ttlMs: 200 },
        { key: 'ttl-cleared:marker', value: 'marker', ttlMs: 200 },
      ]);
      await cache.setMany([{ key: 'ttl-cleared:k', value: 'second' }]);
      // The marker shares the old TTL: once it is gone, the old TTL has certainly passed.
      await waitUntilGone(harness, cache, 'ttl-cleared:marker');
      assert.deepEqual(await cache.getMany(['ttl-cleared:k']), ['second']);
    });

    void test('deleteMany removes the keys named, ignores missing ones and keeps the rest', async () => {
      await cache.setMany([
        { key: 'delete:a', value: 'a' },
        { key: 'delete:b', value: 'b' },
        { key: 'delete:c', value: 'c' },
      ]);
      await cache.deleteMany(['delete:a', 'delete:c', 'delete:never-set', 'delete:a']);
      assert.deepEqual(await cache.getMany(['delete:a', 'delete:b', 'delete:c']), [null, 'b', null]);
    });

    void test('unicode keys and values round-trip exactly', async () => {
      const samples = [
        '你好，世界',
        '🎰💰🏆',
        'e\u0301 vs \u00e9',
        'Ωmega ∑ ≥ ≠',
        'nul\u0000inside',
        'line\r\nbreak\ttab',
        '٠١٢٣ ０１２',
        'x'.repeat(20_000),
      ];
      const entries = samples.map((value, index) => ({ key: `unicode:${index}:${value.slice(0, 8)}`, value }));
      await cache.setMany(entries);
      assert.deepEqual(await cache.getMany(entries.map((entry) => entry.key)), samples);
    });

    void test('property: any well-formed unicode keys and values round-trip in order', async () => {
      // Well-formed text only: a lone surrogate has no UTF-8 form, so no byte store keeps it.
      const text = fc.string({ unit: 'grapheme', maxLength: 40 });
      let run = 0;
      await fc.assert(
        fc.asyncProperty(
          fc.uniqueArray(fc.tuple(text, text), { minLength: 1, maxLength: 12, selector: ([key]) => key }),
          async (pairs) => {
            run += 1;
            const entries = pairs.map(([key, value]) => ({ key: `property:${run}:${key}`, value }));
            await cache.setMany(entries);
            const missing = `property:${run}:\u0000missing`;
            const keys = [missing, ...entries.map((entry) => entry.key)].reverse();
            const expected = [null, ...entries.map((entry) => entry.value)].reverse();
            assert.deepEqual(await cache.getMany(keys), expected);
          },
        ),
        { numRuns: 40 },
      );
    });

    void test('empty inputs are answered at once', async () => {
      assert.deepEqual(await cache.getMany([]), []);
      await cache.setMany([]);
      await cache.deleteMany([]);
    });

    void test('an oversized batch is refused with bound_exceeded; a bad TTL is a broken invariant', async () => {
      const tooMany = Array.from({ length: 100_001 }, (_, index) => `bound:${index}`);
      await assert.rejects(cache.getMany(tooMany), (error) => isTiernetError(error, 'bound_exceeded'));
      await assert.rejects(cache.deleteMany(tooMany), (error) => isTiernetError(error, 'bound_exceeded'));
      for (const ttlMs of [0, -1, 2.5, Number.NaN]) {
        await assert.rejects(
          cache.setMany([{ key: 'bad-ttl:k', value: 'v', ttlMs }]),
          InvariantViolation,
          `ttlMs ${ttlMs}`,
        );
      }
      assert.deepEqual(await cache.getMany(['bad-ttl:k']), [null], 'a refused batch writes nothing');
    });
  });
}

/** Polls until `key` reads as null, letting pollStepMs pass between reads; returns the time waited. */
async function waitUntilGone(harness: CacheHarness, cache: Cache, key: string): Promise<number> {
  for (let waitedMs = 0; waitedMs <= waitMsMax; waitedMs += pollStepMs) {
    const [value] = await cache.getMany([key]);
    if (value === null) return waitedMs;
    await harness.elapse(pollStepMs);
  }
  throw new Error(`cache key "${key}" still present after ${waitMsMax} ms`);
}
