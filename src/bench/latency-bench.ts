// Latency benchmark (DESIGN §8): a steady stream of bets into Kafka, each from a new user
// whose first bet promotes (the ladder's first tier needs any turnover), and the time from
// produce to the matching vip.changed consumed from the out-topic: p50, p99, max.
import { startService } from '../main/service.ts';
import { openBenchStack, type BenchServices } from './bench-env.ts';

export interface LatencyBenchOptions {
  readonly ratePerSecond: number;
  readonly durationMs: number;
}

export interface LatencyBenchResult {
  readonly sent: number;
  readonly received: number;
  readonly ratePerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  /** Diagnostic: produce → bet committed in MariaDB (the rest is relay and delivery). */
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
const tickMs = 50;

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
    const producedAt = new Map<string, number>();
    const producedWallAt = new Map<string, number>();
    const latencies: number[] = [];
    const relayedAfterProduceMs: number[] = [];
    const deliveredAfterRelayMs: number[] = [];
    const observer = runtime.eventLog.consumer({
      groupId: `${stack.name}.observer`,
      topics: [config.topics.vipChanges],
      maxBatchSize: 1_000,
      fromBeginning: true,
    });
    await observer.start(async (batch) => {
      const receivedMs = performance.now();
      const receivedWallMs = Date.now();
      for (const message of batch.messages) {
        const event = JSON.parse(message.value ?? '{}') as { cause?: { betId?: string } };
        const sentMs = event.cause?.betId === undefined ? undefined : producedAt.get(event.cause.betId);
        if (sentMs === undefined) continue;
        latencies.push(receivedMs - sentMs);
        // Wall-clock split at the relay's send (the record's timestamp): where the time goes.
        const sentWallMs = producedWallAt.get(event.cause?.betId ?? '');
        if (sentWallMs !== undefined) relayedAfterProduceMs.push(message.timestampMs - sentWallMs);
        deliveredAfterRelayMs.push(receivedWallMs - message.timestampMs);
      }
    });
    // Warm up: the consumer group join and first fetches are not part of steady state.
    const producer = runtime.eventLog.producer();
    const send = async (betId: number): Promise<void> => {
      const id = String(betId);
      producedAt.set(id, performance.now());
      await producer.send([
        {
          topic: config.topics.bets,
          key: id,
          value: JSON.stringify({
            type: 'bet.placed',
            betId: id,
            userId: id,
            gameId: 'bench',
            periodId: 'p',
            amount: '10',
            placedAt: Date.now(),
          }),
        },
      ]);
    };
    await send(1);
    const warmDeadline = Date.now() + 60_000;
    while (latencies.length === 0 && Date.now() < warmDeadline) await new Promise((resolve) => setTimeout(resolve, 50));
    latencies.length = 0;
    relayedAfterProduceMs.length = 0;
    deliveredAfterRelayMs.length = 0;
    producedAt.clear();

    log(`latency: ${options.ratePerSecond} bets/s for ${options.durationMs} ms`);
    const perTick = Math.max(1, Math.round((options.ratePerSecond * tickMs) / 1000));
    const ticks = Math.ceil(options.durationMs / tickMs);
    const startedMs = performance.now();
    let nextId = 2;
    const sends: Promise<void>[] = [];
    for (let tick = 0; tick < ticks; tick += 1) {
      const dueMs = startedMs + tick * tickMs;
      const waitMs = dueMs - performance.now();
      if (waitMs > 0) await new Promise((resolve) => setTimeout(resolve, waitMs));
      const ids = Array.from({ length: perTick }, () => nextId++);
      const now = performance.now();
      const wallNow = Date.now();
      for (const id of ids) {
        producedAt.set(String(id), now);
        producedWallAt.set(String(id), wallNow);
      }
      sends.push(
        producer.send(
          ids.map((id) => ({
            topic: config.topics.bets,
            key: String(id),
            value: JSON.stringify({
              type: 'bet.placed',
              betId: String(id),
              userId: String(id),
              gameId: 'bench',
              periodId: 'p',
              amount: '10',
              placedAt: Date.now(),
            }),
          })),
        ),
      );
    }
    await Promise.all(sends);
    const actualRate = ((nextId - 2) * 1000) / (performance.now() - startedMs);
    const expected = nextId - 2;
    const drainDeadline = Date.now() + 60_000;
    while (latencies.length < expected && Date.now() < drainDeadline)
      await new Promise((resolve) => setTimeout(resolve, 50));
    await observer.stop();
    await service.stop();
    // Where the time goes: produce → committed in MariaDB, from the bets' own timestamps.
    const committed = await runtime.database.db.selectFrom('bets').select(['placed_at_ms', 'ingested_at_ms']).execute();
    const toCommit = committed
      .map((row) => Number(row.ingested_at_ms) - Number(row.placed_at_ms))
      .sort((a, b) => a - b);
    const sorted = [...latencies].sort((a, b) => a - b);
    return {
      sent: expected,
      received: latencies.length,
      ratePerSecond: Math.round(actualRate),
      p50Ms: Math.round(percentile(sorted, 0.5)),
      p99Ms: Math.round(percentile(sorted, 0.99)),
      maxMs: Math.round(sorted[sorted.length - 1] ?? Number.NaN),
      produceToCommitP50Ms: Math.round(percentile(toCommit, 0.5)),
      produceToCommitP99Ms: Math.round(percentile(toCommit, 0.99)),
      produceToRelayP99Ms: Math.round(
        percentile(
          [...relayedAfterProduceMs].sort((a, b) => a - b),
          0.99,
        ),
      ),
      relayToConsumeP99Ms: Math.round(
        percentile(
          [...deliveredAfterRelayMs].sort((a, b) => a - b),
          0.99,
        ),
      ),
    };
  } finally {
    await stack.dispose();
  }
}
