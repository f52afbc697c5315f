// MySQL 8 / MariaDB 10.11+ / TiDB flavour of SqlDialect. Codes compare byte-exactly
// (ascii_bin): "SSC" and "ssc" are different games.
import { sql, type Kysely } from 'kysely';
import type { SqlDialect } from '../sql/database.ts';
import type { ColumnDefinition, TableDefinition } from '../sql/schema.ts';
import type { Tables } from '../sql/tables.ts';

const columnTypes: Record<ColumnDefinition['type'], string> = {
  id: 'BIGINT',
  bigint: 'BIGINT',
  int: 'INT',
  bool: 'TINYINT',
  code: 'VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin',
  name: 'VARCHAR(200)',
  text: 'MEDIUMTEXT',
  exact: 'DECIMAL(40,0)',
};

function renderColumn(column: ColumnDefinition): string {
  const parts = [`\`${column.name}\``, columnTypes[column.type], column.nullable ? 'NULL' : 'NOT NULL'];
  if (column.autoIncrement) parts.push('AUTO_INCREMENT');
  if (column.defaultValue !== undefined) {
    parts.push(`DEFAULT ${typeof column.defaultValue === 'number' ? column.defaultValue : `'${column.defaultValue}'`}`);
  }
  return parts.join(' ');
}

const quoteList = (columns: readonly string[]): string => columns.map((name) => `\`${name}\``).join(', ');

const mysqlErrorCodes = { duplicateKey: 1062, deadlock: 1213, lockWaitTimeout: 1205 } as const;

function errno(error: unknown): number | undefined {
  const value = (error as { errno?: unknown } | null)?.errno;
  return typeof value === 'number' ? value : undefined;
}

const migrationLockName = 'tiernet_migrate';
const migrationLockWaitSeconds = 120;

export const mysqlDialect: SqlDialect = {
  name: 'mysql',
  parametersMax: 60_000,
  renderCreateTable(table: TableDefinition): string[] {
    const lines = table.columns.map(renderColumn);
    lines.push(`PRIMARY KEY (${quoteList(table.primaryKey)})`);
    for (const unique of table.uniques ?? [])
      lines.push(`UNIQUE KEY \`${unique.name}\` (${quoteList(unique.columns)})`);
    for (const index of table.indexes ?? []) lines.push(`KEY \`${index.name}\` (${quoteList(index.columns)})`);
    return [
      `CREATE TABLE IF NOT EXISTS \`${table.name}\` (\n  ${lines.join(',\n  ')}\n) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin`,
    ];
  },
  renderUpsertTail(_keyColumns, addColumns, setColumns, maxColumns = []): string {
    const assignments = [
      ...addColumns.map((name) => `\`${name}\` = \`${name}\` + VALUES(\`${name}\`)`),
      ...setColumns.map((name) => `\`${name}\` = VALUES(\`${name}\`)`),
      ...maxColumns.map((name) => `\`${name}\` = GREATEST(\`${name}\`, VALUES(\`${name}\`))`),
    ];
    return `ON DUPLICATE KEY UPDATE ${assignments.join(', ')}`;
  },
  renderIgnoreTail(keyColumns): string {
    const first = keyColumns[0] ?? 'id';
    return `ON DUPLICATE KEY UPDATE \`${first}\` = \`${first}\``;
  },
  isDuplicateKey: (error) => errno(error) === mysqlErrorCodes.duplicateKey,
  isRetryable: (error) => {
    const code = errno(error);
    return code === mysqlErrorCodes.deadlock || code === mysqlErrorCodes.lockWaitTimeout;
  },
  async withMigrationLock<T>(db: Kysely<Tables>, work: () => Promise<T>): Promise<T> {
    // GET_LOCK belongs to a session, so take and release it on one pinned connection.
    return db.connection().execute(async (connection) => {
      const result = await sql<{
        locked: number | string | null;
      }>`select get_lock(${migrationLockName}, ${migrationLockWaitSeconds}) as locked`.execute(connection);
      if (Number(result.rows[0]?.locked) !== 1)
        throw new Error(`could not take the migration lock within ${migrationLockWaitSeconds} s`);
      try {
        return await work();
      } finally {
        await sql`select release_lock(${migrationLockName})`.execute(connection);
      }
    });
  },
};
