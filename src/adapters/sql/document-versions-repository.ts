import type { DocumentVersion, DocumentVersionsRepository } from '../../app/ports/store.ts';
import { decodeCursor, encodeCursor } from './cursor.ts';
import type { Executor } from './database.ts';
import { toNumber } from './row-values.ts';

type VersionTable = 'ladder_versions' | 'rebate_policy_versions';

export function createDocumentVersionsRepository(executor: Executor, table: VersionTable): DocumentVersionsRepository {
  const fromRow = (row: {
    version: unknown;
    document: string;
    actor: string;
    created_at_ms: unknown;
  }): DocumentVersion => ({
    version: toNumber(row.version),
    document: row.document,
    actor: row.actor,
    createdAtMs: toNumber(row.created_at_ms),
  });
  return {
    async latest() {
      const row = await executor.selectFrom(table).selectAll().orderBy('version', 'desc').limit(1).executeTakeFirst();
      return row ? fromRow(row) : null;
    },
    async get(version: number) {
      const row = await executor.selectFrom(table).selectAll().where('version', '=', version).executeTakeFirst();
      return row ? fromRow(row) : null;
    },
    async list(cursor: string | null, limit: number) {
      let query = executor.selectFrom(table).selectAll();
      if (cursor !== null) query = query.where('version', '<', Number(decodeCursor(cursor, ['before']).before));
      const rows = await query
        .orderBy('version', 'desc')
        .limit(limit + 1)
        .execute();
      const items = rows.slice(0, limit).map(fromRow);
      const last = items[items.length - 1];
      return { items, nextCursor: rows.length > limit && last ? encodeCursor({ before: last.version }) : null };
    },
    async insert(document: DocumentVersion) {
      await executor
        .insertInto(table)
        .values({
          version: document.version,
          document: document.document,
          actor: document.actor,
          created_at_ms: document.createdAtMs,
        })
        .execute();
    },
  };
}
