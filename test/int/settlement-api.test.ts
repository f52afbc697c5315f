// The settlement and rebate policy endpoints through the real HTTP adapter (app.inject) on
// SQLite+memory lock and MariaDB+Redis. Proves the shapes of DESIGN §6: POST
// /v1/settlements with named periods or {} answers 201 with the settlement (totalRebate with 4
// fraction digits, residue and capped in minor·ppm with 10), 200 {"settlementId":null} when
// nothing is due, skipped periods with their reason, 409 settlement_in_progress while
// another runner holds the lock, 400 naming the field for a bad period; GET /v1/settlements
// pages newest first by cursor; GET /v1/settlements/{id} and /lines (paged by cursor, amounts
// and team turnover as decimal strings), 404 for an unknown settlement; GET|PUT
// /v1/rebates/policy is versioned (version 0 the default), a bad policy is 400 at its JSON
// path, and the next settlement runs under the new version; the routes are in OpenAPI.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { rebateRoutes } from '../../src/adapters/http/routes/rebates.ts';
import { settlementRoutes } from '../../src/adapters/http/routes/settlements.ts';
import { buildHttpServer, type HttpApp } from '../../src/adapters/http/server.ts';
import type { DistributedLock } from '../../src/app/ports/lock.ts';
import { settlementLockName } from '../../src/app/settlement/settlement-deps.ts';
import { openSettlementFixture, settlementBackends, type SettlementFixture } from '../support/settlement-fixture.ts';

interface Reply {
  readonly status: number;
  readonly body: Record<string, unknown> & { items?: Record<string, unknown>[]; nextCursor?: string | null };
}

for (const backend of settlementBackends) {
  describe(`settlement API: ${backend}`, () => {
    let fixture: SettlementFixture;
    let lock: DistributedLock;
    let app: HttpApp;
    let relayNotified = 0;

    async function call(method: 'GET' | 'POST' | 'PUT', url: string, payload?: unknown): Promise<Reply> {
      const response = await app.inject(
        payload === undefined ? { method, url } : { method, url, payload: payload as Record<string, unknown> },
      );
      return { status: response.statusCode, body: response.json() };
    }

    before(async () => {
      fixture = await openSettlementFixture(backend, 'settlement-api');
      lock = await fixture.openLock();
      // A(10%) <- B(6%) <- C(3%); C bets 100.0001 and 50 in p1, B bets 10 in p2.
      await fixture.seedUsers([
        { userId: '1', parentId: null, ratePpm: 100_000 },
        { userId: '2', parentId: '1', ratePpm: 60_000 },
        { userId: '3', parentId: '2', ratePpm: 30_000 },
      ]);
      await fixture.seedBets([
        { betId: '1', userId: '3', gameId: 'ssc', periodId: 'p1', amountMinor: 1_000_001n },
        { betId: '2', userId: '3', gameId: 'ssc', periodId: 'p1', amountMinor: 500_000n },
        { betId: '3', userId: '2', gameId: 'ssc', periodId: 'p2', amountMinor: 100_000n },
      ]);
      await fixture.closePeriods([{ gameId: 'ssc', periodId: 'p1' }]);
      app = await buildHttpServer({
        logger: pino({ level: 'silent' }),
        registry: new Registry(),
        probes: [],
        adminToken: undefined,
        version: 'test',
        routes: [
          settlementRoutes({ settlement: fixture.deps(lock), afterSettle: () => (relayNotified += 1) }),
          rebateRoutes({ store: fixture.store, clock: fixture.clock }),
        ],
      });
    });
    after(async () => {
      await app.close();
      await fixture.cleanup();
    });

    test('rebate policy: version 0 is the default; PUT stores a new version; a bad one is 400 at its path', async () => {
      const initial = await call('GET', '/v1/rebates/policy');
      assert.equal(initial.status, 200);
      assert.deepEqual(initial.body, {
        version: 0,
        policy: { model: 'differential', selfRebate: true },
        actor: null,
        createdAt: null,
      });
      const bad = await call('PUT', '/v1/rebates/policy', {
        model: 'per_level',
        selfRate: '0.01',
        rates: ['0.005', 'x'],
      });
      assert.equal(bad.status, 400);
      assert.equal(bad.body['code'], 'rate_not_decimal');
      assert.equal(bad.body['field'], '/rates/1');
      const unknownKey = await call('PUT', '/v1/rebates/policy', { model: 'differential', selfrebate: false });
      assert.deepEqual(
        [unknownKey.status, unknownKey.body['code'], unknownKey.body['field']],
        [400, 'policy_invalid', '/selfrebate'],
      );
      const stored = await call('PUT', '/v1/rebates/policy', { model: 'differential', selfRebate: false });
      assert.equal(stored.status, 200);
      assert.equal(stored.body['version'], 1);
      assert.deepEqual(stored.body['policy'], { model: 'differential', selfRebate: false });
      assert.deepEqual((await call('GET', '/v1/rebates/policy')).body['version'], 1);
      const versions = await call('GET', '/v1/rebates/policy/versions');
      assert.deepEqual(
        versions.body.items?.map((item) => item['version']),
        [1],
      );
    });

    test('POST /v1/settlements with a named period: 201 with the settlement; the lines page by cursor', async () => {
      const reply = await call('POST', '/v1/settlements', {
        periods: [
          { gameId: 'ssc', periodId: 'p1' },
          { gameId: 'ssc', periodId: 'p2' },
        ],
      });
      assert.equal(reply.status, 201, JSON.stringify(reply.body));
      const settlementId = reply.body['settlementId'] as string;
      // Self rebate off (policy v1), on 150.0001 (1,500,001 minor): C earns nothing, B 3% =
      // 45,000.03 minor, A 4% = 60,000.04 minor. Floored to 4.5000 and 6.0000; the residue is
      // 0.07 minor = 70,000 minor·ppm, written 0.0000070000 in currency units.
      assert.deepEqual(
        { ...reply.body, settlementId: null, createdAt: null, committedAt: null, fencingToken: null, runner: null },
        {
          settlementId: null,
          status: 'committed',
          periods: [{ gameId: 'ssc', periodId: 'p1' }],
          beneficiaries: 2,
          totalRebate: '10.5000',
          residue: '0.0000070000',
          capped: '0.0000000000',
          exactTotal: '10.5000070000',
          turnover: '150.0001',
          lines: 2,
          adjustments: 0,
          policyVersion: 1,
          error: null,
          createdAt: null,
          committedAt: null,
          fencingToken: null,
          runner: null,
          skipped: [{ gameId: 'ssc', periodId: 'p2', reason: 'not_closed' }],
          resumed: [],
          morePeriodsDue: false,
        },
      );
      assert.ok(relayNotified > 0, 'the relay is woken after a settlement');
      const read = await call('GET', `/v1/settlements/${settlementId}`);
      assert.equal(read.status, 200);
      assert.equal(read.body['status'], 'committed');
      assert.equal(read.body['totalRebate'], '10.5000');

      const first = await call('GET', `/v1/settlements/${settlementId}/lines?limit=1`);
      assert.equal(first.status, 200);
      assert.deepEqual(first.body.items, [
        {
          beneficiaryId: '1',
          amount: '6.0000',
          teamTurnover: '150.0001',
          exact: '6.0000040000',
          capped: '0.0000000000',
        },
      ]);
      assert.ok(typeof first.body.nextCursor === 'string');
      const second = await call('GET', `/v1/settlements/${settlementId}/lines?limit=1&cursor=${first.body.nextCursor}`);
      assert.deepEqual(second.body.items, [
        {
          beneficiaryId: '2',
          amount: '4.5000',
          teamTurnover: '150.0001',
          exact: '4.5000030000',
          capped: '0.0000000000',
        },
      ]);
      assert.equal(second.body.nextCursor, null);
    });

    test('POST {} settles every closed period; 200 with settlementId null when nothing is due', async () => {
      const again = await call('POST', '/v1/settlements', { periods: [{ gameId: 'ssc', periodId: 'p1' }] });
      assert.equal(again.status, 200);
      assert.deepEqual(again.body, {
        settlementId: null,
        skipped: [{ gameId: 'ssc', periodId: 'p1', reason: 'already_settled' }],
        resumed: [],
        morePeriodsDue: false,
      });
      await fixture.closePeriods([{ gameId: 'ssc', periodId: 'p2' }]);
      const all = await call('POST', '/v1/settlements', {});
      assert.equal(all.status, 201);
      assert.deepEqual(all.body['periods'], [{ gameId: 'ssc', periodId: 'p2' }]);
      const nothing = await call('POST', '/v1/settlements', {});
      assert.deepEqual([nothing.status, nothing.body['settlementId']], [200, null]);
    });

    test('GET /v1/settlements pages newest first; unknown ids are 404; bad input is 400 at its field', async () => {
      const page = await call('GET', '/v1/settlements?limit=1');
      assert.equal(page.status, 200);
      assert.equal(page.body.items?.length, 1);
      assert.deepEqual(page.body.items?.[0]?.['periods'], [{ gameId: 'ssc', periodId: 'p2' }], 'newest first');
      const next = await call('GET', `/v1/settlements?limit=1&cursor=${page.body.nextCursor}`);
      assert.deepEqual(next.body.items?.[0]?.['periods'], [{ gameId: 'ssc', periodId: 'p1' }]);
      assert.equal(next.body.nextCursor, null);

      const unknown = await call('GET', '/v1/settlements/stl-nope');
      assert.deepEqual([unknown.status, unknown.body['code']], [404, 'settlement_unknown']);
      assert.equal((await call('GET', '/v1/settlements/stl-nope/lines')).status, 404);
      const bad = await call('POST', '/v1/settlements', { periods: [{ gameId: 'ssc', periodId: 'bad period' }] });
      assert.equal(bad.status, 400);
      assert.equal(bad.body['code'], 'request_invalid');
      assert.match(String(bad.body['field']), /^\/body\/periods\/0\/periodId/);
      assert.equal((await call('POST', '/v1/settlements', { periods: [] })).status, 400);
      assert.equal((await call('POST', '/v1/settlements', { everything: true })).status, 400);
    });

    test('409 settlement_in_progress while another runner holds the lock', async () => {
      const other = await fixture.openLock();
      const lease = await other.acquire(settlementLockName, 'someone-else', 30_000);
      assert.ok(lease !== null);
      try {
        const reply = await call('POST', '/v1/settlements', {});
        assert.deepEqual([reply.status, reply.body['code']], [409, 'settlement_in_progress']);
      } finally {
        await other.release(lease);
      }
      assert.equal((await call('POST', '/v1/settlements', {})).status, 200);
    });

    test('the routes are in the OpenAPI document', async () => {
      const openapi = await call('GET', '/openapi.json');
      const paths = Object.keys(openapi.body['paths'] as Record<string, unknown>);
      for (const path of [
        '/v1/settlements',
        '/v1/settlements/{id}',
        '/v1/settlements/{id}/lines',
        '/v1/rebates/policy',
        '/v1/rebates/policy/versions',
      ]) {
        assert.ok(paths.includes(path), path);
      }
    });
  });
}
