// Proves `tiernet serve --port N --data-dir DIR` runs on the embedded default with nothing
// configured, answers /health with each dependency and /metrics in Prometheus format, and
// that a configured admin token guards /v1 with 401 (missing) and 403 (wrong).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServe, type ServeHandle } from '../support/cli.ts';

describe('tiernet serve (embedded)', () => {
  const directory = mkdtempSync(join(tmpdir(), 'tiernet-serve-'));
  const token = 'serve-test-token-abcdef';
  let server: ServeHandle;

  before(async () => {
    server = await startServe(['--data-dir', directory], { TIERNET_ADMIN_TOKEN: token, TIERNET_LOG_LEVEL: 'warn' });
  });
  after(async () => {
    const code = await server.stop();
    assert.equal(code, 0, 'serve exits 0 on SIGTERM');
    rmSync(directory, { recursive: true, force: true });
  });

  test('/health reports every dependency up', async () => {
    const response = await fetch(`${server.baseUrl}/health`);
    assert.equal(response.status, 200);
    const body = (await response.json()) as {
      status: string;
      dependencies: { name: string; backend: string; status: string }[];
    };
    assert.equal(body.status, 'ok');
    assert.deepEqual(
      body.dependencies.map((dependency) => [dependency.name, dependency.backend, dependency.status]),
      [
        ['store', 'sqlite', 'up'],
        ['cache', 'memory', 'up'],
        ['lock', 'memory', 'up'],
        ['events', 'memory', 'up'],
      ],
    );
  });

  test('/metrics is Prometheus text', async () => {
    const response = await fetch(`${server.baseUrl}/metrics`);
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /text\/plain/);
    assert.match(await response.text(), /^# HELP tiernet_/m);
  });

  test('/v1 without a token is 401, with a wrong token 403, as problem+json', async () => {
    const missing = await fetch(`${server.baseUrl}/v1/users/1`);
    assert.equal(missing.status, 401);
    assert.equal(missing.headers.get('content-type'), 'application/problem+json; charset=utf-8');
    assert.equal(((await missing.json()) as { code: string }).code, 'unauthorized');
    const wrong = await fetch(`${server.baseUrl}/v1/users/1`, { headers: { authorization: 'Bearer not-the-token' } });
    assert.equal(wrong.status, 403);
    assert.equal(((await wrong.json()) as { code: string }).code, 'forbidden');
    const right = await fetch(`${server.baseUrl}/v1/no-such-route`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(right.status, 404);
    assert.equal(((await right.json()) as { code: string }).code, 'route_not_found');
  });
});
