// SQLite flavour of SqlDialect, for the embedded default. STRICT tables make SQLite refuse a
// value of the wrong type instead of storing it silently.
import type { Kysely } from 'kysely';
import type { SqlDialect } from '../sql/database.ts';
import type { ColumnDefinition, TableDefinition } from '../sql/schema.ts';
import type { Tables } from '../sql/tables.ts';

const columnTypes: Record<ColumnDefinition['type'], string> = {
  id: 'INTEGER',
  bigint: 'INTEGER',
  int: 'INTEGER',
  bool: 'INTEGER',
  code: 'TEXT',
  name: 'TEXT',
  text: 'TEXT',
  exact: 'TEXT',
};

function renderColumn(column: ColumnDefinition): string {
  // SQLite only auto-increments an INTEGER PRIMARY KEY declared on the column itself.
  if (column.autoIncrement) return `"${column.name}" INTEGER PRIMARY KEY AUTOINCREMENT`;
  const parts = [`"${column.name}"`, columnTypes[column.type], column.nullable ? 'NULL' : 'NOT NULL'];
  if (column.defaultValue !== undefined) {
    parts.push(`DEFAULT ${typeof column.defaultValue === 'number' ? column.defaultValue : `'${column.defaultValue}'`}`);
  }
  return parts.join(' ');
}

const quoteList = (columns: readonly string[]): string => columns.map((name) => `"${name}"`).join(', ');

function sqliteCode(error: unknown): string | undefined {
  const value = (error as { code?: unknown } | null)?.code;
  return typeof value === 'string' ? value : undefined;
}

export const sqliteDialect: SqlDialect = {
  name: 'sqlite',
  parametersMax: 30_000,
  renderCreateTable(table: TableDefinition): string[] {
    const lines = table.columns.map(renderColumn);
    const hasAutoIncrement = table.columns.some((column) => column.autoIncrement);
    if (!hasAutoIncrement) lines.push(`PRIMARY KEY (${quoteList(table.primaryKey)})`);
    for (const unique of table.uniques ?? [])
      lines.push(`CONSTRAINT "${unique.name}" UNIQUE (${quoteList(unique.columns)})`);
    const statements = [`CREATE TABLE IF NOT EXISTS "${table.name}" (\n  ${lines.join(',\n  ')}\n) STRICT`];
    for (const index of table.indexes ?? []) {
      statements.push(`CREATE INDEX IF NOT EXISTS "${index.name}" ON "${table.name}" (${quoteList(index.columns)})`);
    }
    return statements;
  },
  renderUpsertTail(keyColumns, addColumns, setColumns, maxColumns = []): string {
    const assignments = [
      ...addColumns.map((name) => `"${name}" = "${name}" + excluded."${name}"`),
      ...setColumns.map((name) => `"${name}" = excluded."${name}"`),
      ...maxColumns.map((name) => `"${name}" = MAX("${name}", excluded."${name}")`),
    ];
    return `ON CONFLICT (${quoteList(keyColumns)}) DO UPDATE SET ${assignments.join(', ')}`;
  },
  renderIgnoreTail(keyColumns): string {
    return `ON CONFLICT (${quoteList(keyColumns)}) DO NOTHING`;
  },
  isDuplicateKey: (error) => {
    const code = sqliteCode(error);
    return code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === 'SQLITE_CONSTRAINT_UNIQUE';
  },
  isRetryable: (error) => {
    const code = sqliteCode(error);
    return code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED';
  },
  async withMigrationLock<T>(_db: Kysely<Tables>, work: () => Promise<T>): Promise<T> {
    // One process owns the SQLite file (busy_timeout covers a second one briefly), and the
    // Kysely driver serialises statements on its single connection.
    return work();
  },
};
