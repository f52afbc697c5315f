// What the Kafka fault tests that run real `tiernet serve` processes share: their own MariaDB
// database (and a pool on it for the test's own reads), a Kafka client and admin under the
// file's topic prefix, and the serve environment for the real backends. close() removes all
// of it, with the file's Redis keys and Kafka topics and groups.
import type { Admin, Kafka } from 'kafkajs';
import { openMysqlDatabase } from '../../src/adapters/mysql/connect.ts';
import type { SqlDatabase } from '../../src/adapters/sql/database.ts';
import { testKafka } from './fault-input.ts';
import { deleteKafkaTestNames, kafkaBrokers, requireKafka } from './kafka.ts';
import { createTestDatabase, type TestDatabase } from './mysql.ts';
import { deleteKeysUnderPrefix, redisUrl } from './redis.ts';
import { realBackendEnv } from './stack.ts';

export interface KafkaFaultStack {
  readonly testDatabase: TestDatabase;
  readonly database: SqlDatabase;
  readonly kafka: Kafka;
  readonly admin: Admin;
  /** `tiernet serve`'s environment for the real backends; each test adds its own settings. */
  readonly env: Readonly<Record<string, string>>;
  close(): Promise<void>;
}

export async function openKafkaFaultStack(options: {
  readonly fileTag: string;
  readonly topicPrefix: string;
  readonly redisPrefix: string;
  readonly adminToken: string;
}): Promise<KafkaFaultStack> {
  await requireKafka();
  const testDatabase = await createTestDatabase(options.fileTag);
  const database = openMysqlDatabase({ url: testDatabase.url });
  const kafka = testKafka(kafkaBrokers(), `${options.topicPrefix}test`);
  const admin = kafka.admin();
  await admin.connect();
  const env = realBackendEnv({
    databaseUrl: testDatabase.url,
    redisUrl: redisUrl(),
    redisPrefix: options.redisPrefix,
    kafkaBrokers: kafkaBrokers(),
    topicPrefix: options.topicPrefix,
    adminToken: options.adminToken,
  });
  return {
    testDatabase,
    database,
    kafka,
    admin,
    env,
    async close() {
      await admin.disconnect();
      await database.close();
      await testDatabase.drop();
      await deleteKeysUnderPrefix(options.redisPrefix);
      await deleteKafkaTestNames(options.topicPrefix);
    },
  };
}
