// Latency benchmark (DESIGN §8): a steady stream of bets into Kafka, each from a new user
// whose first bet promotes (the ladder's first tier needs any turnover), and the time from
// produce to the matching vip.changed consumed from the out-topic: p50, p99, max. The
// service runs here; the platform's producer and consumer run in a process of their own
// (latency-load.ts), as they would in production.
import { startService } from '../main/service.ts';
import { openBenchStack, type BenchServices } from './bench-env.ts';
import { runJsonChild } from './json-child.ts';
import type { LatencyLoadOptions, LatencyLoadResult } from './latency-load.ts';

export interface LatencyBenchOptions {
  readonly ratePerSecond: number;
  readonly durationMs: number;
  /** A stream at the same rate first, left out of the figures (steady state is what counts). */
  readonly warmUpMs: number;
}

export interface LatencyBenchResult {
  readonly sent: number;
  readonly received: number;
  readonly ratePerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  /** The warm-up stream before the measured one (absent in reports from before it existed). */
  readonly warmUpMs?: number;
  /** Diagnostic: produce → the ingest batch holding the bet started (bets.ingested_at_ms); the rest is the batch, relay and delivery. */
  readonly produceToCommitP50Ms: number;
  readonly produceToCommitP99Ms: number;
  /** Diagnostic: produce → out-event sent by the relay (record timestamp), and relay → consumed. */
  readonly produceToRelayP99Ms: number;
  readonly relayToConsumeP99Ms: number;
}

const promoteOnFirstBet = {
  timezone: 'UTC',
  levels: [
    { level: 0, name: 'Member' },
    { level: 1, name: 'Bronze', promote: { turnoverLifetime: '0.01' } },
  ],
};
function percentile(sorted: readonly number[], fraction: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil(fraction * sorted.length) - 1)] ?? Number.NaN;
}

export async function runLatencyBench(
  services: BenchServices,
  options: LatencyBenchOptions,
  log: (message: string) => void,
): Promise<LatencyBenchResult> {
  const stack = await openBenchStack(services, 'latency', { TIERNET_INGEST_MAX_BATCH: '500' });
  try {
    const { runtime, config } = stack;
    await runtime.store.ladders.insert({
      version: 1,
      document: JSON.stringify(promoteOnFirstBet),
      actor: 'bench',
      createdAtMs: Date.now(),
    });
    const service = await startService(runtime, { version: 'bench', reviewIntervalMs: 3_600_000 });
    let load: LatencyLoadResult;
    try {
      log(
        `latency: ${options.ratePerSecond} bets/s, ${options.warmUpMs} ms of warm-up then ${options.durationMs} ms measured, produced and consumed by a process of its own`,
      );
      const loadOptions: LatencyLoadOptions = {
        brokers: services.kafkaBrokers,
        betsTopic: config.topics.bets,
        vipTopic: config.topics.vipChanges,
        observerGroup: `${stack.name}.observer`,
        ratePerSecond: options.ratePerSecond,
        durationMs: options.durationMs,
        warmUpMs: options.warmUpMs,
      };
      load = await runJsonChild<LatencyLoadResult>(
        new URL('./latency-load.ts', import.meta.url),
        [JSON.stringify(loadOptions)],
        'the latency load process',
      );
    } finally {
      await service.stop();
    }
    // Where the time goes: produce → committed in MariaDB, from the bets' own timestamps.
    const committed = await runtime.database.db
      .selectFrom('bets')
      .select(['placed_at_ms', 'ingested_at_ms'])
      .where('bet_id', '>=', String(load.firstMeasuredBetId))
      .execute();
    const toCommit = committed
      .map((row) => Number(row.ingested_at_ms) - Number(row.placed_at_ms))
      .sort((a, b) => a - b);
    const sorted = load.latenciesMs;
    return {
      sent: load.sent,
      received: load.received,
      ratePerSecond: Math.round(load.ratePerSecond),
      p50Ms: Math.round(percentile(sorted, 0.5)),
      p99Ms: Math.round(percentile(sorted, 0.99)),
      maxMs: Math.round(sorted[sorted.length - 1] ?? Number.NaN),
      warmUpMs: options.warmUpMs,
      produceToCommitP50Ms: Math.round(percentile(toCommit, 0.5)),
      produceToCommitP99Ms: Math.round(percentile(toCommit, 0.99)),
      produceToRelayP99Ms: Math.round(percentile(load.relayedAfterProduceMs, 0.99)),
      relayToConsumeP99Ms: Math.round(percentile(load.deliveredAfterRelayMs, 0.99)),
    };
  } finally {
    await stack.dispose();
  }
}
