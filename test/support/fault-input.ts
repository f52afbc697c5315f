// Platform input for the fault tests that drive `tiernet serve` over real Kafka: a seeded agent
// tree, bets over a few periods, voids and period closes as DESIGN §2 events with their keys,
// what the metrics must add up to, and the per-bet rebate reference for the periods. Plus
// the Kafka chores those tests share: producing in chunks, reading a topic to its end, a
// group's lag, waiting for a group to be empty and moving it back to offset 0.
import { Kafka, logLevel, type Admin, type IHeaders } from 'kafkajs';
import { referenceSettle, type ReferenceSettlement } from './rebate-reference.ts';
import { seededRandom } from './settlement-world.ts';

export interface InputShape {
  readonly users: number;
  readonly bets: number;
  readonly periods: number;
  /** Bets voided before their period closes. */
  readonly voids: number;
  readonly seed: number;
  /** Bettor choice: 1 is uniform; above 1 a few users place most bets (user i by u^skew). */
  readonly bettorSkew?: number;
  /** Event time of the first event; keep it near now so no VIP boundary falls inside a test. */
  readonly t0Ms: number;
  readonly gameId?: string;
}

export interface InputMessage {
  readonly key: string;
  readonly value: string;
}

export interface PlatformInput {
  readonly gameId: string;
  readonly userIds: readonly string[];
  readonly parent: readonly number[];
  readonly ratePpm: readonly number[];
  /** user.registered, parents before children (they may still be applied out of order across partitions). */
  readonly registrations: readonly InputMessage[];
  readonly bets: readonly InputMessage[];
  /** bet.voided keyed by the bettor, so each void shares its bet's partition and follows it. */
  readonly voids: readonly InputMessage[];
  readonly closes: readonly InputMessage[];
  readonly betRows: readonly { betId: string; bettor: number; amountMinor: bigint; period: number; voided: boolean }[];
  /** userId -> turnover and bet count once every bet and void is applied. */
  readonly expectedTotals: ReadonlyMap<string, { turnoverMinor: bigint; betCount: number }>;
}

export function formatAmount(amountMinor: bigint): string {
  const whole = amountMinor / 10_000n;
  const fraction = (amountMinor % 10_000n).toString().padStart(4, '0');
  return `${whole}.${fraction}`;
}

export function buildPlatformInput(shape: InputShape): PlatformInput {
  const next = seededRandom(shape.seed);
  const gameId = shape.gameId ?? 'ssc';
  const idBase = 500_000 + shape.seed * 10_000;
  const userIds: string[] = [];
  const parent: number[] = [];
  const ratePpm: number[] = [];
  const registrations: InputMessage[] = [];
  for (let node = 0; node < shape.users; node += 1) {
    const parentNode = node === 0 || next() < 0.1 ? -1 : Math.floor(next() * node);
    const rate = Math.floor(next() * ((parentNode < 0 ? 100_000 : ratePpm[parentNode]!) + 1));
    const userId = String(idBase + node);
    userIds.push(userId);
    parent.push(parentNode);
    ratePpm.push(rate);
    registrations.push({
      key: userId,
      value: JSON.stringify({
        type: 'user.registered',
        userId,
        ...(parentNode < 0 ? {} : { parentId: userIds[parentNode] }),
        rebateRate: (rate / 1_000_000).toFixed(6),
        registeredAt: shape.t0Ms - 86_400_000 + node,
      }),
    });
  }
  const betRows: { betId: string; bettor: number; amountMinor: bigint; period: number; voided: boolean }[] = [];
  const bets: InputMessage[] = [];
  for (let index = 0; index < shape.bets; index += 1) {
    const bettor = Math.floor(next() ** (shape.bettorSkew ?? 1) * shape.users);
    const amountMinor = BigInt(1 + Math.floor(next() * 5_000_000));
    const period = Math.floor(next() * shape.periods);
    const betId = String(idBase * 100 + index);
    betRows.push({ betId, bettor, amountMinor, period, voided: false });
    bets.push({
      key: userIds[bettor]!,
      value: JSON.stringify({
        type: 'bet.placed',
        betId,
        userId: userIds[bettor],
        gameId,
        periodId: `p${period}`,
        amount: formatAmount(amountMinor),
        placedAt: new Date(shape.t0Ms + index * 10).toISOString(),
      }),
    });
  }
  const voids: InputMessage[] = [];
  for (let index = 0; index < Math.min(shape.voids, shape.bets); index += 1) {
    // Every k-th bet, so the voided set is spread over users and periods without repeats.
    const row = betRows[Math.floor((index * shape.bets) / Math.min(shape.voids, shape.bets))]!;
    row.voided = true;
    voids.push({
      key: userIds[row.bettor]!,
      value: JSON.stringify({
        type: 'bet.voided',
        betId: row.betId,
        voidedAt: new Date(shape.t0Ms + shape.bets * 10 + index).toISOString(),
      }),
    });
  }
  const closes = Array.from({ length: shape.periods }, (_, period) => ({
    key: gameId,
    value: JSON.stringify({
      type: 'period.closed',
      gameId,
      periodId: `p${period}`,
      closedAt: new Date(shape.t0Ms + shape.bets * 10 + 60_000).toISOString(),
    }),
  }));
  const input = { gameId, userIds, parent, ratePpm, registrations, bets, voids, closes, betRows };
  return { ...input, expectedTotals: totalsOf(input, countedBets(input)) };
}

/**
 * The bets that count when only the first `betsProduced` bets were sent (a stream stopped early)
 * and `voided` names the voids sent: by default all of the input with its own voids.
 */
export function countedBets(
  input: Pick<PlatformInput, 'betRows'>,
  betsProduced: number = input.betRows.length,
  voided?: ReadonlySet<string>,
): PlatformInput['betRows'] {
  return input.betRows
    .slice(0, betsProduced)
    .filter((row) => (voided === undefined ? !row.voided : !voided.has(row.betId)));
}

/** userId -> turnover and bet count of `bets` (users without a counted bet are absent). */
export function totalsOf(
  input: Pick<PlatformInput, 'userIds'>,
  bets: PlatformInput['betRows'],
): Map<string, { turnoverMinor: bigint; betCount: number }> {
  const totals = new Map<string, { turnoverMinor: bigint; betCount: number }>();
  for (const row of bets) {
    const userId = input.userIds[row.bettor]!;
    const total = totals.get(userId) ?? { turnoverMinor: 0n, betCount: 0 };
    totals.set(userId, { turnoverMinor: total.turnoverMinor + row.amountMinor, betCount: total.betCount + 1 });
  }
  return totals;
}

/** The per-bet reference over `bets` (differential, self rebate, nobody capped). */
export function inputReference(
  input: Pick<PlatformInput, 'parent' | 'ratePpm' | 'betRows'>,
  bets = countedBets(input),
): ReferenceSettlement {
  return referenceSettle(
    {
      parent: input.parent,
      ratePpm: input.ratePpm,
      eligible: input.parent.map(() => true),
      capMinor: input.parent.map(() => null),
    },
    bets.map((row) => ({ bettor: row.bettor, amountMinor: row.amountMinor })),
    { model: 'differential', selfRebate: true },
  );
}

// ---- Kafka chores ----

export function testKafka(brokers: readonly string[], clientId: string): Kafka {
  return new Kafka({ clientId, brokers: [...brokers], connectionTimeout: 3_000, logLevel: logLevel.NOTHING });
}

const produceChunk = 500;

export async function produceAll(kafka: Kafka, topic: string, messages: readonly InputMessage[]): Promise<void> {
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  try {
    for (let start = 0; start < messages.length; start += produceChunk) {
      await producer.send({ topic, acks: -1, messages: messages.slice(start, start + produceChunk) });
    }
  } finally {
    await producer.disconnect();
  }
}

export interface ReadMessage {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly key: string | null;
  readonly value: string | null;
  readonly headers: Readonly<Record<string, string>>;
}

/** Every message of `topic` from the log start to the high watermark at the time of the call. */
export async function readTopicToEnd(kafka: Kafka, topic: string, groupId: string, timeoutMs = 60_000) {
  const admin = kafka.admin();
  await admin.connect();
  const ends = await admin.fetchTopicOffsets(topic).finally(() => admin.disconnect());
  const wanted = new Map(
    ends.filter((end) => Number(end.high) > Number(end.low)).map((end) => [end.partition, Number(end.high)]),
  );
  const total = ends.reduce((sum, end) => sum + Number(end.high) - Number(end.low), 0);
  const messages: ReadMessage[] = [];
  if (total === 0) return messages;
  const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 200 });
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    let finished: () => void = () => undefined;
    const done = new Promise<void>((resolve) => (finished = resolve));
    const reached = new Set<number>();
    await consumer.run({
      autoCommit: false,
      eachMessage: async ({ partition, message }) => {
        const high = wanted.get(partition);
        if (high === undefined || Number(message.offset) >= high) return;
        messages.push({
          topic,
          partition,
          offset: message.offset,
          key: message.key?.toString('utf8') ?? null,
          value: message.value?.toString('utf8') ?? null,
          headers: headerText(message.headers),
        });
        if (Number(message.offset) === high - 1) reached.add(partition);
        if (reached.size === wanted.size) finished();
      },
    });
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      done,
      new Promise((_resolve, reject) => {
        timer = setTimeout(
          () => reject(new Error(`reading ${topic}: ${messages.length}/${total} within ${timeoutMs} ms`)),
          timeoutMs,
        );
      }),
    ]).finally(() => clearTimeout(timer));
  } finally {
    await consumer.disconnect();
  }
  return messages.sort((a, b) => a.partition - b.partition || Number(a.offset) - Number(b.offset));
}

function headerText(headers: IHeaders | undefined): Record<string, string> {
  const text: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    const first = Array.isArray(value) ? value[0] : value;
    if (first !== undefined) text[name] = first.toString();
  }
  return text;
}

/** Messages between the group's committed offsets and the ends of `topics` (no commit yet counts from the log start). */
export async function groupLag(admin: Admin, groupId: string, topics: readonly string[]): Promise<number> {
  let lag = 0;
  for (const topic of topics) {
    const [committed, ends] = await Promise.all([
      admin.fetchOffsets({ groupId, topics: [topic] }),
      admin.fetchTopicOffsets(topic),
    ]);
    const committedBy = new Map(
      committed.flatMap((entry) => entry.partitions.map((p) => [p.partition, Number(p.offset)])),
    );
    for (const end of ends) {
      const offset = committedBy.get(end.partition) ?? -1;
      lag += Number(end.high) - (offset >= 0 ? offset : Number(end.low));
    }
  }
  return lag;
}

export async function groupState(admin: Admin, groupId: string): Promise<{ state: string; members: number }> {
  const { groups } = await admin.describeGroups([groupId]);
  const group = groups[0];
  return { state: group?.state ?? 'Dead', members: group?.members.length ?? 0 };
}

/** Sets the (inactive) group's committed offset of every partition of every topic to 0. */
export async function resetGroupToZero(admin: Admin, groupId: string, topics: readonly string[]): Promise<void> {
  for (const topic of topics) {
    const ends = await admin.fetchTopicOffsets(topic);
    await admin.setOffsets({
      groupId,
      topic,
      partitions: ends.map((end) => ({ partition: end.partition, offset: '0' })),
    });
  }
}
