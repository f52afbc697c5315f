// A whole-database canonical snapshot for fault tests: every table tiernet's migrations
// create (plus the migrations table), each row reduced to canonical text and sorted by its
// key, so two snapshots compare with `diffSnapshots` and print as readable lines. Works on
// MariaDB/MySQL and SQLite through the project's SqlDatabase.
//
// Whole means whole: a table found in the database that the schema does not declare, or a
// declared one that is missing, is an error, so a later migration cannot slip past a test
// that claims "nothing changed". Leaving a column or table out takes a stated reason.
import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import type { SqlDatabase } from '../../src/adapters/sql/database.ts';
import { migrations, migrationsTable, type TableDefinition } from '../../src/adapters/sql/schema.ts';

export interface SnapshotRow {
  /** The row's key columns joined by "/" (the primary key unless `keyColumns` says otherwise). */
  readonly key: string;
  /** Every column not excluded, as canonical text; SQL NULL stays null. */
  readonly values: Readonly<Record<string, string | null>>;
}

/** Table name -> its rows sorted by key. */
export type StateSnapshot = ReadonlyMap<string, readonly SnapshotRow[]>;

export interface SnapshotOptions {
  /** table -> column -> why the column is legitimately different between equal states. */
  readonly excludeColumns?: Readonly<Record<string, Readonly<Record<string, string>>>>;
  /** table -> why the whole table is left out. */
  readonly excludeTables?: Readonly<Record<string, string>>;
  /** table -> columns to key rows by instead of the primary key (e.g. a natural unique key). */
  readonly keyColumns?: Readonly<Record<string, readonly string[]>>;
}

/** Rows one table may hold before the snapshot refuses: a guard against snapshotting a bench database. */
const rowsPerTableMax = 2_000_000;

export function schemaTables(): TableDefinition[] {
  return [...migrations.flatMap((migration) => migration.tables), migrationsTable];
}

export async function snapshotDatabase(database: SqlDatabase, options: SnapshotOptions = {}): Promise<StateSnapshot> {
  const declared = new Map(schemaTables().map((table) => [table.name, table]));
  const present = await tableNamesIn(database);
  const undeclared = present.filter((name) => !declared.has(name));
  if (undeclared.length > 0)
    throw new Error(`tables not declared by the schema: ${undeclared.join(', ')}; the snapshot would not be whole`);
  for (const name of Object.keys(options.excludeTables ?? {}))
    if (!declared.has(name)) throw new Error(`excludeTables names an unknown table ${name}`);
  const snapshot = new Map<string, SnapshotRow[]>();
  for (const table of [...declared.values()].sort((a, b) => (a.name < b.name ? -1 : 1))) {
    if (options.excludeTables?.[table.name] !== undefined) continue;
    if (!present.includes(table.name)) throw new Error(`table ${table.name} is declared but missing`);
    const excluded = options.excludeColumns?.[table.name] ?? {};
    const columnNames = table.columns.map((column) => column.name);
    for (const name of Object.keys(excluded))
      if (!columnNames.includes(name)) throw new Error(`excludeColumns names an unknown column ${table.name}.${name}`);
    const kept = columnNames.filter((name) => excluded[name] === undefined);
    const keyColumns = options.keyColumns?.[table.name] ?? table.primaryKey;
    const { rows } = await sql<Record<string, unknown>>`select * from ${sql.table(table.name)}`.execute(database.db);
    if (rows.length > rowsPerTableMax)
      throw new Error(`${table.name} holds ${rows.length} rows, over ${rowsPerTableMax}`);
    const canonicalRows = rows.map((row): SnapshotRow => {
      const values: Record<string, string | null> = {};
      for (const name of kept) values[name] = canonicalValue(row[name]);
      return { key: keyColumns.map((name) => canonicalValue(row[name]) ?? 'NULL').join('/'), values };
    });
    canonicalRows.sort((a, b) => compareKeys(a.key, b.key));
    snapshot.set(table.name, canonicalRows);
  }
  return snapshot;
}

/** Readable differences, at most `linesMax` of them plus a count of the rest; empty when equal. */
export function diffSnapshots(before: StateSnapshot, after: StateSnapshot, linesMax = 60): string[] {
  const lines: string[] = [];
  let hidden = 0;
  const emit = (line: string): void => {
    if (lines.length < linesMax) lines.push(line);
    else hidden += 1;
  };
  const tables = [...new Set([...before.keys(), ...after.keys()])].sort();
  for (const table of tables) {
    const rowsBefore = before.get(table);
    const rowsAfter = after.get(table);
    if (rowsBefore === undefined || rowsAfter === undefined) {
      emit(`${table}: only in the ${rowsBefore === undefined ? 'second' : 'first'} snapshot`);
      continue;
    }
    const byKeyBefore = groupByKey(rowsBefore);
    const byKeyAfter = groupByKey(rowsAfter);
    for (const key of [...new Set([...byKeyBefore.keys(), ...byKeyAfter.keys()])].sort(compareKeys)) {
      const first = byKeyBefore.get(key) ?? [];
      const second = byKeyAfter.get(key) ?? [];
      if (first.length !== 1 || second.length !== 1) {
        // Missing, added, or a key that is not unique (a non-primary keyColumns choice).
        const shown = (rows: SnapshotRow[]) => rows.map((row) => JSON.stringify(row.values)).join(' ') || '(none)';
        if (shown(first) !== shown(second)) emit(`${table}[${key}]: ${shown(first)} -> ${shown(second)}`);
        continue;
      }
      const [a, b] = [first[0]!.values, second[0]!.values];
      for (const column of [...new Set([...Object.keys(a), ...Object.keys(b)])]) {
        if (a[column] !== b[column])
          emit(`${table}[${key}].${column}: ${a[column] ?? 'NULL'} -> ${b[column] ?? 'NULL'}`);
      }
    }
  }
  if (hidden > 0) lines.push(`... and ${hidden} more differences`);
  return lines;
}

/** One sha-256 over the whole snapshot: equal snapshots, equal digests. */
export function snapshotDigest(snapshot: StateSnapshot): string {
  const hash = createHash('sha256');
  for (const table of [...snapshot.keys()].sort()) {
    hash.update(`#${table}\n`);
    for (const row of snapshot.get(table) ?? []) hash.update(`${row.key}\t${JSON.stringify(row.values)}\n`);
  }
  return hash.digest('hex');
}

/** table -> row count, for printing what a snapshot covered. */
export function snapshotCounts(snapshot: StateSnapshot): Record<string, number> {
  return Object.fromEntries([...snapshot].map(([table, rows]) => [table, rows.length]));
}

/** The tables the database holds (SQLite internals left out), sorted. */
export async function tableNamesIn(database: SqlDatabase): Promise<string[]> {
  const query =
    database.dialect.name === 'mysql'
      ? sql<{ name: string }>`select table_name as name from information_schema.tables where table_schema = database()`
      : sql<{ name: string }>`select name from sqlite_master where type = 'table' and name not like 'sqlite_%'`;
  const { rows } = await query.execute(database.db);
  return rows.map((row) => String(row.name)).sort();
}

function canonicalValue(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean') return String(value);
  if (Buffer.isBuffer(value)) return `0x${value.toString('hex')}`;
  if (value instanceof Date) return value.toISOString();
  return JSON.stringify(value);
}

// Keys of integer ids compare as numbers where both are digits, so rows print in id order.
function compareKeys(a: string, b: string): number {
  return a.localeCompare(b, 'en', { numeric: true });
}

function groupByKey(rows: readonly SnapshotRow[]): Map<string, SnapshotRow[]> {
  const grouped = new Map<string, SnapshotRow[]>();
  for (const row of rows) {
    const list = grouped.get(row.key);
    if (list === undefined) grouped.set(row.key, [row]);
    else list.push(row);
  }
  return grouped;
}
