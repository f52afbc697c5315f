// Runs the EventLog contract against the real Kafka 4.1 broker (scripts/kafka.sh start) through
// the kafkajs adapter. A broker that does not answer fails the run; it never skips. Topics
// and groups live under this file's own prefix and are deleted at the end.
import { eventLogContract } from './event-log.contract.ts';
import { deleteKafkaTestNames, kafkaBrokers, requireKafka, uniqueTopicPrefix } from '../support/kafka.ts';
import { createKafkaEventLog } from '../../src/adapters/kafka/kafka-event-log.ts';

eventLogContract('kafka', async () => {
  const brokers = kafkaBrokers();
  await requireKafka(brokers);
  const prefix = uniqueTopicPrefix('event-log-kafka');
  const log = createKafkaEventLog({
    brokers,
    clientId: 'tiernet-contract',
    // Short backoffs keep the refused-batch test quick; the defaults are for production.
    consumer: { retryBaseDelayMs: 50, retryMaxDelayMs: 500 },
  });
  return {
    log,
    name: (tag) => `${prefix}${tag}`,
    async cleanup() {
      await log.close();
      await deleteKafkaTestNames(prefix, brokers);
    },
  };
});
