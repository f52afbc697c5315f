// Proves the HTTP adapter's guards: mutations are rate-limited per client with a 429
// problem+json (reads are not), a body over the limit is refused with 413 as problem+json,
// and a configured token is compared and required on every /v1 route. The last suite runs the
// service as `tiernet serve` builds it and walks every /v1 operation of its OpenAPI document
// (checking first that the document lists every /v1 route the router holds): without a token
// 401, with a wrong one 403, both problem+json, and neither changes any table.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { loadConfig } from '../../src/config/config.ts';
import { openRuntime, type Runtime } from '../../src/main/runtime.ts';
import { startService, type RunningService } from '../../src/main/service.ts';
import { changedTables, tableDigest } from '../support/table-digest.ts';
import { waitFor } from '../support/stack.ts';
import { settlementFenceName } from '../../src/app/settlement/settlement-deps.ts';
import { Registry } from 'prom-client';
import { Type } from '@sinclair/typebox';
import { buildHttpServer, type HttpApp } from '../../src/adapters/http/server.ts';

describe('HTTP guards', () => {
  let app: HttpApp;
  const token = 'guards-test-token-0123456';
  let writes = 0;

  before(async () => {
    app = await buildHttpServer({
      logger: pino({ level: 'silent' }),
      registry: new Registry(),
      probes: [],
      adminToken: token,
      version: 'test',
      mutationsPerMinute: 2,
      bodyLimitBytes: 1024,
      routes: [
        async (server) => {
          server.get('/v1/thing', async () => ({ ok: true }));
          server.put('/v1/thing', { schema: { body: Type.Object({ value: Type.String() }) } }, async () => {
            writes += 1;
            return { ok: true };
          });
        },
      ],
    });
  });
  after(() => app.close());

  const auth = { authorization: `Bearer ${token}` };

  test('the third mutation in a minute is refused with 429 and changes nothing; reads go on', async () => {
    for (let attempt = 0; attempt < 2; attempt += 1) {
      const ok = await app.inject({ method: 'PUT', url: '/v1/thing', headers: auth, payload: { value: 'x' } });
      assert.equal(ok.statusCode, 200);
    }
    const limited = await app.inject({ method: 'PUT', url: '/v1/thing', headers: auth, payload: { value: 'x' } });
    assert.equal(limited.statusCode, 429);
    assert.equal(limited.headers['content-type'], 'application/problem+json; charset=utf-8');
    assert.equal(limited.json<{ code: string }>().code, 'rate_limited');
    assert.equal(writes, 2);
    for (let attempt = 0; attempt < 5; attempt += 1) {
      assert.equal((await app.inject({ method: 'GET', url: '/v1/thing', headers: auth })).statusCode, 200);
    }
  });

  test('a body over the limit is refused as problem+json', async () => {
    const response = await app.inject({
      method: 'PUT',
      url: '/v1/thing',
      headers: { ...auth, 'x-other-client': '1', authorization: `Bearer ${token}` },
      payload: { value: 'x'.repeat(5_000) },
    });
    assert.equal(response.statusCode >= 400 && response.statusCode < 500, true);
    assert.equal(response.headers['content-type'], 'application/problem+json; charset=utf-8');
  });

  test('every /v1 route needs the token; /health does not', async () => {
    assert.equal((await app.inject({ method: 'GET', url: '/v1/thing' })).statusCode, 401);
    assert.equal(
      (await app.inject({ method: 'GET', url: '/v1/thing', headers: { authorization: 'Bearer wrong' } })).statusCode,
      403,
    );
    assert.equal((await app.inject({ method: 'GET', url: '/health' })).statusCode, 200);
  });
});

/** "METHOD /path/{id}" of every route in Fastify's printRoutes tree (HEAD left out). */
function routesOfTree(tree: string): string[] {
  const routes: string[] = [];
  const pathAtDepth: string[] = [];
  for (const line of tree.split('\n')) {
    const match = /^([\s│]*)[├└]── (.*?)(?: \(([A-Z, ]+)\))?$/u.exec(line);
    if (match === null) continue;
    const depth = (match[1] ?? '').length / 4;
    const segment = match[2] ?? '';
    const parent = depth === 0 ? '' : (pathAtDepth[depth - 1] ?? '');
    // Children hold the rest of the path after their parent's ("docs" under "/", "-history" under ".../vip").
    pathAtDepth[depth] = parent === '/' ? `/${segment}` : `${parent}${segment}`;
    for (const method of (match[3] ?? '').split(', '))
      if (method !== '' && method !== 'HEAD')
        routes.push(`${method} ${(pathAtDepth[depth] ?? '').replace(/:(\w+)/g, '{$1}')}`);
  }
  return routes;
}

describe('HTTP guards on every /v1 operation of the service as `tiernet serve` builds it', () => {
  const token = 'guards-every-route-token-0123';
  const dataDir = mkdtempSync(join(tmpdir(), 'tiernet-guards-'));
  let runtime: Runtime;
  let service: RunningService;

  before(async () => {
    const config = loadConfig({
      env: { TIERNET_DATA_DIR: dataDir, TIERNET_PORT: '0', TIERNET_HOST: '127.0.0.1', TIERNET_ADMIN_TOKEN: token },
    });
    runtime = await openRuntime(config, pino({ level: 'silent' }));
    await runtime.migrate();
    // No background loop writes while the digests are compared: a review interval of an hour.
    service = await startService(runtime, { version: 'test', reviewIntervalMs: 3_600_000, consume: false });
    // The settlement sweep runs once at start (then every minute) and presents a fencing token
    // even when nothing is due: wait for it, so its write does not land inside a comparison.
    await waitFor('the startup settlement sweep', async () => {
      const fence = await runtime.database.db
        .selectFrom('fences')
        .select('token')
        .where('name', '=', settlementFenceName)
        .executeTakeFirst();
      return fence === undefined ? undefined : true;
    });
  });
  after(async () => {
    await service?.stop();
    await runtime?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  test('the OpenAPI document lists every /v1 route; each answers 401 without a token and 403 with a wrong one, changing nothing', async () => {
    const document = (await (await fetch(`${service.address}/openapi.json`)).json()) as {
      paths: Record<string, Record<string, unknown>>;
    };
    const documented = Object.entries(document.paths).flatMap(([path, item]) =>
      path.startsWith('/v1/') ? Object.keys(item).map((method) => `${method.toUpperCase()} ${path}`) : [],
    );
    const routed = routesOfTree(service.app.printRoutes({ commonPrefix: false })).filter((route) =>
      route.split(' ')[1]?.startsWith('/v1/'),
    );
    assert.ok(routed.length >= 30, `routes found in the router: ${routed.join(', ')}`);
    assert.ok(routed.includes('GET /v1/users/{id}/vip-history'), routed.join(', '));
    assert.deepEqual(
      routed.filter((route) => !documented.includes(route)),
      [],
      'routes the router serves but the OpenAPI document (and so this check) would miss',
    );
    for (const operation of documented) {
      const [method = 'GET', path = ''] = operation.split(' ');
      const url = `${service.address}${path.replaceAll('{id}', '1')}`;
      const body = method === 'GET' || method === 'DELETE' ? undefined : '{}';
      for (const [authorization, status] of [
        [undefined, 401],
        ['Bearer wrong-token-0123456789', 403],
        [`Basic ${Buffer.from(`admin:${token}`).toString('base64')}`, 401],
        [`Bearer ${token}x`, 403],
      ] as const) {
        const before = await tableDigest(runtime.database);
        const response = await fetch(url, {
          method,
          headers: {
            ...(authorization === undefined ? {} : { authorization }),
            ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          },
          ...(body === undefined ? {} : { body }),
        });
        const text = await response.text();
        assert.equal(response.status, status, `${operation} with ${authorization ?? 'no token'}: ${text}`);
        assert.match(response.headers.get('content-type') ?? '', /^application\/problem\+json/, operation);
        assert.equal((JSON.parse(text) as { status: number }).status, status);
        if (status === 401) assert.equal(response.headers.get('www-authenticate'), 'Bearer', operation);
        assert.deepEqual(changedTables(before, await tableDigest(runtime.database)), [], `${operation} changed tables`);
      }
    }
    // The right token does reach a handler (so the 401/403 above came from the guard).
    const ok = await fetch(`${service.address}/v1/vip/ladder`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(ok.status, 200);
  });
});
