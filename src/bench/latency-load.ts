// The platform's side of the latency benchmark, in a process of its own: it produces a steady
// stream of bets into Kafka and consumes vip.changed from the out-topic, as the platform
// would. Producing and consuming in the service's own process put the load generator's
// Kafka encoding and decoding on the event loop under test (a fifth of its CPU in a profile).
// Prints one JSON line (LatencyLoadResult) on stdout.
//
//   node --import tsx src/bench/latency-load.ts '<LatencyLoadOptions as JSON>'
import { createKafkaEventLog } from '../adapters/kafka/kafka-event-log.ts';

export interface LatencyLoadOptions {
  readonly brokers: string;
  readonly betsTopic: string;
  readonly vipTopic: string;
  readonly observerGroup: string;
  readonly ratePerSecond: number;
  readonly durationMs: number;
  /** A stream at the same rate before the measured one, left out of the figures. */
  readonly warmUpMs: number;
}

export interface LatencyLoadResult {
  /** Bets from this id on were measured (the ones before warmed up). */
  readonly firstMeasuredBetId: number;
  readonly sent: number;
  readonly received: number;
  readonly ratePerSecond: number;
  /** Produce → vip.changed consumed, in milliseconds, sorted. */
  readonly latenciesMs: readonly number[];
  /** Produce → out-event sent by the relay (record timestamp), sorted. */
  readonly relayedAfterProduceMs: readonly number[];
  /** Relay → consumed, sorted. */
  readonly deliveredAfterRelayMs: readonly number[];
}

const tickMs = 50;

/** Milliseconds since 1970 at sub-millisecond resolution, comparable across processes on this host. */
function nowMs(): number {
  return performance.timeOrigin + performance.now();
}

function betJson(id: number): string {
  return JSON.stringify({
    type: 'bet.placed',
    betId: String(id),
    userId: String(id),
    gameId: 'bench',
    periodId: 'p',
    amount: '10',
    placedAt: Date.now(),
  });
}

async function runLoad(options: LatencyLoadOptions): Promise<LatencyLoadResult> {
  const eventLog = createKafkaEventLog({ brokers: options.brokers.split(','), clientId: 'tiernet-bench-load' });
  const producedAt = new Map<string, number>();
  const latencies: number[] = [];
  const relayedAfterProduceMs: number[] = [];
  const deliveredAfterRelayMs: number[] = [];
  const observer = eventLog.consumer({
    groupId: options.observerGroup,
    topics: [options.vipTopic],
    maxBatchSize: 1_000,
    fromBeginning: true,
  });
  try {
    await observer.start(async (batch) => {
      const receivedMs = nowMs();
      for (const message of batch.messages) {
        const event = JSON.parse(message.value ?? '{}') as { cause?: { betId?: string } };
        const sentMs = event.cause?.betId === undefined ? undefined : producedAt.get(event.cause.betId);
        if (sentMs === undefined) continue;
        latencies.push(receivedMs - sentMs);
        relayedAfterProduceMs.push(message.timestampMs - sentMs);
        deliveredAfterRelayMs.push(receivedMs - message.timestampMs);
      }
    });
    const producer = eventLog.producer();
    /** Sends bets `firstId`.. at the rate for `durationMs`; returns the next id. */
    const stream = async (firstId: number, durationMs: number): Promise<number> => {
      const perTick = Math.max(1, Math.round((options.ratePerSecond * tickMs) / 1000));
      const ticks = Math.ceil(durationMs / tickMs);
      const startedMs = performance.now();
      let nextId = firstId;
      const sends: Promise<void>[] = [];
      for (let tick = 0; tick < ticks; tick += 1) {
        const waitMs = startedMs + tick * tickMs - performance.now();
        if (waitMs > 0) await new Promise((resolve) => setTimeout(resolve, waitMs));
        const ids = Array.from({ length: perTick }, () => nextId++);
        const sentMs = nowMs();
        for (const id of ids) producedAt.set(String(id), sentMs);
        sends.push(producer.send(ids.map((id) => ({ topic: options.betsTopic, key: String(id), value: betJson(id) }))));
      }
      await Promise.all(sends);
      return nextId;
    };
    const waitForAll = async (count: number): Promise<void> => {
      const deadline = Date.now() + 60_000;
      while (latencies.length < count && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    };
    // Warm up at the same rate, left out of the figures: the group join, the first fetches and
    // the service's first seconds (its code is compiled on first use) are not steady state.
    const warmedUpTo = await stream(1, options.warmUpMs);
    await waitForAll(warmedUpTo - 1);
    latencies.length = 0;
    relayedAfterProduceMs.length = 0;
    deliveredAfterRelayMs.length = 0;
    producedAt.clear();

    const startedMs = performance.now();
    const nextId = await stream(warmedUpTo, options.durationMs);
    const sent = nextId - warmedUpTo;
    const ratePerSecond = (sent * 1000) / (performance.now() - startedMs);
    await waitForAll(sent);
    // Sorted, to a tenth of a millisecond (the output stays small at 60,000 samples).
    const sorted = (values: number[]): number[] =>
      values.map((value) => Math.round(value * 10) / 10).sort((a, b) => a - b);
    return {
      firstMeasuredBetId: warmedUpTo,
      sent,
      received: latencies.length,
      ratePerSecond,
      latenciesMs: sorted(latencies),
      relayedAfterProduceMs: sorted(relayedAfterProduceMs),
      deliveredAfterRelayMs: sorted(deliveredAfterRelayMs),
    };
  } finally {
    await observer.stop();
    await eventLog.close();
  }
}

const argument = process.argv[2];
if (argument === undefined) {
  process.stderr.write('usage: latency-load.ts <options as JSON>\n');
  process.exit(2);
}
const result = await runLoad(JSON.parse(argument) as LatencyLoadOptions);
// Exit only once the line is flushed: a pipe takes large writes asynchronously.
process.stdout.write(`${JSON.stringify(result)}\n`, () => process.exit(0));
