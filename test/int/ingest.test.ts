// Proves the ingest use case on SQLite and on MariaDB with Redis: events become users, bets,
// metrics, VIP promotions, history rows and vip.changed outbox records in one transaction;
// a redelivered batch changes nothing; voids take bets back out without demoting; a void
// before its bet is held and applied; placeholders are completed; every class of refusal
// is a result with a code and, for log-sourced items, a DLQ outbox record.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Cache } from '../../src/app/ports/cache.ts';
import { MemoryCache } from '../../src/adapters/memory/cache.ts';
import { RedisCache } from '../../src/adapters/redis/cache.ts';
import { closeRedisClient, createRedisClient } from '../../src/adapters/redis/client.ts';
import { ingestBatch, type IngestDependencies, type IngestItem } from '../../src/app/ingest/ingest-batch.ts';
import { sqlBackends, openStoreFixture, type StoreFixture } from '../support/backends.ts';
import { deleteKeysUnderPrefix, redisUrl, uniqueKeyPrefix } from '../support/redis.ts';
import { testIngestDeps } from '../support/ingest-deps.ts';

const t0 = Date.UTC(2026, 10, 25, 8);
const clock = { nowMs: () => t0 + 3_600_000 };
const ladderDocument = {
  timezone: 'Asia/Shanghai',
  levels: [
    { level: 0, name: 'Member' },
    { level: 1, name: 'Bronze', promote: { turnoverLifetime: '100' }, keep: { turnover30d: '50' } },
    { level: 2, name: 'Silver', promote: { turnoverLifetime: '500' }, keep: { turnover30d: '200' } },
  ],
  demotion: { mode: 'one_down', cycleDays: 30 },
};

const json = (value: unknown): IngestItem => ({ input: { kind: 'json', value } });
let offset = 0;
const fromLog = (text: string): IngestItem => ({
  input: { kind: 'text', text, byteLength: Buffer.byteLength(text) },
  source: { topic: 'tiernet.bets', partition: 0, offset: String(offset++), key: null },
});
const bet = (betId: string, userId: string, amount: string, minute = 0) => ({
  type: 'bet.placed',
  betId,
  userId,
  gameId: 'ssc',
  periodId: 'p1',
  amount,
  placedAt: t0 + minute * 60_000,
});

for (const backend of sqlBackends) {
  describe(`ingest on ${backend}`, () => {
    let fixture: StoreFixture;
    let cache: Cache;
    let closeCache: () => Promise<void> = async () => {};
    let deps: IngestDependencies;
    const prefix = uniqueKeyPrefix('ingest');

    before(async () => {
      fixture = await openStoreFixture(backend, 'ingest');
      if (backend === 'mysql') {
        const client = await createRedisClient(redisUrl(), { keyPrefix: prefix });
        cache = new RedisCache(client);
        closeCache = async () => {
          await closeRedisClient(client);
          await deleteKeysUnderPrefix(prefix);
        };
      } else {
        cache = new MemoryCache({ clock });
      }
      await fixture.store.ladders.insert({
        version: 1,
        document: JSON.stringify(ladderDocument),
        actor: 'test',
        createdAtMs: t0,
      });
      deps = testIngestDeps(fixture.store, clock, { cache });
    });
    after(async () => {
      await closeCache();
      await fixture.cleanup();
    });

    async function vipOutbox(userId: string): Promise<Record<string, unknown>[]> {
      const records = await fixture.store.outbox.readBatch(10_000);
      return records
        .filter((record) => record.topic === 'vip' && record.key === userId)
        .map((record) => JSON.parse(record.payload) as Record<string, unknown>);
    }

    test('bets promote, with history, a cached status and vip.changed carrying seq and cause', async () => {
      const { results, stats } = await ingestBatch(deps, [
        json({ type: 'user.registered', userId: '1000', rebateRate: '0.08', registeredAt: t0 - 1000 }),
        json({
          type: 'user.registered',
          userId: '1001',
          parentId: '1000',
          rebateRate: '0.065',
          registeredAt: t0 - 500,
        }),
        json(bet('1', '1001', '60')),
        json(bet('2', '1001', '60', 1)),
        json(bet('3', '1001', '400', 2)),
      ]);
      assert.deepEqual(
        results.map((result) => result.status),
        ['applied', 'applied', 'applied', 'applied', 'applied'],
      );
      assert.equal(stats.vipChanges, 2);
      const state = (await fixture.store.vipStates.getMany(['1001'])).get('1001');
      assert.equal(state?.state.level, 2);
      assert.equal(state?.ladderVersion, 1);
      const events = await vipOutbox('1001');
      assert.deepEqual(
        events.map((event) => [
          event.fromLevel,
          event.toLevel,
          event.reason,
          (event.cause as { betId: string }).betId,
          event.seq,
          event.ruleVersion,
        ]),
        [
          [0, 1, 'promotion', '2', 1, 1],
          [1, 2, 'promotion', '3', 2, 1],
        ],
      );
      assert.equal(events[0]?.at, new Date(t0 + 60_000).toISOString());
      const totals = (await fixture.store.metrics.totals(['1001'])).get('1001');
      assert.deepEqual(totals, { userId: '1001', turnoverMinor: 5_200_000n, betCount: 3 });
      const cached = await cache.getMany(['vip:1001']);
      assert.equal(JSON.parse(cached[0] ?? '{}').level, 2);
      const users = await fixture.store.users.getMany(['1000', '1001']);
      assert.equal(users.get('1001')?.depth, 1);
      assert.equal(users.get('1000')?.directCount, 1);
    });

    test('the same batch delivered again changes nothing and reports duplicates', async () => {
      const batch = [
        json(bet('10', '2001', '30')),
        json(bet('11', '2001', '30', 1)),
        json({ type: 'period.closed', gameId: 'ssc', periodId: 'p9', closedAt: t0 }),
      ];
      const first = await ingestBatch(deps, batch);
      assert.deepEqual(
        first.results.map((result) => result.status),
        ['applied', 'applied', 'applied'],
      );
      const outboxBefore = await fixture.store.outbox.count();
      const totalsBefore = await fixture.store.metrics.totals(['2001']);
      const second = await ingestBatch(deps, batch);
      assert.deepEqual(
        second.results.map((result) => result.status),
        ['duplicate', 'duplicate', 'duplicate'],
      );
      assert.equal(await fixture.store.outbox.count(), outboxBefore);
      assert.deepEqual(await fixture.store.metrics.totals(['2001']), totalsBefore);
    });

    test('a bet id reused with other content is refused as bet_conflict and dead-lettered', async () => {
      await ingestBatch(deps, [json(bet('20', '3001', '10'))]);
      const text = JSON.stringify(bet('20', '3001', '11'));
      const { results } = await ingestBatch(deps, [fromLog(text)]);
      assert.equal(results[0]?.status, 'rejected');
      assert.equal(results[0]?.error?.code, 'bet_conflict');
      const dlq = (await fixture.store.outbox.readBatch(10_000))
        .filter((record) => record.topic === 'dlq')
        .map(
          (record) =>
            JSON.parse(record.payload) as { original: string; topic: string; offset: unknown; error: { code: string } },
        );
      const entry = dlq.find((record) => record.original === text);
      assert.equal(entry?.error.code, 'bet_conflict');
      assert.equal(entry?.topic, 'tiernet.bets');
      assert.equal(typeof entry?.offset, 'string');
      assert.equal((await fixture.store.bets.getMany(['20'])).get('20')?.amountMinor, 100_000n);
    });

    test('a void takes the bet out of every metric and does not demote mid-cycle', async () => {
      await ingestBatch(deps, [json(bet('30', '4001', '150')), json(bet('31', '4001', '10', 1))]);
      assert.equal((await fixture.store.vipStates.getMany(['4001'])).get('4001')?.state.level, 1);
      const { results } = await ingestBatch(deps, [json({ type: 'bet.voided', betId: '30', voidedAt: t0 + 120_000 })]);
      assert.equal(results[0]?.status, 'applied');
      assert.deepEqual((await fixture.store.metrics.totals(['4001'])).get('4001'), {
        userId: '4001',
        turnoverMinor: 100_000n,
        betCount: 1,
      });
      assert.equal((await fixture.store.vipStates.getMany(['4001'])).get('4001')?.state.level, 1);
      const again = await ingestBatch(deps, [json({ type: 'bet.voided', betId: '30', voidedAt: t0 + 120_000 })]);
      assert.equal(again.results[0]?.status, 'duplicate');
      assert.deepEqual((await fixture.store.metrics.totals(['4001'])).get('4001')?.turnoverMinor, 100_000n);
    });

    test('a void that arrives before its bet is held, then applied when the bet lands', async () => {
      const early = await ingestBatch(deps, [json({ type: 'bet.voided', betId: '40', voidedAt: t0 })]);
      assert.equal(early.results[0]?.status, 'applied');
      await ingestBatch(deps, [json(bet('40', '5001', '999'))]);
      assert.notEqual((await fixture.store.bets.getMany(['40'])).get('40')?.voidedAtMs, null);
      assert.deepEqual((await fixture.store.metrics.totals(['5001'])).get('5001'), {
        userId: '5001',
        turnoverMinor: 0n,
        betCount: 0,
      });
      // The same within one batch: the void is not left pending, and a redelivery changes nothing.
      const batch = [json({ type: 'bet.voided', betId: '41', voidedAt: t0 }), json(bet('41', '5002', '999'))];
      await ingestBatch(deps, batch);
      assert.notEqual((await fixture.store.bets.getMany(['41'])).get('41')?.voidedAtMs, null);
      assert.equal((await fixture.store.pendingVoids.take(['41'])).size, 0);
      const again = await ingestBatch(deps, batch);
      assert.deepEqual(
        again.results.map((result) => result.status),
        ['duplicate', 'duplicate'],
      );
      assert.deepEqual((await fixture.store.metrics.totals(['5002'])).get('5002'), {
        userId: '5002',
        turnoverMinor: 0n,
        betCount: 0,
      });
    });

    test('a bet from an unknown user creates a placeholder that registration completes', async () => {
      await ingestBatch(deps, [json(bet('50', '6001', '1'))]);
      const placeholder = (await fixture.store.users.getMany(['6001'])).get('6001');
      assert.equal(placeholder?.placeholder, true);
      assert.equal(placeholder?.parentId, null);
      const { results } = await ingestBatch(deps, [
        json({ type: 'user.registered', userId: '6001', parentId: '1000', rebateRate: '0.05', registeredAt: t0 }),
      ]);
      assert.equal(results[0]?.status, 'applied');
      const completed = (await fixture.store.users.getMany(['6001'])).get('6001');
      assert.deepEqual(
        [completed?.placeholder, completed?.parentId, completed?.rebateRatePpm, completed?.depth],
        [false, '1000', 50_000, 1],
      );
    });

    test('direct counts stay exact when a child registers before its parent in one batch, and across batches', async () => {
      await ingestBatch(deps, [
        json({ type: 'user.registered', userId: '6101', parentId: '6100', rebateRate: '0.01', registeredAt: t0 }),
        json({ type: 'user.registered', userId: '6100', rebateRate: '0.02', registeredAt: t0 }),
        json({ type: 'user.registered', userId: '6102', parentId: '6100', rebateRate: '0.01', registeredAt: t0 }),
      ]);
      await ingestBatch(deps, [
        json({ type: 'user.registered', userId: '6103', parentId: '6100', rebateRate: '0', registeredAt: t0 }),
      ]);
      const users = await fixture.store.users.getMany(['6100', '6101', '6103']);
      assert.equal(users.get('6100')?.directCount, 3);
      assert.equal(users.get('6100')?.placeholder, false);
      assert.equal(users.get('6101')?.depth, 1);
      assert.equal(users.get('6103')?.depth, 1);
    });

    test('a placeholder with a downline is attached by its own registration: depths shift, cycles and rate inversions are refused', async () => {
      // Children registered before their parent (their events overtook it on another partition).
      await ingestBatch(deps, [
        json({ type: 'user.registered', userId: '6201', parentId: '6200', rebateRate: '0.02', registeredAt: t0 }),
        json({ type: 'user.registered', userId: '6202', parentId: '6201', rebateRate: '0.01', registeredAt: t0 }),
      ]);
      assert.deepEqual((await fixture.store.users.getMany(['6200'])).get('6200')?.placeholder, true);
      const inverted = await ingestBatch(deps, [
        json({ type: 'user.registered', userId: '6200', parentId: '1000', rebateRate: '0.01', registeredAt: t0 }),
      ]);
      assert.equal(inverted.results[0]?.error?.code, 'rate_below_child');
      assert.match(inverted.results[0]?.error?.message ?? '', /6200.*6201/);
      const cycle = await ingestBatch(deps, [
        json({ type: 'user.registered', userId: '6200', parentId: '6202', rebateRate: '0.05', registeredAt: t0 }),
      ]);
      assert.equal(cycle.results[0]?.error?.code, 'move_cycle');
      assert.equal(
        (await fixture.store.users.getMany(['6200'])).get('6200')?.placeholder,
        true,
        'a refused attachment changes nothing',
      );
      const attached = await ingestBatch(deps, [
        json({ type: 'user.registered', userId: '6200', parentId: '1000', rebateRate: '0.05', registeredAt: t0 }),
      ]);
      assert.equal(attached.results[0]?.status, 'applied');
      const users = await fixture.store.users.getMany(['6200', '6201', '6202']);
      assert.deepEqual(
        ['6200', '6201', '6202'].map((id) => users.get(id)?.depth),
        [1, 2, 3],
      );
      assert.deepEqual([users.get('6200')?.placeholder, users.get('6200')?.parentId], [false, '1000']);
    });

    test('a rate above the parent is refused and nothing is written', async () => {
      const { results } = await ingestBatch(deps, [
        json({ type: 'user.registered', userId: '7001', parentId: '1000', rebateRate: '0.09', registeredAt: t0 }),
      ]);
      assert.equal(results[0]?.error?.code, 'rate_above_parent');
      assert.match(results[0]?.error?.message ?? '', /7001.*1000/);
      assert.equal((await fixture.store.users.getMany(['7001'])).size, 0);
    });

    test('bets and voids reaching a period already claimed by a settlement become adjustments', async () => {
      await ingestBatch(deps, [
        json({ ...bet('70', '9001', '30'), periodId: 'claimed' }),
        json({ type: 'period.closed', gameId: 'ssc', periodId: 'claimed', closedAt: t0 }),
      ]);
      await fixture.database.db
        .insertInto('settlement_periods')
        .values({ game_id: 'ssc', period_id: 'claimed', settlement_id: 's-1' })
        .execute();
      await ingestBatch(deps, [
        json({ ...bet('71', '9001', '12.5'), periodId: 'claimed' }),
        json({ type: 'bet.voided', betId: '70', voidedAt: t0 + 60_000 }),
        json({ ...bet('72', '9001', '5'), periodId: 'claimed' }),
        json({ type: 'bet.voided', betId: '72', voidedAt: t0 + 60_000 }),
      ]);
      const rows = await fixture.database.db
        .selectFrom('bet_adjustments')
        .select(['bet_id', 'kind', 'amount_minor'])
        .where('user_id', '=', '9001')
        .orderBy('bet_id')
        .execute();
      assert.deepEqual(
        rows.map((row) => [String(row.bet_id), row.kind, BigInt(row.amount_minor)]),
        [
          ['70', 'void', -300_000n],
          ['71', 'late', 125_000n],
        ],
        'a late bet voided in the same batch nets to nothing and needs no adjustment',
      );
    });

    test('every class of malformed event is dead-lettered with its code and the batch goes on', async () => {
      const cases: [string, string][] = [
        ['{"type":', 'event_not_json'],
        ['[1]', 'event_not_object'],
        ['{"type":"bet.settled"}', 'event_unknown_type'],
        [JSON.stringify({ ...bet('60', '8001', '1'), betId: undefined }), 'event_field_missing'],
        [JSON.stringify(bet('x', '8001', '1')), 'id_invalid'],
        [JSON.stringify(bet('61', '8001', '-1')), 'amount_negative'],
        [JSON.stringify(bet('62', '8001', '1.00001')), 'amount_too_precise'],
        [JSON.stringify({ ...bet('63', '8001', '1'), currency: 'USD' }), 'currency_mismatch'],
        [JSON.stringify({ ...bet('64', '8001', '1'), placedAt: 'tomorrow' }), 'time_invalid'],
      ];
      const good = JSON.stringify(bet('65', '8001', '5'));
      const { results } = await ingestBatch(deps, [...cases.map(([text]) => fromLog(text)), fromLog(good)]);
      assert.deepEqual(
        results.map((result) => result.error?.code ?? result.status),
        [...cases.map(([, code]) => code), 'applied'],
      );
      const dlq = (await fixture.store.outbox.readBatch(10_000))
        .filter((record) => record.topic === 'dlq')
        .map(
          (record) =>
            JSON.parse(record.payload) as { original: string; topic: string; offset: unknown; error: { code: string } },
        );
      for (const [text, code] of cases) {
        assert.equal(dlq.find((record) => record.original === text)?.error.code, code, text);
      }
      assert.equal((await fixture.store.bets.getMany(['65'])).size, 1);
    });
  });
}
