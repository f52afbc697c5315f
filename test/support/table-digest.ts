// A digest of every table of a test database, table by table: the tests that claim "nothing
// changed" (a refused request, a dead-lettered event) compare two of these. Built on the
// whole-database snapshot (state-snapshot.ts), so the same canonical rows and the same "every
// table the schema declares, no more, no less" check serve both.
import { createHash } from 'node:crypto';
import type { SqlDatabase } from '../../src/adapters/sql/database.ts';
import { schemaTables, snapshotDatabase, tableNamesIn } from './state-snapshot.ts';

export interface DigestOptions {
  /** Tables left out (e.g. the outbox, when dead letters are expected to be added). */
  readonly skipTables?: readonly string[];
  /** Columns left out: `column` in every table that has it, or `table.column` in one (write times). */
  readonly skipColumns?: readonly string[];
}

export { tableNamesIn as tableNames };

/** table name -> row count and sha256 of its canonical rows. */
export async function tableDigest(database: SqlDatabase, options: DigestOptions = {}): Promise<Map<string, string>> {
  const skipped = (options.skipColumns ?? []).map((entry) => entry.split('.'));
  const excludeColumns: Record<string, Record<string, string>> = {};
  for (const table of schemaTables()) {
    for (const column of table.columns) {
      if (
        skipped.some((entry) =>
          entry.length === 1 ? entry[0] === column.name : entry[0] === table.name && entry[1] === column.name,
        )
      )
        (excludeColumns[table.name] ??= {})[column.name] = 'skipped by the caller';
    }
  }
  const snapshot = await snapshotDatabase(database, {
    excludeTables: Object.fromEntries((options.skipTables ?? []).map((table) => [table, 'skipped by the caller'])),
    excludeColumns,
  });
  const digest = new Map<string, string>();
  for (const [table, rows] of snapshot) {
    const hash = createHash('sha256');
    for (const row of rows) hash.update(`${row.key}\t${JSON.stringify(row.values)}\n`);
    digest.set(table, `${rows.length}:${hash.digest('hex').slice(0, 16)}`);
  }
  return digest;
}

/** Names of the tables whose digest differs between two digests (added or removed tables included). */
export function changedTables(before: ReadonlyMap<string, string>, after: ReadonlyMap<string, string>): string[] {
  const names = new Set([...before.keys(), ...after.keys()]);
  return [...names].filter((name) => before.get(name) !== after.get(name)).sort();
}
