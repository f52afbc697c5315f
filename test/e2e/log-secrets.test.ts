// No secret reaches the logs. Runs the real `tiernet serve` at debug level with an admin
// token, a MariaDB user with a password made for this test (dropped after), and a Redis ACL
// user with a password (deleted after), and captures everything it writes to stdout and
// stderr across start-up, requests with the right token, a wrong one and none, refused and
// failing requests, and shutdown; then start-up failures: a wrong MariaDB password, a wrong
// Redis password, and a Redis URL carrying a password without a user name. Asserts that no
// secret appears in any output, raw, URL-encoded or base64-encoded (alone or as user:password).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createConnection } from 'mysql2/promise';
import { binPath } from '../support/cli.ts';
import { createTestDatabase, mysqlServerUrl, type TestDatabase } from '../support/mysql.ts';
import { connectTestRedis, deleteKeysUnderPrefix, redisUrl, uniqueKeyPrefix } from '../support/redis.ts';
import { closeRedisClient } from '../../src/adapters/redis/client.ts';
import { waitFor } from '../support/stack.ts';

const suffix = randomBytes(4).toString('hex');
// Passwords with characters that URLs must escape, so that a half-done redaction shows.
const mysqlUser = `tiernet_ls_${suffix}`;
const mysqlPassword = `My$ql-p@ss/${randomBytes(6).toString('hex')}:x`;
const redisUser = `tiernet-ls-${suffix}`;
const redisPassword = `Red!s-p@ss/${randomBytes(6).toString('hex')}`;
const adminToken = `admin-token-${randomBytes(12).toString('hex')}`;
const wrongToken = `wrong-token-${randomBytes(12).toString('hex')}`;
const wrongMysqlPassword = `not-the-p@ss-${randomBytes(6).toString('hex')}`;
const wrongRedisPassword = `not-the-redis-p@ss-${randomBytes(6).toString('hex')}`;

/** Every spelling of a secret a log line could carry. */
function spellings(secret: string, user?: string): string[] {
  const forms = [secret, encodeURIComponent(secret), Buffer.from(secret).toString('base64')];
  forms.push(Buffer.from(secret).toString('base64url'));
  if (user !== undefined) forms.push(Buffer.from(`${user}:${secret}`).toString('base64'));
  return forms;
}

function assertNoSecrets(output: string, secrets: readonly [string, string, string?][]): void {
  for (const [name, secret, user] of secrets)
    for (const form of spellings(secret, user))
      assert.ok(!output.includes(form), `${name} appears in the output as "${form}":\n${output.slice(0, 4000)}`);
}

interface Serve {
  readonly output: () => string;
  readonly baseUrl: Promise<string>;
  readonly exited: Promise<number | null>;
  stop(): Promise<number | null>;
}

/** `tiernet serve` with every byte of stdout and stderr kept from the first one on. */
function serve(env: Record<string, string>): Serve {
  const child = spawn(process.execPath, [binPath, 'serve', '--port', '0', '--json'], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const baseUrl = waitFor(
    'serve to listen',
    async () => {
      const line = output.split('\n').find((candidate) => candidate.startsWith('{"address"'));
      if (line !== undefined) return (JSON.parse(line) as { address: string }).address;
      if (child.exitCode !== null) throw new Error(`serve exited with ${child.exitCode}:\n${output}`);
      return undefined;
    },
    60_000,
  );
  return {
    output: () => output,
    baseUrl,
    exited,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}

describe('no secret reaches the logs of tiernet serve', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'tiernet-log-secrets-'));
  const redisPrefix = uniqueKeyPrefix('log-secrets');
  let database: TestDatabase;
  const server = new URL(mysqlServerUrl());
  const mysqlUrl = (password: string) =>
    `mysql://${mysqlUser}:${encodeURIComponent(password)}@${server.host}/${database.name}`;
  const redisAt = (user: string, password: string) => {
    const url = new URL(redisUrl());
    url.username = user;
    url.password = encodeURIComponent(password);
    return url.toString();
  };
  const secrets: [string, string, string?][] = [
    ['the admin token', adminToken],
    ['the wrong token', wrongToken],
    ['the MariaDB password', mysqlPassword, mysqlUser],
    ['the Redis password', redisPassword, redisUser],
    ['the wrong MariaDB password', wrongMysqlPassword, mysqlUser],
    ['the wrong Redis password', wrongRedisPassword, redisUser],
  ];
  const baseEnv = () => ({
    TIERNET_DATA_DIR: dataDir,
    TIERNET_LOG_LEVEL: 'debug',
    TIERNET_ADMIN_TOKEN: adminToken,
    TIERNET_REDIS_KEY_PREFIX: redisPrefix,
  });

  before(async () => {
    database = await createTestDatabase('log_secrets');
    const root = await createConnection({ uri: mysqlServerUrl() });
    try {
      for (const host of ['127.0.0.1', 'localhost']) {
        await root.query('CREATE USER ?@? IDENTIFIED BY ?', [mysqlUser, host, mysqlPassword]);
        await root.query(`GRANT ALL ON \`${database.name}\`.* TO ?@?`, [mysqlUser, host]);
      }
    } finally {
      await root.end();
    }
    const redis = await connectTestRedis(redisPrefix);
    try {
      // Only this test's keys; every command (scripts included) on them.
      await redis.call('ACL', 'SETUSER', redisUser, 'on', `>${redisPassword}`, `~${redisPrefix}*`, '+@all');
    } finally {
      await closeRedisClient(redis);
    }
  });

  after(async () => {
    const root = await createConnection({ uri: mysqlServerUrl() });
    try {
      for (const host of ['127.0.0.1', 'localhost']) await root.query('DROP USER IF EXISTS ?@?', [mysqlUser, host]);
    } finally {
      await root.end();
    }
    const redis = await connectTestRedis(redisPrefix);
    try {
      await redis.call('ACL', 'DELUSER', redisUser);
    } finally {
      await closeRedisClient(redis);
    }
    await deleteKeysUnderPrefix(redisPrefix);
    await database?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  test('start-up, requests with right, wrong and no token, refusals, an unknown route and shutdown', async () => {
    const running = serve({
      ...baseEnv(),
      TIERNET_MYSQL_URL: mysqlUrl(mysqlPassword),
      TIERNET_REDIS_URL: redisAt(redisUser, redisPassword),
    });
    try {
      const baseUrl = await running.baseUrl;
      const call = async (method: string, path: string, token: string | null, body?: unknown) => {
        const response = await fetch(`${baseUrl}${path}`, {
          method,
          headers: {
            ...(token === null ? {} : { authorization: `Bearer ${token}` }),
            ...(body === undefined ? {} : { 'content-type': 'application/json' }),
            // A client that echoes credentials in headers of its own must not get them logged either.
            'x-tiernet-actor': 'ops',
          },
          ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
        });
        await response.arrayBuffer();
        return response.status;
      };
      assert.equal(await call('GET', '/health', null), 200);
      const event = {
        type: 'user.registered',
        userId: '1',
        rebateRate: '0.01',
        registeredAt: new Date().toISOString(),
      };
      assert.equal(await call('POST', '/v1/events', adminToken, { events: [event] }), 200);
      assert.equal(await call('GET', '/v1/users/1', adminToken), 200);
      assert.equal(await call('GET', '/v1/users/1', wrongToken), 403);
      assert.equal(await call('GET', '/v1/users/1', null), 401);
      assert.equal(await call('PUT', '/v1/vip/ladder', adminToken, '{"broken":'), 400);
      assert.equal(await call('PUT', '/v1/users/1/vip', adminToken, { kind: 'odd' }), 400);
      assert.equal(await call('GET', '/v1/users/999', adminToken), 404);
      assert.equal(await call('GET', '/v1/no-such-route', adminToken), 404);
      assert.equal(await call('GET', '/metrics', null), 200);
      assert.equal(await running.stop(), 0);
      const output = running.output();
      assert.match(output, /"logLevel":"debug"/, 'the service ran at debug level');
      assert.match(output, /incoming request/, 'requests were logged');
      assert.match(output, /"msg":"stopping"/, 'shutdown was logged');
      assert.match(output, /\*\*\*/, 'the configuration was logged with its secrets masked');
      assertNoSecrets(output, secrets);
    } finally {
      await running.stop();
    }
  });

  test('start-up failures: a wrong MariaDB password, a wrong Redis password, a Redis password without a user name', async () => {
    const runs: Record<string, string>[] = [
      { TIERNET_MYSQL_URL: mysqlUrl(wrongMysqlPassword) },
      { TIERNET_MYSQL_URL: mysqlUrl(mysqlPassword), TIERNET_REDIS_URL: redisAt(redisUser, wrongRedisPassword) },
      // The default user has no password on this server: the client warns and carries on.
      { TIERNET_MYSQL_URL: mysqlUrl(mysqlPassword), TIERNET_REDIS_URL: redisAt('', wrongRedisPassword) },
    ];
    for (const env of runs) {
      const run = serve({ ...baseEnv(), ...env });
      const code = await Promise.race([run.exited, run.baseUrl.then(() => run.stop()).catch(() => run.exited)]);
      await run.stop();
      const output = run.output();
      assert.ok(output.length > 0, `the run wrote something (exit ${code})`);
      assertNoSecrets(output, secrets);
    }
  });
});
