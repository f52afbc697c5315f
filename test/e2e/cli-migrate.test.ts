// Proves `tiernet migrate` applies the schema on the embedded SQLite default and on the real
// MariaDB, that running it again changes nothing, and that bad configuration exits 2 with
// a message naming the key.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../support/cli.ts';
import { createTestDatabase, type TestDatabase } from '../support/mysql.ts';

describe('tiernet migrate', () => {
  const directory = mkdtempSync(join(tmpdir(), 'tiernet-cli-'));
  let mysql: TestDatabase | undefined;
  after(async () => {
    rmSync(directory, { recursive: true, force: true });
    await mysql?.drop();
  });

  test('on the embedded default: applies once, then reports up to date', async () => {
    const first = await runCli(['migrate', '--data-dir', directory, '--json']);
    assert.equal(first.code, 0, first.stderr);
    assert.equal(JSON.parse(first.stdout).applied.length > 0, true);
    const second = await runCli(['migrate', '--data-dir', directory, '--json']);
    assert.equal(second.code, 0, second.stderr);
    assert.deepEqual(JSON.parse(second.stdout).applied, []);
  });

  test('on MariaDB: applies once, then reports up to date', async () => {
    mysql = await createTestDatabase('cli_migrate');
    const env = { TIERNET_MYSQL_URL: mysql.url, TIERNET_ADMIN_TOKEN: 'test-token-0123456789' };
    const first = await runCli(['migrate', '--json'], env);
    assert.equal(first.code, 0, first.stderr);
    assert.equal(JSON.parse(first.stdout).backend, 'mysql');
    assert.equal(JSON.parse(first.stdout).applied.length > 0, true);
    const second = await runCli(['migrate', '--json'], env);
    assert.deepEqual(JSON.parse(second.stdout).applied, []);
  });

  test('bad configuration exits 2 naming the key', async () => {
    const result = await runCli(['migrate', '--data-dir', directory], { TIERNET_CURRENCY: 'dollars' });
    assert.equal(result.code, 2);
    assert.match(result.stderr, /currency \(TIERNET_CURRENCY\)/);
  });

  test('--help lists the commands and exits 0', async () => {
    const result = await runCli(['--help']);
    assert.equal(result.code, 0);
    assert.match(result.stdout, /migrate/);
    assert.match(result.stdout, /serve/);
  });
});
