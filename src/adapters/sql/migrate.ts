// Applies the schema migrations in order. Every statement is idempotent, a version is
// recorded only after all of its statements succeeded, and running again changes nothing.
// A failure names the migration and the statement that failed.
import { sql } from 'kysely';
import { TiernetError } from '../../app/errors.ts';
import type { SqlDatabase } from './database.ts';
import { migrations, migrationsTable, type Migration } from './schema.ts';
import { toNumber } from './row-values.ts';

export interface MigrationReport {
  readonly applied: readonly { version: number; name: string }[];
  readonly alreadyApplied: number;
}

async function runStatement(database: SqlDatabase, statement: string, migration: Migration | null): Promise<void> {
  try {
    await sql.raw(statement).execute(database.db);
  } catch (error) {
    const which = migration ? `migration ${migration.version} (${migration.name})` : 'migration bookkeeping';
    throw new TiernetError(
      'migration_failed',
      `${which} failed at statement: ${statement}\n  cause: ${(error as Error).message}`,
      { cause: error },
    );
  }
}

export async function migrate(
  database: SqlDatabase,
  nowMs: number,
  onProgress: (message: string) => void = () => {},
  plan: readonly Migration[] = migrations,
): Promise<MigrationReport> {
  for (const statement of database.dialect.renderCreateTable(migrationsTable))
    await runStatement(database, statement, null);
  return database.dialect.withMigrationLock(database.db, async () => {
    const rows = await database.db.selectFrom('schema_migrations').select('version').execute();
    const done = new Set(rows.map((row) => toNumber(row.version)));
    const applied: { version: number; name: string }[] = [];
    for (const migration of plan) {
      if (done.has(migration.version)) continue;
      onProgress(`applying migration ${migration.version}: ${migration.name}`);
      for (const table of migration.tables) {
        for (const statement of database.dialect.renderCreateTable(table))
          await runStatement(database, statement, migration);
      }
      await database.db
        .insertInto('schema_migrations')
        .values({ version: migration.version, name: migration.name, applied_at_ms: nowMs })
        .execute();
      applied.push({ version: migration.version, name: migration.name });
    }
    return { applied, alreadyApplied: done.size };
  });
}
