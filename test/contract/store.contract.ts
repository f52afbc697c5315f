// Store contract: the behaviour every Store adapter (MySQL/MariaDB, SQLite) must show.
// It proves migrations are idempotent, batched upserts add exactly, inserts are idempotent
// on the natural key, transactions are atomic, keyset pages cover every row once in numeric
// order, bigint money survives a round trip exactly, and concurrent writers lose nothing.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { isTiernetError } from '../../src/app/errors.ts';
import type {
  BetRow,
  LedgerLineRow,
  MetricDayDelta,
  MetricDayRow,
  Store,
  StoredVipState,
  UserRow,
  VipHistoryRow,
} from '../../src/app/ports/store.ts';
import { amountMaxMinor } from '../../src/domain/money.ts';
import { migrate } from '../../src/adapters/sql/migrate.ts';
import type { SqlDatabase } from '../../src/adapters/sql/database.ts';
import { createSqlStore } from '../../src/adapters/sql/store.ts';

export interface StoreHarness {
  readonly database: SqlDatabase;
  cleanup(): Promise<void>;
}

const nowMs = 1_764_000_000_000;

function user(userId: string, parentId: string | null = null): UserRow {
  return {
    userId,
    parentId,
    rebateRatePpm: 0,
    placeholder: false,
    registeredAtMs: nowMs,
    tags: [],
    depth: 0,
    directCount: 0,
  };
}

function bet(betId: string, amountMinor: bigint, userId = '1'): BetRow {
  return {
    betId,
    userId,
    gameId: 'ssc',
    periodId: 'p1',
    amountMinor,
    placedAtMs: nowMs,
    day: 20_000,
    voidedAtMs: null,
  };
}

/** Retries a whole unit of work when a concurrent writer won a unique key (the documented protocol). */
async function withConflictRetry<T>(work: () => Promise<T>, attemptsMax = 20): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await work();
    } catch (error) {
      if (!isTiernetError(error, 'db_conflict') || attempt >= attemptsMax) throw error;
    }
  }
}

export function storeContract(name: string, open: () => Promise<StoreHarness>): void {
  describe(`Store contract: ${name}`, () => {
    let harness: StoreHarness;
    let store: Store;

    before(async () => {
      harness = await open();
      const first = await migrate(harness.database, nowMs);
      assert.equal(first.applied.length > 0, true, 'a fresh database gets the migrations');
      store = createSqlStore(harness.database);
    });

    after(async () => {
      await harness.cleanup();
    });

    test('migrate run again applies nothing and keeps the data', async () => {
      await store.users.insertMissing([user('424242')], nowMs);
      const again = await migrate(harness.database, nowMs);
      assert.deepEqual(again.applied, []);
      assert.equal((await store.users.getMany(['424242'])).size, 1);
    });

    test('money round-trips exactly at the extremes of its range', async () => {
      const amounts = [1n, 9_007_199_254_740_993n, amountMaxMinor];
      await store.bets.insertNew(
        amounts.map((amount, index) => bet(String(900 + index), amount)),
        nowMs,
      );
      const read = await store.bets.getMany(['900', '901', '902']);
      assert.deepEqual(
        amounts,
        ['900', '901', '902'].map((id) => read.get(id)?.amountMinor),
      );

      const exact = 10n ** 27n + 7n; // beyond 64 bits: minor·ppm of a huge team
      await store.ledger.insertLines([
        {
          settlementId: 'round-trip',
          beneficiaryId: '5',
          amountMinor: -123n,
          exactMinorPpm: exact,
          cappedMinorPpm: -exact,
          teamTurnoverMinor: amountMaxMinor,
        },
      ]);
      const page = await store.ledger.linesPage('round-trip', null, 10);
      assert.deepEqual(page.items[0], {
        settlementId: 'round-trip',
        beneficiaryId: '5',
        amountMinor: -123n,
        exactMinorPpm: exact,
        cappedMinorPpm: -exact,
        teamTurnoverMinor: amountMaxMinor,
      });
    });

    test('ids up to 2^63-1 round-trip exactly', async () => {
      const big = (2n ** 63n - 1n).toString();
      await store.users.insertMissing([user(big, '1')], nowMs);
      const read = await store.users.getMany([big]);
      assert.equal(read.get(big)?.userId, big);
      assert.equal(read.get(big)?.parentId, '1');
    });

    test('inserting the same bets again inserts nothing and reports nothing new', async () => {
      const bets = [bet('1001', 100n), bet('1002', 200n), bet('1002', 200n)];
      const first = await store.bets.insertNew(bets, nowMs);
      assert.deepEqual([...first].sort(), ['1001', '1002']);
      const second = await store.bets.insertNew(bets, nowMs);
      assert.equal(second.size, 0);
      const stored = await store.bets.getMany(['1001', '1002']);
      assert.equal(stored.get('1002')?.amountMinor, 200n);
    });

    test('insertAbsent refuses a row that exists as a db_conflict and writes nothing of its batch', async () => {
      await store.users.insertMissing([user('5101')], nowMs);
      await store.bets.insertNew([bet('5201', 10n)], nowMs);
      await assert.rejects(
        store.transaction(async (session) => {
          await session.users.insertAbsent([user('5102'), user('5101')], nowMs);
        }),
        (error: unknown) => isTiernetError(error, 'db_conflict'),
      );
      await assert.rejects(
        store.transaction(async (session) => {
          await session.bets.insertAbsent([bet('5202', 20n), bet('5201', 99n)], nowMs);
        }),
        (error: unknown) => isTiernetError(error, 'db_conflict'),
      );
      assert.equal((await store.users.getMany(['5102'])).size, 0);
      assert.equal((await store.bets.getMany(['5202'])).size, 0);
      assert.equal((await store.bets.getMany(['5201'])).get('5201')?.amountMinor, 10n);
    });

    test('voids are applied in one batch and never overwrite an earlier void', async () => {
      await store.bets.insertNew([bet('2001', 10n), bet('2002', 20n), bet('2003', 30n)], nowMs);
      const marked = await store.bets.markVoided([
        { betId: '2001', voidedAtMs: nowMs + 1 },
        { betId: '2002', voidedAtMs: nowMs + 2 },
      ]);
      assert.equal(marked, 2);
      assert.equal(await store.bets.markVoided([{ betId: '2001', voidedAtMs: nowMs + 99 }]), 0);
      const read = await store.bets.getMany(['2001', '2002', '2003']);
      assert.equal(read.get('2001')?.voidedAtMs, nowMs + 1);
      assert.equal(read.get('2002')?.voidedAtMs, nowMs + 2);
      assert.equal(read.get('2003')?.voidedAtMs, null);
    });

    test('batched upserts add deltas exactly, including repeated keys and negative deltas (property)', async () => {
      let round = 0;
      await fc.assert(
        fc.asyncProperty(
          fc.array(
            fc.record({
              user: fc.integer({ min: 1, max: 5 }),
              day: fc.integer({ min: 0, max: 3 }),
              turnover: fc.bigInt({ min: -(10n ** 15n), max: 10n ** 15n }),
              count: fc.integer({ min: -3, max: 3 }),
            }),
            { minLength: 1, maxLength: 40 },
          ),
          async (raw) => {
            round += 1;
            const base = 10_000 * round; // fresh users per run: no state leaks between runs
            const deltas: MetricDayDelta[] = raw.map((entry) => ({
              userId: String(base + entry.user),
              day: entry.day,
              turnoverDeltaMinor: entry.turnover,
              betCountDelta: entry.count,
            }));
            await store.metrics.addDeltas(deltas);
            const users = [...new Set(deltas.map((delta) => delta.userId))];
            const days = await store.metrics.daysSince(users, 0);
            const totals = await store.metrics.totals(users);
            const expectedDays = new Map<string, { t: bigint; c: number }>();
            const expectedTotals = new Map<string, { t: bigint; c: number }>();
            for (const delta of deltas) {
              const key = `${delta.userId}:${delta.day}`;
              const day = expectedDays.get(key) ?? { t: 0n, c: 0 };
              expectedDays.set(key, { t: day.t + delta.turnoverDeltaMinor, c: day.c + delta.betCountDelta });
              const total = expectedTotals.get(delta.userId) ?? { t: 0n, c: 0 };
              expectedTotals.set(delta.userId, {
                t: total.t + delta.turnoverDeltaMinor,
                c: total.c + delta.betCountDelta,
              });
            }
            assert.equal(days.length, expectedDays.size);
            for (const row of days)
              assert.deepEqual({ t: row.turnoverMinor, c: row.betCount }, expectedDays.get(`${row.userId}:${row.day}`));
            for (const [userId, expected] of expectedTotals) {
              const total = totals.get(userId);
              assert.deepEqual({ t: total?.turnoverMinor, c: total?.betCount }, expected);
            }
            // The one-round-trip read returns exactly what the two reads return, from any day on.
            const fromDay = raw[0]!.day;
            const combined = await store.metrics.windowInputs(users, fromDay);
            const byKey = (rows: readonly MetricDayRow[]) =>
              rows.map((row) => `${row.userId}:${row.day}:${row.turnoverMinor}:${row.betCount}`).sort();
            assert.deepEqual(byKey(combined.days), byKey(await store.metrics.daysSince(users, fromDay)));
            assert.deepEqual(combined.totals, totals);
          },
        ),
        { numRuns: 25 },
      );
    });

    test('a transaction that throws leaves nothing behind', async () => {
      await assert.rejects(
        store.transaction(async (session) => {
          await session.users.insertMissing([user('3001')], nowMs);
          await session.outbox.append([{ topic: 't', key: '3001', payload: '{}' }], nowMs);
          await session.metrics.addDeltas([{ userId: '3001', day: 1, turnoverDeltaMinor: 5n, betCountDelta: 1 }]);
          throw new Error('boom');
        }),
        /boom/,
      );
      assert.equal((await store.users.getMany(['3001'])).size, 0);
      assert.equal((await store.metrics.totals(['3001'])).size, 0);
      const outbox = await store.outbox.readBatch(1_000);
      assert.equal(
        outbox.some((record) => record.key === '3001'),
        false,
      );
    });

    test('a committed transaction is visible as a whole', async () => {
      await store.transaction(async (session) => {
        await session.users.insertMissing([user('3101'), user('3102', '3101')], nowMs);
        await session.outbox.append([{ topic: 'x', key: '3101', payload: '{"a":1}' }], nowMs);
      });
      assert.equal((await store.users.getMany(['3101', '3102'])).size, 2);
      const outbox = await store.outbox.readBatch(1_000);
      assert.equal(outbox.filter((record) => record.key === '3101').length, 1);
    });

    test('keyset pages cover every line once, in numeric id order, across pages', async () => {
      const ids = Array.from({ length: 250 }, (_, index) => String(index * 37 + 1)); // 1..9214: mixed digit counts
      const lines: LedgerLineRow[] = ids.map((id) => ({
        settlementId: 'paging',
        beneficiaryId: id,
        amountMinor: BigInt(id),
        exactMinorPpm: BigInt(id) * 1_000_000n,
        cappedMinorPpm: 0n,
        teamTurnoverMinor: 1n,
      }));
      await store.ledger.insertLines(lines);
      const seen: string[] = [];
      let cursor: string | null = null;
      for (let pageCount = 0; pageCount < 10; pageCount += 1) {
        const page = await store.ledger.linesPage('paging', cursor, 100);
        seen.push(...page.items.map((item) => item.beneficiaryId));
        cursor = page.nextCursor;
        if (cursor === null) break;
      }
      assert.equal(cursor, null);
      assert.deepEqual(
        seen,
        [...ids].sort((a, b) => Number(a) - Number(b)),
      );
    });

    test('a ledger line is never written twice for the same beneficiary', async () => {
      const line: LedgerLineRow = {
        settlementId: 'once',
        beneficiaryId: '7',
        amountMinor: 1n,
        exactMinorPpm: 1n,
        cappedMinorPpm: 0n,
        teamTurnoverMinor: 0n,
      };
      await store.transaction((session) => session.ledger.insertLines([line]));
      await assert.rejects(
        store.transaction((session) => session.ledger.insertLines([{ ...line, amountMinor: 999n }])),
        (error: unknown) => isTiernetError(error, 'db_conflict'),
      );
      const page = await store.ledger.linesPage('once', null, 10);
      assert.equal(page.items.length, 1);
      assert.equal(page.items[0]?.amountMinor, 1n);
    });

    test('children pages are keyset-ordered and complete', async () => {
      const children = Array.from({ length: 23 }, (_, index) => user(String(50_000 + index), '49999'));
      await store.users.insertMissing([user('49999'), ...children], nowMs);
      const seen: string[] = [];
      let after: string | null = null;
      for (let pageCount = 0; pageCount < 10; pageCount += 1) {
        const page = await store.users.childrenPage('49999', after, 10);
        seen.push(...page.map((child) => child.userId));
        if (page.length < 10) break;
        after = page[page.length - 1]?.userId ?? null;
      }
      assert.deepEqual(
        seen,
        children.map((child) => child.userId),
      );
    });

    test('updateMany overwrites the mutable fields of existing users only', async () => {
      await store.users.insertMissing([user('60001'), user('60002')], nowMs);
      await store.users.updateMany(
        [{ ...user('60002', '60001'), rebateRatePpm: 65_000, tags: ['vip', 'cn'], depth: 1 }],
        nowMs + 5,
      );
      const read = await store.users.getMany(['60001', '60002']);
      assert.deepEqual(read.get('60002'), {
        ...user('60002', '60001'),
        rebateRatePpm: 65_000,
        tags: ['vip', 'cn'],
        depth: 1,
      });
      assert.deepEqual(read.get('60001'), user('60001'));
    });

    test('outbox keeps order and removes only what was relayed', async () => {
      const before = await store.outbox.count();
      await store.outbox.append(
        Array.from({ length: 5 }, (_, index) => ({ topic: 'order', key: 'k', payload: String(index) })),
        nowMs,
      );
      const batch = (await store.outbox.readBatch(10_000)).filter((record) => record.topic === 'order');
      assert.deepEqual(
        batch.map((record) => record.payload),
        ['0', '1', '2', '3', '4'],
      );
      await store.outbox.remove(batch.slice(0, 2).map((record) => record.outboxId));
      const rest = (await store.outbox.readBatch(10_000)).filter((record) => record.topic === 'order');
      assert.deepEqual(
        rest.map((record) => record.payload),
        ['2', '3', '4'],
      );
      assert.equal(await store.outbox.count(), before + 3);
    });

    test('consumer offsets are upserted per group and partition and never move backwards', async () => {
      await store.offsets.save(
        [
          { consumerGroup: 'g', topic: 'bets', partition: 0, nextOffset: 10n },
          { consumerGroup: 'g', topic: 'bets', partition: 1, nextOffset: 3n },
        ],
        nowMs,
      );
      await store.offsets.save([{ consumerGroup: 'g', topic: 'bets', partition: 0, nextOffset: 42n }], nowMs);
      // A redelivered or replayed batch saves a lower offset: the stored one stays.
      await store.offsets.save([{ consumerGroup: 'g', topic: 'bets', partition: 1, nextOffset: 2n }], nowMs);
      assert.deepEqual(await store.offsets.load('g', 'bets'), [
        { consumerGroup: 'g', topic: 'bets', partition: 0, nextOffset: 42n },
        { consumerGroup: 'g', topic: 'bets', partition: 1, nextOffset: 3n },
      ]);
    });

    test('VIP states round-trip exactly and the due index returns only users due, earliest first', async () => {
      const base = {
        levelSinceMs: nowMs,
        status: 'ok' as const,
        atRiskSinceMs: null,
        protectedUntilMs: null,
        changedAtMs: nowMs,
      };
      const rows: StoredVipState[] = [
        {
          userId: '110001',
          ladderVersion: 3,
          state: { ...base, level: 2, cycleStartMs: nowMs, nextReviewMs: nowMs + 500, override: null, seq: 4 },
        },
        {
          userId: '110002',
          ladderVersion: 3,
          state: {
            ...base,
            level: 1,
            cycleStartMs: nowMs,
            nextReviewMs: nowMs + 100,
            override: { kind: 'floor', level: 1, reason: 'vip host', actor: 'ops', expiresAtMs: nowMs + 9 },
            seq: 1,
          },
        },
        {
          userId: '110003',
          ladderVersion: 3,
          state: { ...base, level: 0, cycleStartMs: null, nextReviewMs: null, override: null, seq: 0 },
        },
        {
          userId: '110004',
          ladderVersion: 3,
          state: { ...base, level: 1, cycleStartMs: nowMs, nextReviewMs: nowMs + 10_000, override: null, seq: 2 },
        },
      ];
      await store.vipStates.upsertMany(rows, nowMs);
      const read = await store.vipStates.getMany(rows.map((row) => row.userId));
      for (const row of rows) assert.deepEqual(read.get(row.userId), row);
      assert.deepEqual(await store.vipStates.dueForReview(nowMs + 1_000, 10), ['110002', '110001']);
      assert.deepEqual(await store.vipStates.dueForReview(nowMs + 1_000, 1), ['110002']);
      const updated = { ...rows[0]!, state: { ...rows[0]!.state, level: 3, seq: 5, nextReviewMs: null } };
      await store.vipStates.upsertMany([updated], nowMs);
      assert.deepEqual((await store.vipStates.getMany(['110001'])).get('110001'), updated);
    });

    test('VIP history pages newest first per user; recent changes skip rows that kept the level', async () => {
      const rows: VipHistoryRow[] = Array.from({ length: 7 }, (_, index) => ({
        userId: '120001',
        seq: index + 1,
        fromLevel: index,
        toLevel: index % 2 === 0 ? index + 1 : index,
        reason: index % 2 === 0 ? 'promotion' : 'renewal',
        detail: null,
        ladderVersion: 1,
        cause: { kind: 'bet', betId: String(index) },
        atMs: nowMs + index,
      }));
      await store.vipHistory.append(rows);
      const first = await store.vipHistory.pageForUser('120001', null, 4);
      assert.deepEqual(
        first.items.map((row) => row.seq),
        [7, 6, 5, 4],
      );
      const second = await store.vipHistory.pageForUser('120001', first.nextCursor, 4);
      assert.deepEqual(
        second.items.map((row) => row.seq),
        [3, 2, 1],
      );
      assert.equal(second.nextCursor, null);
      assert.deepEqual(second.items[2], rows[0]);
      const recent = await store.vipHistory.recentChanges(100);
      assert.equal(
        recent.every((row) => row.fromLevel !== row.toLevel),
        true,
      );
      assert.deepEqual(
        recent.filter((row) => row.userId === '120001').map((row) => row.seq),
        [7, 5, 3, 1],
      );
    });

    test('document versions are append-only: a second writer of the same version conflicts', async () => {
      assert.equal(await store.ladders.latest(), null);
      await store.ladders.insert({ version: 1, document: '{"a":1}', actor: 'ops', createdAtMs: nowMs });
      await store.ladders.insert({ version: 2, document: '{"a":2}', actor: 'ops', createdAtMs: nowMs + 1 });
      assert.deepEqual(await store.ladders.latest(), {
        version: 2,
        document: '{"a":2}',
        actor: 'ops',
        createdAtMs: nowMs + 1,
      });
      await assert.rejects(
        store.transaction((session) =>
          session.ladders.insert({ version: 2, document: '{"b":1}', actor: 'x', createdAtMs: nowMs }),
        ),
        (error: unknown) => isTiernetError(error, 'db_conflict'),
      );
      const page = await store.ladders.list(null, 1);
      assert.deepEqual(
        page.items.map((item) => item.version),
        [2],
      );
      const next = await store.ladders.list(page.nextCursor, 5);
      assert.deepEqual(
        next.items.map((item) => item.version),
        [1],
      );
      assert.equal(await store.rebatePolicies.latest(), null, 'the two version tables are separate');
    });

    test('closed periods are recorded once, pending voids are taken once', async () => {
      const periods = [
        { gameId: 'ssc', periodId: 'p-1', closedAtMs: nowMs },
        { gameId: 'SSC', periodId: 'p-1', closedAtMs: nowMs },
        { gameId: 'ssc', periodId: 'p-1', closedAtMs: nowMs },
      ];
      assert.equal(
        (await store.periods.insertClosed(periods, nowMs)).size,
        2,
        'game ids are case-sensitive; the repeat is not new',
      );
      assert.equal((await store.periods.insertClosed(periods, nowMs)).size, 0);
      assert.equal((await store.periods.claimedKeys(periods)).size, 0);
      await store.pendingVoids.insert([{ betId: '130001', voidedAtMs: nowMs }], nowMs);
      assert.deepEqual([...(await store.pendingVoids.take(['130001', '130002']))], [['130001', nowMs]]);
      assert.equal((await store.pendingVoids.take(['130001'])).size, 0);
    });

    test('concurrent writers adding to the same keys lose nothing', async () => {
      const writers = 8;
      const rounds = 5;
      const keys = Array.from({ length: 30 }, (_, index) => ({
        userId: String(9_000_000 + (index % 10)),
        day: index % 3,
      }));
      await Promise.all(
        Array.from({ length: writers }, async (_, writer) => {
          for (let roundIndex = 0; roundIndex < rounds; roundIndex += 1) {
            // Each writer visits the keys in its own order, the classic deadlock recipe.
            const order = writer % 2 === 0 ? keys : [...keys].reverse();
            await store.transaction((session) =>
              session.metrics.addDeltas(order.map((key) => ({ ...key, turnoverDeltaMinor: 7n, betCountDelta: 1 }))),
            );
          }
        }),
      );
      const totals = await store.metrics.totals(keys.map((key) => key.userId));
      for (const total of totals.values()) {
        assert.equal(total.turnoverMinor, 7n * 3n * BigInt(writers * rounds));
        assert.equal(total.betCount, 3 * writers * rounds);
      }
      assert.equal(totals.size, 10);
    });

    test('concurrent writers inserting overlapping bets store each bet once and report it new once', async () => {
      const ids = Array.from({ length: 40 }, (_, index) => String(80_000 + index));
      const reported = await Promise.all(
        Array.from({ length: 6 }, (_, writer) =>
          withConflictRetry(() =>
            store.transaction((session) =>
              session.bets.insertNew(
                ids.filter((_, index) => (index + writer) % 3 !== 0).map((id) => bet(id, BigInt(id))),
                nowMs,
              ),
            ),
          ),
        ),
      );
      const all = reported.flatMap((set) => [...set]).sort();
      assert.deepEqual(all, [...ids].sort());
      const stored = await store.bets.getMany(ids);
      assert.equal(stored.size, ids.length);
    });
  });
}
