// Proves the VIP admin API and the review scheduler together, on the embedded default and on
// MariaDB + Redis, with a test clock: ladder edits are validated (400 naming the JSON path)
// and versioned; users are promoted by events; overrides are placed, shown, expire and are
// re-evaluated by the scheduler; a missed keep demotes exactly at the boundary; and each
// level change is one history row plus one vip.changed record.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { loadConfig } from '../../src/config/config.ts';
import { openRuntime, type Runtime } from '../../src/main/runtime.ts';
import { buildHttpServer, type HttpApp } from '../../src/adapters/http/server.ts';
import { vipRoutes } from '../../src/adapters/http/routes/vip.ts';
import { eventRoutes } from '../../src/adapters/http/routes/events.ts';
import { reviewAllDue } from '../../src/app/vip/review-scheduler.ts';
import { createTestDatabase, type TestDatabase } from '../support/mysql.ts';
import { deleteKeysUnderPrefix, redisUrl, uniqueKeyPrefix } from '../support/redis.ts';

const dayMs = 86_400_000;
const t0 = Date.UTC(2026, 10, 1, 4); // 12:00 in Asia/Shanghai
const token = 'vip-api-test-token-0123';
const ladder = {
  timezone: 'Asia/Shanghai',
  levels: [
    { level: 0, name: 'Member' },
    { level: 1, name: 'Bronze', promote: { turnoverLifetime: '100' }, keep: { turnover30d: '100' } },
    { level: 2, name: 'Silver', promote: { turnoverLifetime: '1000' }, keep: { turnover30d: '500' } },
    { level: 3, name: 'Gold', promote: { turnoverLifetime: '100000' }, keep: { turnover30d: '50000' } },
  ],
  demotion: { mode: 'one_down', cycleDays: 30 },
};

for (const stack of ['embedded', 'mysql+redis'] as const) {
  describe(`VIP API and scheduler (${stack})`, () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'tiernet-vip-api-'));
    const redisPrefix = uniqueKeyPrefix('vip-api');
    let nowMs = t0;
    const clock = { nowMs: () => nowMs };
    let database: TestDatabase | undefined;
    let runtime: Runtime;
    let app: HttpApp;

    before(async () => {
      const env: Record<string, string> = { TIERNET_DATA_DIR: dataDir, TIERNET_ADMIN_TOKEN: token };
      if (stack === 'mysql+redis') {
        database = await createTestDatabase('vip_api');
        Object.assign(env, {
          TIERNET_MYSQL_URL: database.url,
          TIERNET_REDIS_URL: redisUrl(),
          TIERNET_REDIS_KEY_PREFIX: redisPrefix,
        });
      }
      runtime = await openRuntime(loadConfig({ env }), pino({ level: 'silent' }), clock);
      await runtime.migrate();
      app = await buildHttpServer({
        logger: pino({ level: 'silent' }),
        registry: runtime.registry,
        probes: runtime.probes,
        adminToken: token,
        version: 'test',
        routes: [eventRoutes({ ingest: runtime.ingest, afterIngest: () => {} }), vipRoutes(runtime.vip)],
      });
    });
    after(async () => {
      await app.close();
      await runtime.close();
      await database?.drop();
      if (stack === 'mysql+redis') await deleteKeysUnderPrefix(redisPrefix);
      rmSync(dataDir, { recursive: true, force: true });
    });

    const call = async (method: 'GET' | 'PUT' | 'POST', url: string, payload?: unknown) => {
      const response = await app.inject({
        method,
        url,
        headers: { authorization: `Bearer ${token}`, 'x-tiernet-actor': 'ops-alice' },
        ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }),
      });
      // eslint-disable-next-line @typescript-eslint/no-explicit-any -- assertions below read nested fields of a checked response
      return { status: response.statusCode, body: response.json<Record<string, any>>() };
    };
    const vipEvents = async (userId: string) =>
      (await runtime.store.outbox.readBatch(10_000))
        .filter((record) => record.topic === runtime.config.topics.vipChanges && record.key === userId)
        .map((record) => JSON.parse(record.payload) as Record<string, unknown>);

    test('an invalid ladder is refused with the JSON path; a valid one becomes a new version', async () => {
      const bad = await call('PUT', '/v1/vip/ladder', {
        ...ladder,
        levels: [ladder.levels[0], { level: 1, name: 'Bronze', promote: { turnover45d: '1' } }],
      });
      assert.equal(bad.status, 400);
      assert.equal(bad.body.code, 'ladder_metric_unknown');
      assert.equal(bad.body.field, '/levels/1/promote/turnover45d');
      const before = await call('GET', '/v1/vip/ladder');
      assert.equal(before.body.version, 0, 'the built-in default until one is stored');
      const stored = await call('PUT', '/v1/vip/ladder', ladder);
      assert.equal(stored.status, 200);
      assert.equal(stored.body.version, 1);
      const versions = await call('GET', '/v1/vip/ladder/versions');
      assert.deepEqual(
        versions.body.items.map((item: { version: number; actor: string }) => [item.version, item.actor]),
        [[1, 'ops-alice']],
      );
    });

    test('events promote; the user view and explain say why and what is left', async () => {
      const result = await call('POST', '/v1/events', {
        events: [
          { type: 'user.registered', userId: '500', rebateRate: '0.05', registeredAt: t0 - dayMs },
          {
            type: 'bet.placed',
            betId: '5001',
            userId: '500',
            gameId: 'g',
            periodId: 'p',
            amount: '1200',
            placedAt: t0,
          },
        ],
      });
      assert.equal(result.status, 200);
      const user = await call('GET', '/v1/users/500');
      assert.equal(user.body.vip.level, 2);
      assert.equal(user.body.vip.name, 'Silver');
      assert.equal(user.body.metrics.turnover30d, '1200.0000');
      assert.equal(user.body.rebateRate, '0.05');
      const explain = await call('GET', '/v1/users/500/explain');
      assert.equal(explain.body.basis, 'promote_met');
      assert.equal(explain.body.keep.met, true);
      assert.equal(
        explain.body.keep.deadline,
        new Date(Date.UTC(2026, 11, 1, -8)).toISOString(),
        'the boundary is local midnight 30 days on',
      );
      assert.equal(explain.body.rise.level, 3);
      assert.deepEqual(
        explain.body.rise.metrics.map((metric: { metric: string; gap: string }) => [metric.metric, metric.gap]),
        [['turnoverLifetime', '98800.0000']],
      );
    });

    test('an override is placed, shown, expires and the scheduler re-evaluates at once', async () => {
      const refused = await call('PUT', '/v1/users/500/vip', {
        kind: 'set',
        level: 9,
        reason: 'vip host',
        actor: 'alice',
      });
      assert.equal(refused.status, 400);
      assert.equal(refused.body.code, 'override_level_unknown');
      const placed = await call('PUT', '/v1/users/500/vip', {
        kind: 'set',
        level: 3,
        reason: 'high roller trial',
        actor: 'alice',
        expiresAt: new Date(t0 + 2 * dayMs).toISOString(),
      });
      assert.equal(placed.status, 200);
      assert.equal(placed.body.vip.level, 3);
      assert.equal(placed.body.vip.override.kind, 'set');
      assert.equal((await call('GET', '/v1/users/500')).body.vip.override.reason, 'high roller trial');

      nowMs = t0 + 3 * dayMs;
      const review = await reviewAllDue(runtime.review, nowMs);
      assert.equal(review.examined >= 1, true);
      const user = await call('GET', '/v1/users/500');
      assert.equal(user.body.vip.override, null);
      assert.equal(user.body.vip.level, 3, 'a set pin ends without demotion: demotion waits for a boundary');
      const history = await call('GET', '/v1/users/500/vip-history');
      assert.deepEqual(
        history.body.items.slice(0, 3).map((row: { reason: string }) => row.reason),
        ['override_expired', 'override', 'promotion'],
      );
      assert.deepEqual(
        (await vipEvents('500')).map((event) => [event.reason, event.toLevel]),
        [
          ['promotion', 2],
          ['override', 3],
        ],
      );
    });

    test('a missed keep demotes one level exactly at the boundary, and not before', async () => {
      // The pin ended at t0+2d (12:00 on 3 Nov, Shanghai); the new keep cycle ends at local
      // midnight 30 days on: 00:00 on 3 Dec in Shanghai = 16:00 UTC on 2 Dec.
      const boundaryMs = Date.UTC(2026, 11, 2, 16);
      nowMs = boundaryMs - 1;
      await reviewAllDue(runtime.review, nowMs);
      assert.equal((await call('GET', '/v1/users/500')).body.vip.level, 3);
      nowMs = Date.UTC(2026, 11, 5);
      const review = await reviewAllDue(runtime.review, nowMs);
      assert.equal(review.levelChanges, 1);
      const user = await call('GET', '/v1/users/500');
      assert.equal(user.body.vip.level, 2);
      const events = await vipEvents('500');
      assert.deepEqual([events.at(-1)?.reason, events.at(-1)?.fromLevel, events.at(-1)?.toLevel], ['demotion', 3, 2]);
      assert.equal(events.at(-1)?.at, new Date(boundaryMs).toISOString(), 'VIP time is the boundary, not the tick');
      const again = await reviewAllDue(runtime.review, nowMs);
      assert.equal(again.levelChanges, 0, 'reviewing again at the same time changes nothing');
    });

    test('unknown users are 404 and bad ids 400, as problem+json', async () => {
      const missing = await call('GET', '/v1/users/999999');
      assert.equal(missing.status, 404);
      assert.equal(missing.body.code, 'user_unknown');
      const bad = await call('GET', '/v1/users/12x');
      assert.equal(bad.status, 400);
      assert.equal(bad.body.code, 'request_invalid');
      const outOfRange = await call('GET', '/v1/users/99999999999999999999');
      assert.equal(outOfRange.status, 400);
      assert.equal(outOfRange.body.code, 'id_out_of_range');
    });
  });
}
