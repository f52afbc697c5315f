// Runs the AgentTreeRepository contract against SQLite (the embedded default), in a file of its own.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { agentTreeContract } from './agent-tree.contract.ts';
import { openSqliteDatabase } from '../../src/adapters/sqlite/connect.ts';

agentTreeContract('sqlite', async () => {
  const directory = mkdtempSync(join(tmpdir(), 'tiernet-agent-tree-'));
  const database = openSqliteDatabase({ path: join(directory, 'tiernet.db') });
  return {
    database,
    async cleanup() {
      await database.close();
      rmSync(directory, { recursive: true, force: true });
    },
  };
});
