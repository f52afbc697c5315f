// Per-test-file MariaDB/MySQL databases: each file creates its own database, named after
// the file plus a random suffix, and drops it when done. A server that does not answer is
// a test failure, never a skip.
import { randomBytes } from 'node:crypto';
import { createConnection } from 'mysql2/promise';

export function mysqlServerUrl(): string {
  return process.env.TIERNET_TEST_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306';
}

export interface TestDatabase {
  readonly name: string;
  readonly url: string;
  drop(): Promise<void>;
}

export async function createTestDatabase(fileTag: string): Promise<TestDatabase> {
  const name = `t_${fileTag.replace(/[^a-z0-9]/gi, '_').slice(0, 30)}_${randomBytes(4).toString('hex')}`.toLowerCase();
  const serverUrl = mysqlServerUrl();
  let connection;
  try {
    connection = await createConnection({ uri: serverUrl, connectTimeout: 5_000 });
  } catch (error) {
    throw new Error(
      `MariaDB/MySQL is not reachable at ${serverUrl} (start it with scripts/services.sh up): ${(error as Error).message}`,
    );
  }
  await connection.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`);
  await connection.end();
  return {
    name,
    url: `${serverUrl.replace(/\/$/, '')}/${name}`,
    async drop() {
      const dropper = await createConnection({ uri: serverUrl });
      await dropper.query(`DROP DATABASE IF EXISTS \`${name}\``);
      await dropper.end();
    },
  };
}
