// Proves that `tiernet serve` which cannot start (Kafka unreachable) exits with code 1 and
// the reason, instead of staying up with its database and Redis connections open while
// serving nothing: a supervisor (systemd, Kubernetes) restarts a process that exits, not one
// that hangs. The crash harness (crash-service.test.ts) found the hang when a restart met a
// broker that was down for a moment.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../support/cli.ts';
import { createTestDatabase, type TestDatabase } from '../support/mysql.ts';
import { deleteKeysUnderPrefix, redisUrl, uniqueKeyPrefix } from '../support/redis.ts';

/** A local port nobody listens on: one the OS just handed out and that was closed again. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

describe('tiernet serve that cannot reach Kafka at start', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'tiernet-serve-start-'));
  const redisPrefix = uniqueKeyPrefix('crash-serve-start');
  let database: TestDatabase;

  before(async () => {
    database = await createTestDatabase('crash_serve_start');
  });
  after(async () => {
    await database?.drop();
    await deleteKeysUnderPrefix(redisPrefix);
    rmSync(dataDir, { recursive: true, force: true });
  });

  test('exits 1 naming kafka_unavailable, within a bound', async () => {
    const result = await runCli(
      ['serve', '--port', '0'],
      {
        TIERNET_MYSQL_URL: database.url,
        TIERNET_REDIS_URL: redisUrl(),
        TIERNET_REDIS_KEY_PREFIX: redisPrefix,
        TIERNET_KAFKA_BROKERS: `127.0.0.1:${await closedPort()}`,
        TIERNET_ADMIN_TOKEN: 'crash-serve-start-token',
        TIERNET_DATA_DIR: dataDir,
        TIERNET_LOG_LEVEL: 'fatal',
      },
      // The admin call gives up after 10 s; the rest is start-up and closing on a busy machine.
      90_000,
    );
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stderr, /tiernet: kafka_unavailable: /);
  });
});
