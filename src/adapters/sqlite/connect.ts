// Opens the SQLite store for the embedded default. Safe integers: every INTEGER is read as
// bigint, so no id or amount ever passes through a double.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { createSqlDatabase, type SqlDatabase } from '../sql/database.ts';
import type { Tables } from '../sql/tables.ts';
import { sqliteDialect } from './dialect.ts';

export interface SqliteOptions {
  /** File path, or ':memory:'. */
  readonly path: string;
}

export function openSqliteDatabase(options: SqliteOptions): SqlDatabase {
  if (options.path !== ':memory:') mkdirSync(dirname(options.path), { recursive: true });
  const connection = new BetterSqlite3(options.path);
  connection.defaultSafeIntegers(true);
  connection.pragma('journal_mode = WAL');
  connection.pragma('synchronous = NORMAL');
  connection.pragma('busy_timeout = 5000');
  connection.pragma('foreign_keys = OFF');
  const db = new Kysely<Tables>({ dialect: new SqliteDialect({ database: connection }) });
  return createSqlDatabase(sqliteDialect, db);
}
