// Ingest benchmark (DESIGN §8): N bet events with Zipf users go from Kafka through the full
// pipeline to committed MariaDB state, compared in the same run with
//   (a) the floor: a raw batched INSERT of the same rows (bets, day buckets, lifetime totals)
//       into the same MariaDB, in transactions of the same batch size;
//   (b) the classic design: the same consumer with one transaction per event (batch size 1),
//       time-boxed on a prefix of the same events.
// The pipeline and the floor alternate in rounds over consecutive slices of the events (the
// order flipping each round), and the ratio is the median of the rounds' ratios: on a shared
// machine whose speed drifts minute to minute, two phases run a minute apart compared the
// drift, not the designs (0.24-0.74 for the same code in one afternoon). The first round
// warms up (JIT, buffer pool, and the pipeline's first sight of every user, which creates
// its row and VIP state) and is reported but left out of the ratio.
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
  /** Slices the pipeline and the floor alternate over (at least 2: the first warms up). */
  readonly rounds: number;
}

export interface IngestBenchResult {
  readonly events: number;
  readonly pipelineEventsPerSecond: number;
  readonly floorEventsPerSecond: number;
  readonly perEventEventsPerSecond: number;
  readonly perEventEventsMeasured: number;
  /** Median of the rounds' pipeline/floor ratios, the warm-up round left out. */
  readonly ratioToFloor: number;
  readonly ratioToPerEvent: number;
  readonly rounds: readonly {
    readonly pipelineEventsPerSecond: number;
    readonly floorEventsPerSecond: number;
    readonly ratio: number;
  }[];
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
  const rounds = Math.max(1, Math.floor(options.rounds));
  const sliceSize = Math.ceil(events.length / rounds);

  log(
    `ingest: pipeline (Kafka -> tiernet -> MariaDB) and floor (raw batched insert), ${rounds} alternating rounds of ${sliceSize} events`,
  );
  const floorStack = await openBenchStack(services, 'floor', batch);
  const roundResults: IngestBenchResult['rounds'][number][] = [];
  let pipelineEvents = 0;
  let pipelineSeconds = 0;
  let floorSeconds = 0;
  try {
    const pipelineStack = await openBenchStack(services, 'pipeline', batch);
    try {
      for (let round = 0; round < rounds; round += 1) {
        const slice = events.slice(round * sliceSize, (round + 1) * sliceSize);
        if (slice.length === 0) break;
        const runFloor = async (): Promise<number> => floorRate(floorStack, slice, options.batchSize);
        const runPipeline = async (): Promise<{ eventsPerSecond: number; measured: number }> => {
          await produceAll(pipelineStack, slice);
          return consumeRate(pipelineStack, slice.length, options.batchSize, 30 * 60_000);
        };
        // Flip the order each round so a steady drift in machine speed favours neither side.
        let floor: number;
        let pipeline: { eventsPerSecond: number; measured: number };
        if (round % 2 === 0) {
          floor = await runFloor();
          pipeline = await runPipeline();
        } else {
          pipeline = await runPipeline();
          floor = await runFloor();
        }
        pipelineEvents += pipeline.measured;
        pipelineSeconds += pipeline.measured / pipeline.eventsPerSecond;
        floorSeconds += slice.length / floor;
        roundResults.push({
          pipelineEventsPerSecond: Math.round(pipeline.eventsPerSecond),
          floorEventsPerSecond: Math.round(floor),
          ratio: pipeline.eventsPerSecond / floor,
        });
        log(
          `ingest: round ${round + 1}: pipeline ${Math.round(pipeline.eventsPerSecond)} ev/s, floor ${Math.round(floor)} ev/s`,
        );
      }
    } finally {
      await pipelineStack.dispose();
    }
  } finally {
    await floorStack.dispose();
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

  const pipelineRate = pipelineEvents / pipelineSeconds;
  return {
    events: events.length,
    pipelineEventsPerSecond: Math.round(pipelineRate),
    floorEventsPerSecond: Math.round(events.length / floorSeconds),
    perEventEventsPerSecond: Math.round(perEvent.eventsPerSecond),
    perEventEventsMeasured: perEvent.measured,
    ratioToFloor: median(roundResults.slice(roundResults.length > 1 ? 1 : 0).map((round) => round.ratio)),
    ratioToPerEvent: pipelineRate / perEvent.eventsPerSecond,
    rounds: roundResults,
  };
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}
