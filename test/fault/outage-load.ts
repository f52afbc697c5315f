// The steady load of test/fault/outage-load.test.ts and the state it implies. The load plays
// a betting platform: bets (and a few voids of earlier bets) on the bets topic, a period
// closed every `periodTicks` ticks on the periods topic, sent batch by batch, each batch
// resent until the broker acknowledges it (so a Kafka restart pauses the platform, as its own
// producer would, and may deliver a batch twice). The expected state is computed from what
// was acknowledged, in the order it was sent, without any of the service's code.
import type { Producer } from 'kafkajs';
import { seededRandom } from '../support/settlement-world.ts';
import type { ReferenceTree } from '../support/rebate-reference.ts';

export const minorPerUnit = 10_000n;
export const loadGameId = 'ssc';

export interface LoadUser {
  readonly userId: string;
  readonly parentId: string | null;
  /** Multiple of 100 ppm: with whole-unit amounts every rebate is an exact minor amount. */
  readonly ratePpm: number;
  /** Scales this user's bet amounts; a few whales reach the top tier. */
  readonly stakeFactor: number;
}

/** Users 1001.. with parents registered before children; rates never exceed the parent's. */
export function buildUsers(count: number, seed: number): LoadUser[] {
  const random = seededRandom(seed);
  const users: LoadUser[] = [];
  for (let index = 0; index < count; index += 1) {
    const isRoot = index < 3;
    const parentIndex = isRoot ? -1 : Math.floor(random() * index);
    const parent = parentIndex >= 0 ? users[parentIndex] : undefined;
    const parentRatePpm = parent?.ratePpm ?? 60_000;
    const ratePpm = Math.max(0, parentRatePpm - 100 * Math.floor(random() * 60));
    users.push({
      userId: String(1001 + index),
      parentId: parent?.userId ?? null,
      ratePpm,
      stakeFactor: random() < 0.05 ? 8 : 1,
    });
  }
  return users;
}

export function registrationEvents(users: readonly LoadUser[], registeredAtMs: number): Record<string, unknown>[] {
  return users.map((user) => ({
    type: 'user.registered',
    userId: user.userId,
    ...(user.parentId === null ? {} : { parentId: user.parentId }),
    rebateRate: (user.ratePpm / 1_000_000).toFixed(6),
    registeredAt: registeredAtMs,
  }));
}

export function referenceTreeOf(users: readonly LoadUser[]): ReferenceTree {
  const indexOf = new Map(users.map((user, index) => [user.userId, index]));
  return {
    parent: users.map((user) => (user.parentId === null ? -1 : (indexOf.get(user.parentId) ?? -1))),
    ratePpm: users.map((user) => user.ratePpm),
    eligible: users.map(() => true),
    capMinor: users.map(() => null),
  };
}

/** DESIGN §3's default ladder: lifetime turnover (30-day turnover is the same here: every bet is recent). */
const ladderThresholdsMinor: readonly (readonly [level: number, turnoverMinor: bigint])[] = [
  [3, 200_000n * minorPerUnit],
  [2, 50_000n * minorPerUnit],
  [1, 10_000n * minorPerUnit],
];

export function ladderLevelOf(turnoverMinor: bigint): number {
  for (const [level, threshold] of ladderThresholdsMinor) if (turnoverMinor >= threshold) return level;
  return 0;
}

interface SentBet {
  readonly betId: string;
  readonly userId: string;
  readonly amountMinor: bigint;
  voided: boolean;
}

export interface ExpectedUser {
  turnoverMinor: bigint;
  betCount: number;
  level: number;
  /** Every promotion in order, as "from->to". */
  readonly promotions: string[];
}

export interface LoadTopics {
  readonly bets: string;
  readonly periods: string;
}

export interface LoadOptions {
  readonly producer: Producer;
  readonly topics: LoadTopics;
  readonly users: readonly LoadUser[];
  readonly betsPerTick: number;
  readonly tickMs: number;
  readonly periodTicks: number;
  /** Chance per tick of voiding one earlier bet. */
  readonly voidChancePerTick: number;
  readonly seed: number;
  /** Longest one batch is resent before the load gives up (a bound, far above any outage here). */
  readonly sendDeadlineMs: number;
}

export class BetLoad {
  readonly #options: LoadOptions;
  readonly #random: () => number;
  readonly #bets: SentBet[] = [];
  readonly #expected = new Map<string, ExpectedUser>();
  readonly #closedPeriods: string[] = [];
  readonly #badQueue: string[] = [];
  readonly #badSent: string[] = [];
  #nextBetId = 1;
  #tick = 0;
  #periodIndex = 1;
  #running = false;
  #loop: Promise<void> | null = null;
  #failure: unknown = null;
  #sendRetries = 0;
  #longestSendMs = 0;

  constructor(options: LoadOptions) {
    this.#options = options;
    this.#random = seededRandom(options.seed);
    for (const user of options.users)
      this.#expected.set(user.userId, { turnoverMinor: 0n, betCount: 0, level: 0, promotions: [] });
  }

  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#loop = this.#run().catch((error: unknown) => {
      this.#failure = error;
      this.#running = false;
    });
  }

  /** Stops after the batch in flight and closes the last open period. */
  async stop(): Promise<void> {
    this.#running = false;
    await this.#loop;
    this.throwIfFailed();
    await this.#sendUntilAcknowledged([this.#closeMessage(this.#currentPeriodId())]);
    this.#closedPeriods.push(this.#currentPeriodId());
    this.#periodIndex += 1;
  }

  throwIfFailed(): void {
    if (this.#failure !== null)
      throw new Error(`the load failed: ${this.#failure instanceof Error ? this.#failure.message : 'unknown error'}`, {
        cause: this.#failure,
      });
  }

  /** Sends `text` on the bets topic with the next batch: a malformed event the DLQ must take. */
  injectMalformed(text: string): void {
    this.#badQueue.push(text);
  }

  /** Distinct bets the broker has acknowledged so far. */
  get acknowledgedBets(): number {
    return this.#bets.length;
  }

  get acknowledgedVoids(): number {
    return this.#bets.filter((bet) => bet.voided).length;
  }

  get closedPeriods(): readonly string[] {
    return this.#closedPeriods;
  }

  get malformedSent(): readonly string[] {
    return this.#badSent;
  }

  get sendRetries(): number {
    return this.#sendRetries;
  }

  get longestSendMs(): number {
    return this.#longestSendMs;
  }

  expectedUsers(): ReadonlyMap<string, ExpectedUser> {
    return this.#expected;
  }

  /** Bets still standing, for the rebate reference (voided ones are out of every settlement in sum). */
  standingBets(): { userId: string; amountMinor: bigint }[] {
    return this.#bets.filter((bet) => !bet.voided).map(({ userId, amountMinor }) => ({ userId, amountMinor }));
  }

  #currentPeriodId(): string {
    return `p${String(this.#periodIndex).padStart(5, '0')}`;
  }

  #closeMessage(periodId: string): { topic: string; key: string; value: string } {
    return {
      topic: this.#options.topics.periods,
      key: loadGameId,
      value: JSON.stringify({ type: 'period.closed', gameId: loadGameId, periodId, closedAt: Date.now() }),
    };
  }

  async #run(): Promise<void> {
    const { tickMs } = this.#options;
    while (this.#running) {
      const startedMs = Date.now();
      await this.#sendTick();
      const restMs = tickMs - (Date.now() - startedMs);
      if (restMs > 0) await new Promise((resolve) => setTimeout(resolve, restMs));
    }
  }

  async #sendTick(): Promise<void> {
    const { users, betsPerTick, topics } = this.#options;
    const nowMs = Date.now();
    const periodId = this.#currentPeriodId();
    const newBets: SentBet[] = [];
    const messages: { topic: string; key: string; value: string }[] = [];
    for (let index = 0; index < betsPerTick; index += 1) {
      const user = users[Math.floor(this.#random() * users.length)]!;
      const units = BigInt((1 + Math.floor(this.#random() * 500)) * user.stakeFactor);
      const bet: SentBet = {
        betId: String(this.#nextBetId),
        userId: user.userId,
        amountMinor: units * minorPerUnit,
        voided: false,
      };
      this.#nextBetId += 1;
      newBets.push(bet);
      messages.push({
        topic: topics.bets,
        key: bet.userId,
        value: JSON.stringify({
          type: 'bet.placed',
          betId: bet.betId,
          userId: bet.userId,
          gameId: loadGameId,
          periodId,
          amount: units.toString(),
          placedAt: nowMs,
        }),
      });
    }
    // Voids only of bets acknowledged in earlier batches: per user, the void follows its bet.
    let voided: SentBet | null = null;
    if (this.#bets.length > 0 && this.#random() < this.#options.voidChancePerTick) {
      const candidate = this.#bets[Math.floor(this.#random() * this.#bets.length)]!;
      if (!candidate.voided) {
        voided = candidate;
        messages.push({
          topic: topics.bets,
          key: candidate.userId,
          value: JSON.stringify({ type: 'bet.voided', betId: candidate.betId, voidedAt: nowMs }),
        });
      }
    }
    const bad = this.#badQueue.splice(0);
    for (const text of bad) messages.push({ topic: topics.bets, key: 'malformed', value: text });
    this.#tick += 1;
    const closes = this.#tick % this.#options.periodTicks === 0;
    if (closes) messages.push(this.#closeMessage(periodId));

    await this.#sendUntilAcknowledged(messages);

    // Acknowledged: now it is part of the input, in this order.
    for (const bet of newBets) {
      this.#bets.push(bet);
      const expected = this.#expected.get(bet.userId)!;
      expected.turnoverMinor += bet.amountMinor;
      expected.betCount += 1;
      const target = ladderLevelOf(expected.turnoverMinor);
      if (target > expected.level) {
        expected.promotions.push(`${expected.level}->${target}`);
        expected.level = target;
      }
    }
    if (voided !== null) {
      voided.voided = true;
      const expected = this.#expected.get(voided.userId)!;
      // A void takes the bet out of every metric and never demotes (DESIGN §3).
      expected.turnoverMinor -= voided.amountMinor;
      expected.betCount -= 1;
    }
    this.#badSent.push(...bad);
    if (closes) {
      this.#closedPeriods.push(periodId);
      this.#periodIndex += 1;
    }
  }

  async #sendUntilAcknowledged(messages: readonly { topic: string; key: string; value: string }[]): Promise<void> {
    const byTopic = new Map<string, { key: string; value: string }[]>();
    for (const message of messages) {
      const list = byTopic.get(message.topic) ?? [];
      list.push({ key: message.key, value: message.value });
      byTopic.set(message.topic, list);
    }
    const startedMs = Date.now();
    for (let attempt = 0; ; attempt += 1) {
      try {
        await this.#options.producer.sendBatch({
          acks: -1,
          topicMessages: [...byTopic].map(([topic, list]) => ({ topic, messages: list })),
        });
        this.#longestSendMs = Math.max(this.#longestSendMs, Date.now() - startedMs);
        return;
      } catch (error) {
        if (Date.now() - startedMs > this.#options.sendDeadlineMs) throw error;
        this.#sendRetries += 1;
        await new Promise((resolve) => setTimeout(resolve, Math.min(2_000, 100 * 2 ** Math.min(attempt, 5))));
      }
    }
  }
}
