// Test access to the real Kafka broker (DESIGN.md §1, §9: `scripts/kafka.sh start`). A broker
// that does not answer fails the test with a message saying how to start one; it never
// skips. Each test file names its topics and consumer groups under its own prefix and
// deletes exactly those when done, so files can run in parallel against one broker.
import { randomBytes } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';

/** Topics or groups one cleanup may delete: far above any test's needs, a guard on typos. */
const cleanupNamesMax = 500;

export function kafkaBrokers(): string[] {
  const configured = process.env['TIERNET_TEST_KAFKA_BROKERS'] ?? '127.0.0.1:9092';
  return configured
    .split(',')
    .map((broker) => broker.trim())
    .filter((broker) => broker !== '');
}

/** A prefix no other file or run shares: "tiernet-test.<fileTag>.<pid>-<random>.". */
export function uniqueTopicPrefix(fileTag: string): string {
  if (!/^[a-z0-9-]+$/.test(fileTag)) throw new Error(`fileTag must be kebab-case, got "${fileTag}"`);
  return `tiernet-test.${fileTag}.${process.pid}-${randomBytes(4).toString('hex')}.`;
}

/** Throws, naming the brokers and the fix, unless a broker answers a metadata request. */
export async function requireKafka(brokers: readonly string[] = kafkaBrokers(), timeoutMs = 10_000): Promise<void> {
  const admin = quietKafka(brokers).admin({ retry: { retries: 2 } });
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      (async () => {
        await admin.connect();
        await admin.describeCluster();
      })(),
      new Promise<never>((_resolve, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
  } catch (error) {
    throw new Error(
      `this test needs Kafka at ${brokers.join(',')} (start it with scripts/kafka.sh start, or set TIERNET_TEST_KAFKA_BROKERS): ${String(error)}`,
      { cause: error },
    );
  } finally {
    clearTimeout(timer);
    await admin.disconnect().catch(() => undefined);
  }
}

/** Deletes the topics and consumer groups whose names start with `prefix`; returns the counts. */
export async function deleteKafkaTestNames(
  prefix: string,
  brokers: readonly string[] = kafkaBrokers(),
): Promise<{ topics: number; groups: number }> {
  if (!prefix.startsWith('tiernet-test.'))
    throw new Error(`refusing to delete names outside tiernet-test., got "${prefix}"`);
  const admin = quietKafka(brokers).admin();
  await admin.connect();
  try {
    const { groups } = await admin.listGroups();
    const groupIds = groups.map((group) => group.groupId).filter((groupId) => groupId.startsWith(prefix));
    const topics = (await admin.listTopics()).filter((topic) => topic.startsWith(prefix));
    if (groupIds.length > cleanupNamesMax || topics.length > cleanupNamesMax) {
      throw new Error(
        `prefix ${prefix} matches ${topics.length} topics and ${groupIds.length} groups; refusing a cleanup that large`,
      );
    }
    // Groups first: a group that still has members cannot be deleted, and its offsets would
    // otherwise outlive the topics they point into.
    if (groupIds.length > 0) await admin.deleteGroups(groupIds);
    if (topics.length > 0) await admin.deleteTopics({ topics, timeout: 10_000 });
    return { topics: topics.length, groups: groupIds.length };
  } finally {
    await admin.disconnect();
  }
}

function quietKafka(brokers: readonly string[]): Kafka {
  return new Kafka({
    clientId: 'tiernet-test-support',
    brokers: [...brokers],
    connectionTimeout: 3_000,
    logLevel: logLevel.NOTHING,
  });
}
