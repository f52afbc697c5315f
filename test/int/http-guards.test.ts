// Proves the HTTP adapter's guards: mutations are rate-limited per client with a 429
// problem+json (reads are not), a body over the limit is refused with 413 as problem+json,
// and a configured token is compared and required on every /v1 route.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
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
