// Prometheus metrics (prom-client): one registry per process, created at the composition root
// and handed to the adapters and loops as plain callbacks.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface ServiceMetrics {
  readonly registry: Registry;
  readonly ingestBatchSize: Histogram;
  readonly ingestApplySeconds: Histogram;
  readonly ingestEvents: Counter<'status'>;
  readonly ingestFailures: Counter;
  readonly dlqRecords: Counter;
  readonly vipChanges: Counter;
  readonly outboxRelayed: Counter;
  readonly outboxErrors: Counter;
  readonly cacheErrors: Counter;
  readonly consumerLag: Gauge;
  readonly settlementSeconds: Histogram<'outcome'>;
  readonly lockContention: Counter<'lock'>;
  readonly vipReviews: Counter;
}

export function createServiceMetrics(): ServiceMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'tiernet_' });
  const registers = [registry];
  return {
    registry,
    ingestBatchSize: new Histogram({
      name: 'tiernet_ingest_batch_size',
      help: 'Messages per ingest batch',
      buckets: [1, 10, 50, 100, 500, 1000, 2000, 5000],
      registers,
    }),
    ingestApplySeconds: new Histogram({
      name: 'tiernet_ingest_apply_seconds',
      help: 'Time to apply one ingest batch (parse, transaction, caches)',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    }),
    ingestEvents: new Counter({
      name: 'tiernet_ingest_events_total',
      help: 'Events ingested, by outcome',
      labelNames: ['status'],
      registers,
    }),
    ingestFailures: new Counter({
      name: 'tiernet_ingest_batch_failures_total',
      help: 'Ingest batches that failed and will be retried',
      registers,
    }),
    dlqRecords: new Counter({ name: 'tiernet_dlq_records_total', help: 'Events refused and dead-lettered', registers }),
    vipChanges: new Counter({ name: 'tiernet_vip_changes_total', help: 'VIP level changes decided', registers }),
    outboxRelayed: new Counter({
      name: 'tiernet_outbox_relayed_total',
      help: 'Out-events relayed to the log',
      registers,
    }),
    outboxErrors: new Counter({ name: 'tiernet_outbox_relay_errors_total', help: 'Outbox relay failures', registers }),
    cacheErrors: new Counter({
      name: 'tiernet_cache_errors_total',
      help: 'Cache (Redis) operations that failed; the service carries on without the cache',
      registers,
    }),
    consumerLag: new Gauge({
      name: 'tiernet_consumer_lag_messages',
      help: 'Messages behind the log end, summed over assigned partitions',
      registers,
    }),
    settlementSeconds: new Histogram({
      name: 'tiernet_settlement_seconds',
      help: 'Settlement run duration',
      labelNames: ['outcome'],
      buckets: [0.05, 0.1, 0.5, 1, 2, 5, 10, 30, 60],
      registers,
    }),
    lockContention: new Counter({
      name: 'tiernet_lock_contention_total',
      help: 'Lock acquisitions refused because another holder had it',
      labelNames: ['lock'],
      registers,
    }),
    vipReviews: new Counter({
      name: 'tiernet_vip_reviews_total',
      help: 'Users examined by the VIP review scheduler',
      registers,
    }),
  };
}
