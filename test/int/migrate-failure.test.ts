// Proves a failing migration stops with the failing statement named and records nothing,
// on both SQL dialects, and that a later good run still applies cleanly.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isTiernetError } from '../../src/app/errors.ts';
import { migrate } from '../../src/adapters/sql/migrate.ts';
import type { SqlDatabase } from '../../src/adapters/sql/database.ts';
import type { Migration } from '../../src/adapters/sql/schema.ts';
import { openMysqlDatabase } from '../../src/adapters/mysql/connect.ts';
import { openSqliteDatabase } from '../../src/adapters/sqlite/connect.ts';
import { createTestDatabase } from '../support/mysql.ts';

const badPlan: Migration[] = [
  {
    version: 1,
    name: 'broken',
    tables: [{ name: 'broken_table', columns: [{ name: 'a', type: 'int' }], primaryKey: ['no_such_column'] }],
  },
];

async function provesFailureIsNamed(database: SqlDatabase): Promise<void> {
  await assert.rejects(
    migrate(database, 0, () => {}, badPlan),
    (error: unknown) => {
      assert.equal(isTiernetError(error, 'migration_failed'), true);
      assert.match(
        (error as Error).message,
        /migration 1 \(broken\) failed at statement: CREATE TABLE IF NOT EXISTS .broken_table./,
      );
      return true;
    },
  );
  const recorded = await database.db.selectFrom('schema_migrations').selectAll().execute();
  assert.equal(recorded.length, 0, 'a failed migration is not recorded');
  const report = await migrate(database, 0);
  assert.equal(report.applied.length > 0, true);
}

describe('migration failure', () => {
  const directory = mkdtempSync(join(tmpdir(), 'tiernet-migfail-'));
  after(() => rmSync(directory, { recursive: true, force: true }));

  test('sqlite names the failing statement', async () => {
    const database = openSqliteDatabase({ path: join(directory, 'a.db') });
    try {
      await provesFailureIsNamed(database);
    } finally {
      await database.close();
    }
  });

  test('mysql names the failing statement', async () => {
    const testDatabase = await createTestDatabase('migrate_failure');
    const database = openMysqlDatabase({ url: testDatabase.url });
    try {
      await provesFailureIsNamed(database);
    } finally {
      await database.close();
      await testDatabase.drop();
    }
  });
});
