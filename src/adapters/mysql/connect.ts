// Opens the MySQL/MariaDB store. Integers beyond 2^53 must never become doubles, so BIGINT
// and DECIMAL come back as strings and are converted exactly in row-values.ts.
import { CompiledQuery, Kysely, MysqlDialect } from 'kysely';
import { createPool } from 'mysql2';
import { createSqlDatabase, type SqlDatabase } from '../sql/database.ts';
import type { Tables } from '../sql/tables.ts';
import { mysqlDialect } from './dialect.ts';

export interface MysqlOptions {
  readonly url: string;
  readonly connectionLimit?: number;
}

export function openMysqlDatabase(options: MysqlOptions): SqlDatabase {
  const pool = createPool({
    uri: options.url,
    connectionLimit: options.connectionLimit ?? 10,
    supportBigNumbers: true,
    bigNumberStrings: true,
    decimalNumbers: false,
    dateStrings: true,
    timezone: 'Z',
    multipleStatements: false,
    connectTimeout: 5_000,
    enableKeepAlive: true,
  });
  const db = new Kysely<Tables>({
    dialect: new MysqlDialect({
      pool,
      async onCreateConnection(connection) {
        // READ COMMITTED: batch upserts take no gap locks, so concurrent ingest batches do
        // not deadlock on neighbouring keys. Strict mode: a bad value is an error, never a
        // silent truncation.
        await connection.executeQuery(CompiledQuery.raw('SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED'));
        await connection.executeQuery(
          CompiledQuery.raw("SET SESSION sql_mode = 'STRICT_ALL_TABLES,NO_ENGINE_SUBSTITUTION', time_zone = '+00:00'"),
        );
      },
    }),
  });
  return createSqlDatabase(mysqlDialect, db);
}
