// A digest of every table of a test database, table by table: the tests that claim "nothing
// changed" (a refused request, a dead-lettered event) compare two of these. Tables are
// listed from the database itself, so a table added later is covered without a change here.
import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import type { SqlDatabase } from '../../src/adapters/sql/database.ts';

export interface DigestOptions {
  /** Tables left out (e.g. the outbox, when dead letters are expected to be added). */
  readonly skipTables?: readonly string[];
  /** Columns left out: `column` in every table, or `table.column` in one (write times, auto-increment ids). */
  readonly skipColumns?: readonly string[];
}

/** Bound on tables per database: far above the schema's, a guard against a runaway listing. */
const tablesMax = 200;

export async function tableNames(database: SqlDatabase): Promise<string[]> {
  const listed =
    database.dialect.name === 'sqlite'
      ? await sql<{
          name: string;
        }>`select name from sqlite_master where type = 'table' and name not like 'sqlite_%'`.execute(database.db)
      : await sql<{
          name: string;
        }>`select table_name as name from information_schema.tables where table_schema = database()`.execute(
          database.db,
        );
  const names = listed.rows.map((row) => row.name).sort();
  if (names.length > tablesMax) throw new Error(`${names.length} tables; expected at most ${tablesMax}`);
  return names;
}

function canonical(value: unknown): unknown {
  if (typeof value === 'bigint') return `${value}n`;
  if (Buffer.isBuffer(value)) return `hex:${value.toString('hex')}`;
  if (value instanceof Date) return `date:${value.toISOString()}`;
  return value;
}

/** table name -> sha256 of its rows (each row serialised with sorted columns, rows sorted). */
export async function tableDigest(database: SqlDatabase, options: DigestOptions = {}): Promise<Map<string, string>> {
  const skipTables = new Set(options.skipTables ?? []);
  const skipColumns = new Set(options.skipColumns ?? []);
  const digest = new Map<string, string>();
  for (const table of await tableNames(database)) {
    if (skipTables.has(table)) continue;
    const result = await sql<Record<string, unknown>>`select * from ${sql.table(table)}`.execute(database.db);
    const rows = result.rows.map((row) =>
      JSON.stringify(
        Object.keys(row)
          .filter((column) => !skipColumns.has(column) && !skipColumns.has(`${table}.${column}`))
          .sort()
          .map((column) => [column, canonical(row[column])]),
      ),
    );
    rows.sort();
    const hash = createHash('sha256');
    for (const row of rows) hash.update(row).update('\n');
    digest.set(table, `${rows.length}:${hash.digest('hex').slice(0, 16)}`);
  }
  return digest;
}

/** Names of the tables whose digest differs between two digests (added or removed tables included). */
export function changedTables(before: ReadonlyMap<string, string>, after: ReadonlyMap<string, string>): string[] {
  const names = new Set([...before.keys(), ...after.keys()]);
  return [...names].filter((name) => before.get(name) !== after.get(name)).sort();
}
