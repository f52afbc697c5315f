// Properties of ingest over random event sequences (on in-memory SQLite, the same SQL code
// path as MariaDB): applying any sequence twice, in any batch split, leaves exactly the
// state of applying it once (users, bets, metrics, VIP states, history, outbox); and a void
// followed by the same bet again has no net effect beyond the void.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { sql } from 'kysely';
import { migrate } from '../../src/adapters/sql/migrate.ts';
import { createSqlStore } from '../../src/adapters/sql/store.ts';
import { openSqliteDatabase } from '../../src/adapters/sqlite/connect.ts';
import type { SqlDatabase } from '../../src/adapters/sql/database.ts';
import { ingestBatch, type IngestDependencies } from '../../src/app/ingest/ingest-batch.ts';
import { testIngestDeps } from '../support/ingest-deps.ts';

const t0 = Date.UTC(2026, 10, 1);
const clock = { nowMs: () => t0 + 40 * 86_400_000 };
const windowDays = [1, 7, 30];
const ladder = {
  timezone: 'Asia/Shanghai',
  levels: [
    { level: 0, name: 'Member' },
    { level: 1, name: 'Bronze', promote: { turnoverLifetime: '100' }, keep: { turnover7d: '50' } },
    { level: 2, name: 'Silver', promote: { turnoverLifetime: '400', turnover7d: '150' }, keep: { turnover7d: '100' } },
  ],
  demotion: { mode: 'one_down', cycleDays: 7 },
};

const eventArbitrary = fc.oneof(
  fc.record({
    type: fc.constant('user.registered'),
    userId: fc.integer({ min: 1, max: 6 }).map(String),
    parentId: fc.option(fc.integer({ min: 1, max: 6 }).map(String), { nil: undefined }),
    rebateRate: fc.constantFrom('0', '0.01', '0.05'),
    registeredAt: fc.integer({ min: 0, max: 5 }).map((day) => t0 + day * 86_400_000),
  }),
  fc.record({
    type: fc.constant('bet.placed'),
    betId: fc.integer({ min: 1, max: 30 }).map(String),
    userId: fc.integer({ min: 1, max: 6 }).map(String),
    gameId: fc.constant('g'),
    periodId: fc.constantFrom('p1', 'p2'),
    amount: fc.constantFrom('10', '55.5', '120', '300.0001'),
    placedAt: fc.integer({ min: 0, max: 30 * 24 }).map((hour) => t0 + hour * 3_600_000),
  }),
  fc.record({
    type: fc.constant('bet.voided'),
    betId: fc.integer({ min: 1, max: 30 }).map(String),
    voidedAt: fc.integer({ min: 0, max: 30 * 24 }).map((hour) => t0 + hour * 3_600_000),
  }),
  fc.record({
    type: fc.constant('period.closed'),
    gameId: fc.constant('g'),
    periodId: fc.constantFrom('p1', 'p2'),
    closedAt: fc.constant(t0),
  }),
);

async function freshDeps(): Promise<{ deps: IngestDependencies; database: SqlDatabase }> {
  const database = openSqliteDatabase({ path: ':memory:' });
  await migrate(database, 0);
  const store = createSqlStore(database);
  await store.ladders.insert({ version: 1, document: JSON.stringify(ladder), actor: 't', createdAtMs: t0 });
  return {
    database,
    deps: testIngestDeps(store, clock, { windowDays }),
  };
}

async function applyInBatches(
  deps: IngestDependencies,
  events: readonly unknown[],
  cuts: readonly number[],
): Promise<void> {
  let start = 0;
  for (const cut of [...cuts.map((value) => value % (events.length + 1)).sort((a, b) => a - b), events.length]) {
    if (cut <= start) continue;
    await ingestBatch(
      deps,
      events.slice(start, cut).map((value) => ({ input: { kind: 'json' as const, value } })),
    );
    start = cut;
  }
}

const snapshotTables = [
  'users',
  'bets',
  'pending_voids',
  'periods',
  'metric_days',
  'user_totals',
  'vip_states',
  'vip_history',
  'bet_adjustments',
] as const;

async function snapshot(database: SqlDatabase): Promise<string> {
  const parts: string[] = [];
  for (const table of snapshotTables) {
    const rows = await sql<Record<string, unknown>>`select * from ${sql.table(table)}`.execute(database.db);
    const cleaned = rows.rows.map((row) => {
      const copy = { ...row };
      delete copy.created_at_ms;
      delete copy.updated_at_ms;
      delete copy.ingested_at_ms;
      delete copy.received_at_ms;
      delete copy.history_id;
      return JSON.stringify(copy, (_key, value: unknown) => (typeof value === 'bigint' ? value.toString() : value));
    });
    parts.push(`${table}:${cleaned.sort().join('|')}`);
  }
  const outbox = await sql<{
    topic: string;
    payload: string;
  }>`select topic, payload from outbox order by outbox_id`.execute(database.db);
  parts.push(`outbox:${outbox.rows.map((row) => `${row.topic}:${row.payload}`).join('|')}`);
  return parts.join('\n');
}

describe('ingest properties', () => {
  test('applying any event sequence twice, in any batch split, equals applying it once', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(eventArbitrary, { minLength: 1, maxLength: 40 }),
        fc.array(fc.nat(), { maxLength: 4 }),
        fc.array(fc.nat(), { maxLength: 4 }),
        async (events, cutsOnce, cutsAgain) => {
          const { deps, database } = await freshDeps();
          try {
            await applyInBatches(deps, events, cutsOnce);
            const once = await snapshot(database);
            await applyInBatches(deps, events, cutsAgain);
            assert.equal(await snapshot(database), once);
          } finally {
            await database.close();
          }
        },
      ),
      { numRuns: 100 },
    );
  });

  test('a void followed by the same bet again has no net effect beyond the void', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(eventArbitrary, { maxLength: 20 }),
        fc.constantFrom('10', '120', '300'),
        async (prefix, amount) => {
          const { deps, database } = await freshDeps();
          try {
            const placed = {
              type: 'bet.placed',
              betId: '999',
              userId: '1',
              gameId: 'g',
              periodId: 'p1',
              amount,
              placedAt: t0 + 3_600_000,
            };
            const voided = { type: 'bet.voided', betId: '999', voidedAt: t0 + 7_200_000 };
            await applyInBatches(deps, [...prefix, placed, voided], []);
            const afterVoid = await snapshot(database);
            const again = await ingestBatch(deps, [{ input: { kind: 'json', value: placed } }]);
            assert.equal(again.results[0]?.status, 'duplicate');
            assert.equal(await snapshot(database), afterVoid);
          } finally {
            await database.close();
          }
        },
      ),
      { numRuns: 30 },
    );
  });
});
