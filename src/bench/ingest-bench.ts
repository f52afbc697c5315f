// Ingest benchmark (DESIGN §8): N bet events with Zipf users go from Kafka through the full
// pipeline to committed MariaDB state, compared in the same run with
//   (a) the floor: a raw batched INSERT of the same rows (bets, day buckets, lifetime totals)
//       into the same MariaDB, in transactions of the same batch size;
//   (b) the classic design: the same consumer with one transaction per event (batch size 1),
//       time-boxed on a prefix of the same events.
import { startIngestConsumer } from '../app/ingest/ingest-consumer.ts';
import { insertRows } from '../adapters/sql/database.ts';
import { dayNumberOf } from '../domain/vip/zone-day.ts';
import { openBenchStack, type BenchServices } from './bench-env.ts';
import { betEvents, type BetEventSpec } from './workload.ts';
import { betColumns } from '../adapters/sql/bets-repository.ts';
import { parseAmountMinor } from '../domain/money.ts';
import { invariant } from '../domain/assert.ts';

export interface IngestBenchOptions {
  readonly events: number;
  readonly users: number;
  readonly perEventEvents: number;
  readonly perEventTimeBoxMs: number;
  readonly batchSize: number;
  readonly seed: number;
}

export interface IngestBenchResult {
  readonly events: number;
  readonly pipelineEventsPerSecond: number;
  readonly floorEventsPerSecond: number;
  readonly perEventEventsPerSecond: number;
  readonly perEventEventsMeasured: number;
  readonly ratioToFloor: number;
  readonly ratioToPerEvent: number;
}

const produceChunk = 5_000;

async function produceAll(
  stack: Awaited<ReturnType<typeof openBenchStack>>,
  events: readonly BetEventSpec[],
): Promise<void> {
  const topic = stack.config.topics.bets;
  await stack.runtime.eventLog.ensureTopics([topic], stack.config.kafka?.partitions ?? 3);
  const producer = stack.runtime.eventLog.producer();
  for (let start = 0; start < events.length; start += produceChunk) {
    await producer.send(
      events.slice(start, start + produceChunk).map((event) => ({ topic, key: event.userId, value: event.json })),
    );
  }
}

/** Consumes `expected` events with the given batch size; returns events/s from the first batch start to the last commit. */
async function consumeRate(
  stack: Awaited<ReturnType<typeof openBenchStack>>,
  expected: number,
  batchSize: number,
  timeBoxMs: number,
): Promise<{ eventsPerSecond: number; measured: number }> {
  let firstStartMs: number | null = null;
  let lastEndMs = 0;
  let applied = 0;
  let resolveDone: () => void = () => {};
  const done = new Promise<void>((resolve) => (resolveDone = resolve));
  const consumer = await startIngestConsumer({
    eventLog: stack.runtime.eventLog,
    ingest: stack.runtime.ingest,
    topics: [stack.config.topics.bets],
    groupId: `${stack.name}.consumer`,
    maxBatchSize: batchSize,
    onBatch: (batch, stats, durationMs) => {
      const endMs = performance.now();
      firstStartMs ??= endMs - durationMs;
      lastEndMs = endMs;
      applied += stats.applied + stats.duplicates;
      if (applied >= expected || endMs - firstStartMs >= timeBoxMs) resolveDone();
      void batch;
    },
  });
  const deadline = setTimeout(resolveDone, timeBoxMs + 120_000);
  await done;
  clearTimeout(deadline);
  await consumer.stop();
  const seconds = Math.max(1e-6, (lastEndMs - (firstStartMs ?? lastEndMs)) / 1000);
  return { eventsPerSecond: applied / seconds, measured: applied };
}

async function floorRate(
  stack: Awaited<ReturnType<typeof openBenchStack>>,
  events: readonly BetEventSpec[],
  batchSize: number,
): Promise<number> {
  const { database } = stack.runtime;
  const timeZone = stack.runtime.ladders.parse(
    0,
    (await stack.runtime.ladders.current(stack.runtime.store.ladders)).document,
  ).ladder.timeZone;
  const parsed = events.map(
    (event) =>
      JSON.parse(event.json) as {
        betId: string;
        userId: string;
        gameId: string;
        periodId: string;
        amount: string;
        placedAt: number;
      },
  );
  const startedMs = performance.now();
  for (let start = 0; start < parsed.length; start += batchSize) {
    const chunk = parsed.slice(start, start + batchSize);
    const nowMs = Date.now();
    await database.transaction(async (trx) => {
      const rows = chunk.map((bet) => {
        const parsedAmount = parseAmountMinor(bet.amount);
        invariant(parsedAmount.ok, `bench workload amount ${bet.amount} parses`);
        const amountMinor = parsedAmount.value;
        return { ...bet, amountMinor, day: dayNumberOf(bet.placedAt, timeZone) };
      });
      await insertRows(
        database,
        trx,
        'bets',
        betColumns,
        rows.map((bet) => [
          bet.betId,
          bet.userId,
          bet.gameId,
          bet.periodId,
          bet.amountMinor,
          bet.placedAt,
          bet.day,
          null,
          nowMs,
        ]),
        '',
      );
      const days = new Map<string, [string, number, bigint, number]>();
      const totals = new Map<string, [string, bigint, number]>();
      for (const bet of rows) {
        const key = `${bet.userId}:${bet.day}`;
        const day = days.get(key) ?? [bet.userId, bet.day, 0n, 0];
        days.set(key, [bet.userId, bet.day, day[2] + bet.amountMinor, day[3] + 1]);
        const total = totals.get(bet.userId) ?? [bet.userId, 0n, 0];
        totals.set(bet.userId, [bet.userId, total[1] + bet.amountMinor, total[2] + 1]);
      }
      await insertRows(
        database,
        trx,
        'metric_days',
        ['user_id', 'day', 'turnover_minor', 'bet_count'],
        [...days.values()],
        database.dialect.renderUpsertTail(['user_id', 'day'], ['turnover_minor', 'bet_count'], []),
      );
      await insertRows(
        database,
        trx,
        'user_totals',
        ['user_id', 'turnover_minor', 'bet_count'],
        [...totals.values()],
        database.dialect.renderUpsertTail(['user_id'], ['turnover_minor', 'bet_count'], []),
      );
    });
  }
  return parsed.length / ((performance.now() - startedMs) / 1000);
}

export async function runIngestBench(
  services: BenchServices,
  options: IngestBenchOptions,
  log: (message: string) => void,
): Promise<IngestBenchResult> {
  const events = betEvents(options.events, options.users, options.seed, Date.now() - options.events);
  const batch = { TIERNET_INGEST_MAX_BATCH: String(options.batchSize) };

  log(`ingest: floor (raw batched insert of ${events.length} bets and their metric rows)`);
  const floorStack = await openBenchStack(services, 'floor', batch);
  let floor: number;
  try {
    floor = await floorRate(floorStack, events, options.batchSize);
  } finally {
    await floorStack.dispose();
  }

  log(`ingest: pipeline (Kafka -> tiernet -> MariaDB, ${events.length} events)`);
  const pipelineStack = await openBenchStack(services, 'pipeline', batch);
  let pipeline: { eventsPerSecond: number; measured: number };
  try {
    await produceAll(pipelineStack, events);
    pipeline = await consumeRate(pipelineStack, events.length, options.batchSize, 30 * 60_000);
  } finally {
    await pipelineStack.dispose();
  }

  log(`ingest: one transaction per event (time-boxed to ${options.perEventTimeBoxMs} ms)`);
  const perEventStack = await openBenchStack(services, 'perevent', batch);
  let perEvent: { eventsPerSecond: number; measured: number };
  try {
    await produceAll(perEventStack, events.slice(0, options.perEventEvents));
    perEvent = await consumeRate(perEventStack, options.perEventEvents, 1, options.perEventTimeBoxMs);
  } finally {
    await perEventStack.dispose();
  }

  return {
    events: events.length,
    pipelineEventsPerSecond: Math.round(pipeline.eventsPerSecond),
    floorEventsPerSecond: Math.round(floor),
    perEventEventsPerSecond: Math.round(perEvent.eventsPerSecond),
    perEventEventsMeasured: perEvent.measured,
    ratioToFloor: pipeline.eventsPerSecond / floor,
    ratioToPerEvent: pipeline.eventsPerSecond / perEvent.eventsPerSecond,
  };
}
