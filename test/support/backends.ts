// Opens a migrated Store on each SQL backend for tests that loop over every adapter:
// SQLite in a temp file, MariaDB in a database of the test file's own.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Store } from '../../src/app/ports/store.ts';
import { openMysqlDatabase } from '../../src/adapters/mysql/connect.ts';
import type { SqlDatabase } from '../../src/adapters/sql/database.ts';
import { migrate } from '../../src/adapters/sql/migrate.ts';
import { createSqlStore } from '../../src/adapters/sql/store.ts';
import { openSqliteDatabase } from '../../src/adapters/sqlite/connect.ts';
import { createTestDatabase } from './mysql.ts';

export interface StoreFixture {
  readonly backend: 'mysql' | 'sqlite';
  readonly database: SqlDatabase;
  readonly store: Store;
  /** MySQL URL of the test database (mysql only). */
  readonly url?: string;
  cleanup(): Promise<void>;
}

export type BackendName = 'sqlite' | 'mysql';
export const sqlBackends: readonly BackendName[] = ['sqlite', 'mysql'];

export async function openStoreFixture(backend: BackendName, fileTag: string): Promise<StoreFixture> {
  if (backend === 'sqlite') {
    const directory = mkdtempSync(join(tmpdir(), `tiernet-${fileTag}-`));
    const database = openSqliteDatabase({ path: join(directory, 'tiernet.db') });
    await migrate(database, 0);
    return {
      backend,
      database,
      store: createSqlStore(database),
      async cleanup() {
        await database.close();
        rmSync(directory, { recursive: true, force: true });
      },
    };
  }
  const testDatabase = await createTestDatabase(fileTag);
  const database = openMysqlDatabase({ url: testDatabase.url });
  await migrate(database, 0);
  return {
    backend,
    database,
    store: createSqlStore(database),
    url: testDatabase.url,
    async cleanup() {
      await database.close();
      await testDatabase.drop();
    },
  };
}

export interface DatabaseHarness {
  readonly database: SqlDatabase;
  cleanup(): Promise<void>;
}

/** An empty, unmigrated database of the file's own: a temp SQLite file, or a MariaDB database. */
export async function openDatabaseHarness(backend: BackendName, fileTag: string): Promise<DatabaseHarness> {
  if (backend === 'sqlite') {
    const directory = mkdtempSync(join(tmpdir(), `tiernet-${fileTag}-`));
    const database = openSqliteDatabase({ path: join(directory, 'tiernet.db') });
    return {
      database,
      async cleanup() {
        await database.close();
        rmSync(directory, { recursive: true, force: true });
      },
    };
  }
  const testDatabase = await createTestDatabase(fileTag);
  const database = openMysqlDatabase({ url: testDatabase.url });
  return {
    database,
    async cleanup() {
      await database.close();
      await testDatabase.drop();
    },
  };
}
