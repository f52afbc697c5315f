// Runs the Cache contract against the in-process adapter with a test clock, then proves
// its bound: never more than entriesMax entries, least recently used evicted first.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { MemoryCache } from '../../src/adapters/memory/cache.ts';
import { cacheContract, type CacheHarness } from './cache.contract.ts';

cacheContract('memory', async (): Promise<CacheHarness> => {
  let nowMs = Date.parse('2026-11-25T08:00:00Z');
  const cache = new MemoryCache({ clock: { nowMs: () => nowMs } });
  return {
    open: async () => cache,
    elapse: async (ms) => {
      nowMs += ms;
    },
    close: () => cache.close(),
  };
});

void describe('MemoryCache bound', () => {
  const clock = { nowMs: () => 0 };

  void test('the least recently used entry is evicted first; a read counts as a use', async () => {
    const cache = new MemoryCache({ clock, entriesMax: 3 });
    await cache.setMany([
      { key: 'a', value: '1' },
      { key: 'b', value: '2' },
      { key: 'c', value: '3' },
    ]);
    assert.deepEqual(await cache.getMany(['a']), ['1']);
    await cache.setMany([{ key: 'd', value: '4' }]);
    assert.deepEqual(await cache.getMany(['a', 'b', 'c', 'd']), ['1', null, '3', '4']);
    assert.equal(cache.size, 3);
  });

  void test('property: the cache never exceeds its bound and always keeps the most recent writes', async () => {
    const operations = fc.array(fc.oneof(fc.record({ set: fc.nat(30) }), fc.record({ get: fc.nat(30) })), {
      maxLength: 200,
    });
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 8 }), operations, async (entriesMax, steps) => {
        const cache = new MemoryCache({ clock, entriesMax });
        // A reference LRU: most recent use last.
        const recency: string[] = [];
        const touch = (key: string): void => {
          const index = recency.indexOf(key);
          if (index >= 0) recency.splice(index, 1);
          recency.push(key);
        };
        for (const step of steps) {
          if ('set' in step) {
            const key = `k${step.set}`;
            await cache.setMany([{ key, value: key }]);
            touch(key);
            if (recency.length > entriesMax) recency.shift();
          } else {
            const key = `k${step.get}`;
            const [value] = await cache.getMany([key]);
            assert.equal(value, recency.includes(key) ? key : null);
            if (value !== null) touch(key);
          }
          assert.ok(cache.size <= entriesMax);
        }
        assert.deepEqual(await cache.getMany(recency), recency);
      }),
    );
  });
});
