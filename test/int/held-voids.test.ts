// A void keyed differently from its bet races the bet on another partition: the void's
// transaction reads "no such bet" and holds the void, while the bet's transaction, committing
// first, finds no held void (the void's row is not committed yet). The interleaving is forced,
// not hoped for, on MariaDB (SQLite has one writer, so it cannot happen there). Proves the
// held void stays behind without the sweep, and that applyHeldVoids then applies it once
// (bet voided, metrics net zero), drops it from the hold, leaves held voids whose bet is still
// unknown alone, and finds nothing the second time. `tiernet serve` runs the sweep on its own
// (proved on the embedded backend).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { applyHeldVoids } from '../../src/app/ingest/held-voids.ts';
import { ingestBatch, type IngestDependencies, type IngestItem } from '../../src/app/ingest/ingest-batch.ts';
import type { Store } from '../../src/app/ports/store.ts';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { loadConfig } from '../../src/config/config.ts';
import { openRuntime } from '../../src/main/runtime.ts';
import { startService } from '../../src/main/service.ts';
import { openStoreFixture, type StoreFixture } from '../support/backends.ts';
import { testIngestDeps } from '../support/ingest-deps.ts';
import { storeWithSessions } from '../support/session-seam.ts';
import { waitFor } from '../support/stack.ts';

const t0 = Date.UTC(2026, 10, 20, 8);
const clock = { nowMs: () => t0 + 60_000 };
const item = (value: unknown): IngestItem => ({ input: { kind: 'json', value } });

let fixture: StoreFixture;
before(async () => {
  fixture = await openStoreFixture('mysql', 'held-voids');
});
after(() => fixture.cleanup());

function depsWith(store: Store): IngestDependencies {
  return testIngestDeps(store, clock, { consumerGroup: 'held-voids' });
}

test('a void that raced its bet on another partition stays held until the sweep applies it, once', async () => {
  const base = fixture.store;
  let interleaved = 0;
  // The void's transaction has read that bet 51 does not exist; before it writes the held
  // void, the bet's own batch (another partition, another connection) runs and commits.
  const voidSide = storeWithSessions(base, (session) => ({
    ...session,
    pendingVoids: {
      ...session.pendingVoids,
      insert: async (voids, nowMs) => {
        if (interleaved === 0 && voids.some((entry) => entry.betId === '51')) {
          interleaved += 1;
          const bet = await ingestBatch(depsWith(base), [
            item({
              type: 'bet.placed',
              betId: '51',
              userId: '5',
              gameId: 'g',
              periodId: 'p',
              amount: '40',
              placedAt: t0,
            }),
          ]);
          assert.equal(bet.stats.applied, 1);
        }
        return session.pendingVoids.insert(voids, nowMs);
      },
    },
  }));
  const voided = await ingestBatch(depsWith(voidSide), [
    item({ type: 'bet.voided', betId: '51', voidedAt: t0 + 5 }),
    // A void whose bet never came: held, and the sweep must leave it held.
    item({ type: 'bet.voided', betId: '59', voidedAt: t0 + 6 }),
  ]);
  assert.equal(interleaved, 1);
  assert.deepEqual(
    voided.results.map((result) => result.status),
    ['applied', 'applied'],
  );

  // The race's outcome: the bet counts although it was voided, and its void is held.
  assert.equal((await base.bets.getMany(['51'])).get('51')?.voidedAtMs, null);
  assert.deepEqual(
    await base.metrics.totals(['5']),
    new Map([['5', { userId: '5', turnoverMinor: 400_000n, betCount: 1 }]]),
  );
  assert.deepEqual(await base.pendingVoids.withStoredBets(10), [{ betId: '51', voidedAtMs: t0 + 5 }]);

  const swept = await applyHeldVoids(depsWith(base), 10);
  assert.deepEqual(swept, { examined: 1, applied: 1, duplicates: 0, rejected: [] });
  assert.equal((await base.bets.getMany(['51'])).get('51')?.voidedAtMs, t0 + 5);
  assert.deepEqual(await base.metrics.totals(['5']), new Map([['5', { userId: '5', turnoverMinor: 0n, betCount: 0 }]]));
  assert.deepEqual(await base.pendingVoids.withStoredBets(10), []);
  assert.deepEqual(await applyHeldVoids(depsWith(base), 10), { examined: 0, applied: 0, duplicates: 0, rejected: [] });

  // Bet 59's void is still held, and applies the ordinary way when the bet arrives.
  const late = await ingestBatch(depsWith(base), [
    item({ type: 'bet.placed', betId: '59', userId: '5', gameId: 'g', periodId: 'p', amount: '7', placedAt: t0 + 1 }),
  ]);
  assert.equal(late.stats.applied, 1);
  assert.equal((await base.bets.getMany(['59'])).get('59')?.voidedAtMs, t0 + 6);
  assert.deepEqual(await base.metrics.totals(['5']), new Map([['5', { userId: '5', turnoverMinor: 0n, betCount: 0 }]]));
});

test('a held void the sweep finds already applied (a crash between applying and dropping it) is dropped as a duplicate', async () => {
  const base = fixture.store;
  await ingestBatch(depsWith(base), [
    item({ type: 'bet.placed', betId: '61', userId: '6', gameId: 'g', periodId: 'p', amount: '3', placedAt: t0 }),
    item({ type: 'bet.voided', betId: '61', voidedAt: t0 + 2 }),
  ]);
  await base.transaction((session) => session.pendingVoids.insert([{ betId: '61', voidedAtMs: t0 + 2 }], t0));
  assert.deepEqual(await applyHeldVoids(depsWith(base), 10), { examined: 1, applied: 0, duplicates: 1, rejected: [] });
  assert.deepEqual(await base.metrics.totals(['6']), new Map([['6', { userId: '6', turnoverMinor: 0n, betCount: 0 }]]));
  assert.deepEqual(await base.pendingVoids.withStoredBets(10), []);
});

test('tiernet serve sweeps held voids on its own', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'tiernet-held-voids-'));
  const runtime = await openRuntime(
    loadConfig({ env: { TIERNET_DATA_DIR: dataDir, TIERNET_PORT: '0', TIERNET_HOST: '127.0.0.1' } }),
    pino({ level: 'silent' }),
  );
  try {
    await runtime.migrate();
    const placedAt = Date.now() - 60_000;
    const placed = await ingestBatch(runtime.ingest, [
      item({ type: 'bet.placed', betId: '71', userId: '7', gameId: 'g', periodId: 'p', amount: '12', placedAt }),
    ]);
    assert.equal(placed.stats.applied, 1);
    // What the race leaves behind: the bet stored, its void held.
    await runtime.store.transaction((session) =>
      session.pendingVoids.insert([{ betId: '71', voidedAtMs: placedAt + 1_000 }], Date.now()),
    );
    const service = await startService(runtime, { version: 'test', reviewIntervalMs: 3_600_000 });
    try {
      await waitFor(
        'the held void applied',
        async () =>
          (await runtime.store.bets.getMany(['71'])).get('71')?.voidedAtMs === placedAt + 1_000 ? true : undefined,
        20_000,
      );
      assert.deepEqual(await runtime.store.pendingVoids.withStoredBets(10), []);
      assert.deepEqual(
        await runtime.store.metrics.totals(['7']),
        new Map([['7', { userId: '7', turnoverMinor: 0n, betCount: 0 }]]),
      );
    } finally {
      await service.stop();
    }
  } finally {
    await runtime.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
});
