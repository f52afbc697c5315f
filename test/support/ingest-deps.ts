// The ingest dependencies the use-case-level tests run with: a store under test, a memory
// cache on the test's clock, the standard ladder windows and fixed topic names. Each test
// overrides what it is about (its cache, consumer group, groups hook, windows).
import { MemoryCache } from '../../src/adapters/memory/cache.ts';
import type { IngestDependencies } from '../../src/app/ingest/ingest-batch.ts';
import type { Clock } from '../../src/app/ports/clock.ts';
import type { Store } from '../../src/app/ports/store.ts';
import { LadderSource } from '../../src/app/vip/ladder-source.ts';

export const testTopics = {
  vipChanges: 'vip',
  groupChanges: 'groups',
  settlements: 'settlements',
  dlq: 'dlq',
} as const;

export function testIngestDeps(
  store: Store,
  clock: Clock,
  overrides: Partial<IngestDependencies> & { readonly windowDays?: readonly number[] } = {},
): IngestDependencies {
  const windowDays = overrides.windowDays ?? [1, 7, 30, 90];
  return {
    store,
    cache: new MemoryCache({ clock }),
    clock,
    ladders: new LadderSource(windowDays),
    currency: 'CNY',
    windowDays,
    topics: testTopics,
    consumerGroup: 'test',
    ...overrides,
  };
}
