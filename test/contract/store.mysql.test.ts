// Runs the Store contract against the real MariaDB/MySQL server, in a database of its own.
import { storeContract } from './store.contract.ts';
import { createTestDatabase } from '../support/mysql.ts';
import { openMysqlDatabase } from '../../src/adapters/mysql/connect.ts';

storeContract('mysql', async () => {
  const testDatabase = await createTestDatabase('store_contract');
  const database = openMysqlDatabase({ url: testDatabase.url });
  return {
    database,
    async cleanup() {
      await database.close();
      await testDatabase.drop();
    },
  };
});
