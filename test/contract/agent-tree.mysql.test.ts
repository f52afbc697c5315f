// Runs the AgentTreeRepository contract against the real MariaDB/MySQL server, in a database
// of its own. The server's default recursion limit (1000) is left as it is: the repository
// lifts it per statement, which a 100k-deep chain proves.
import { agentTreeContract } from './agent-tree.contract.ts';
import { createTestDatabase } from '../support/mysql.ts';
import { openMysqlDatabase } from '../../src/adapters/mysql/connect.ts';

agentTreeContract('mysql', async () => {
  const testDatabase = await createTestDatabase('agent_tree_contract');
  const database = openMysqlDatabase({ url: testDatabase.url });
  return {
    database,
    async cleanup() {
      await database.close();
      await testDatabase.drop();
    },
  };
});
