// A synthetic betting platform for `tiernet demo`: an agent forest with a very deep chain,
// bettors with Zipf-skewed activity, several games whose periods close every few seconds,
// and occasional voids. Pure and seeded: no I/O, no clock (times are derived from
// `startMs` and a step counter), no Math.random. Two generators built with the same options
// produce the same records in the same order.
//
// The stream comes in three phases the caller drives in order:
//   1. registrations(): every user, parents strictly before their children;
//   2. historyHours(): `historyDays` of past activity, one array per hour, hourly periods;
//   3. liveStep(): one step (`stepMs`) of live activity at a time, from `startMs` on.
import { invariant } from '../../domain/assert.ts';
import { formatMinor, minorPerUnit } from '../../domain/money.ts';
import { formatPpm } from '../../domain/rate.ts';
import { SeededRandom } from './seeded-random.ts';
import { ZipfSampler } from './zipf-sampler.ts';

export type DemoTopic = 'users' | 'bets' | 'periods';

export interface UserRegisteredEvent {
  readonly type: 'user.registered';
  readonly userId: string;
  readonly parentId: string | null;
  readonly rebateRate: string;
  readonly registeredAt: string;
  readonly tags?: readonly string[];
}

export interface BetPlacedEvent {
  readonly type: 'bet.placed';
  readonly betId: string;
  readonly userId: string;
  readonly gameId: string;
  readonly periodId: string;
  readonly amount: string;
  readonly placedAt: string;
}

export interface BetVoidedEvent {
  readonly type: 'bet.voided';
  readonly betId: string;
  readonly voidedAt: string;
}

export interface PeriodClosedEvent {
  readonly type: 'period.closed';
  readonly gameId: string;
  readonly periodId: string;
  readonly closedAt: string;
}

export type DemoEvent = UserRegisteredEvent | BetPlacedEvent | BetVoidedEvent | PeriodClosedEvent;

/** One event with the topic it belongs on and its message key (DESIGN §2: userId, or gameId for periods). */
export interface DemoRecord {
  readonly topic: DemoTopic;
  readonly key: string;
  readonly event: DemoEvent;
}

export interface DemoGame {
  readonly gameId: string;
  readonly name: string;
  /** Live period length; divides a day, so periods are aligned to local midnight. */
  readonly livePeriodMs: number;
  /** Relative share of bets. */
  readonly popularity: number;
}

export const demoGames: readonly DemoGame[] = [
  { gameId: 'ssc', name: 'Shishicai', livePeriodMs: 6_000, popularity: 35 },
  { gameId: 'pk10', name: 'PK10', livePeriodMs: 4_000, popularity: 30 },
  { gameId: 'k3', name: 'Kuai 3', livePeriodMs: 8_000, popularity: 20 },
  { gameId: 'lotto', name: '11x5', livePeriodMs: 10_000, popularity: 15 },
];

export interface DemoPlatformOptions {
  readonly seed: number;
  /** Users of the agent forest (agents and players). */
  readonly users: number;
  /** Ancestors above the deepest user of the chain: the chain has chainDepth + 1 users. */
  readonly chainDepth: number;
  /** Where live time starts; history lies before it. */
  readonly startMs: number;
  readonly historyDays: number;
  /** Average history bets per forest user; Zipf skew makes a few users place most of them. */
  readonly historyBetsPerUser: number;
  readonly liveBetsPerSecond: number;
  readonly liveNewUsersPerMinute: number;
  readonly stepMs: number;
  /** Share of bets voided later. */
  readonly voidShare: number;
  readonly zipfExponent: number;
}

export const demoDefaults = {
  users: 20_000,
  chainDepth: 10_000,
  historyDays: 21,
  historyBetsPerUser: 4,
  liveBetsPerSecond: 200,
  liveNewUsersPerMinute: 12,
  stepMs: 250,
  voidShare: 0.004,
  zipfExponent: 0.9,
} as const;

export const demoBounds = {
  usersMax: 1_000_000,
  chainDepthMax: 200_000,
  historyDaysMax: 90,
  historyBetsPerUserMax: 100,
  liveBetsPerSecondMax: 20_000,
} as const;

export interface DemoPlatformSummary {
  readonly forestUsers: number;
  readonly agentRootIds: readonly string[];
  readonly chainRootId: string;
  readonly chainDeepestId: string;
  readonly chainDepth: number;
  /** The heaviest bettors, heaviest first: good users to look at in the console. */
  readonly heavyBettorIds: readonly string[];
  /** A few sub-agents with a downline, for the agent explorer. */
  readonly sampleAgentIds: readonly string[];
  readonly games: readonly DemoGame[];
}

export interface DemoCounters {
  registrations: number;
  bets: number;
  voids: number;
  periodsClosed: number;
}

const dayMs = 86_400_000;
const hourMs = 3_600_000;
/** The demo ladder's time zone (Asia/Shanghai) has no daylight saving: a fixed offset is exact. */
const zoneOffsetMs = 8 * hourMs;
const forestFirstId = 100_001;
const chainFirstId = 90_000_001;
const firstBetId = 1_000_000_001;
const registrationSpanMs = 400 * dayMs;
const stakesUnits = [2, 5, 10, 20, 50, 100, 200, 500, 1_000, 2_000, 5_000] as const;
const stakeMultipliers = [1, 1, 1, 2, 3, 5] as const;
const rootRatesPpm = [80_000, 85_000, 90_000, 95_000, 100_000] as const;
const playerRatesPpm = [0, 1_000, 2_000, 3_000, 5_000] as const;
const chainRootRatePpm = 90_000;
/** Relative bet volume by local hour: quiet at dawn, busiest in the evening. */
const hourlyWeights = [6, 4, 3, 2, 2, 2, 3, 5, 7, 8, 9, 10, 11, 10, 10, 10, 11, 12, 14, 16, 18, 18, 15, 10] as const;
/** Bound on scheduled-but-not-yet-emitted events (voids, first bets of new users). */
const pendingMax = 1_000_000;

interface PendingVoid {
  readonly kind: 'void';
  readonly atMs: number;
  readonly order: number;
  readonly betId: string;
  readonly userId: string;
}

interface PendingBet {
  readonly kind: 'bet';
  readonly atMs: number;
  readonly order: number;
  readonly userId: string;
  readonly amountMinor: bigint;
  readonly gameIndex: number;
}

type Pending = PendingVoid | PendingBet;

/** A min-heap by (time, insertion order), so equal times keep a deterministic order. */
class PendingQueue {
  readonly #items: Pending[] = [];

  get size(): number {
    return this.#items.length;
  }

  push(item: Pending): void {
    invariant(this.#items.length < pendingMax, `demo pending queue passed ${pendingMax} items`);
    const items = this.#items;
    items.push(item);
    let index = items.length - 1;
    while (index > 0) {
      const parent = (index - 1) >> 1;
      if (!PendingQueue.#before(items[index] as Pending, items[parent] as Pending)) break;
      [items[index], items[parent]] = [items[parent] as Pending, items[index] as Pending];
      index = parent;
    }
  }

  peek(): Pending | undefined {
    return this.#items[0];
  }

  pop(): Pending | undefined {
    const items = this.#items;
    const top = items[0];
    const last = items.pop();
    if (top === undefined || last === undefined || items.length === 0) return top;
    items[0] = last;
    let index = 0;
    for (;;) {
      const left = index * 2 + 1;
      const right = left + 1;
      let smallest = index;
      if (left < items.length && PendingQueue.#before(items[left] as Pending, items[smallest] as Pending))
        smallest = left;
      if (right < items.length && PendingQueue.#before(items[right] as Pending, items[smallest] as Pending))
        smallest = right;
      if (smallest === index) break;
      [items[index], items[smallest]] = [items[smallest] as Pending, items[index] as Pending];
      index = smallest;
    }
    return top;
  }

  static #before(left: Pending, right: Pending): boolean {
    return left.atMs < right.atMs || (left.atMs === right.atMs && left.order < right.order);
  }
}

function isoOf(timeMs: number): string {
  return new Date(timeMs).toISOString();
}

/** "20261125" for the local (UTC+8) date of a time. */
function localDateOf(timeMs: number): string {
  const local = new Date(timeMs + zoneOffsetMs);
  const month = String(local.getUTCMonth() + 1).padStart(2, '0');
  const day = String(local.getUTCDate()).padStart(2, '0');
  return `${local.getUTCFullYear()}${month}${day}`;
}

function localMsOfDay(timeMs: number): number {
  const shifted = timeMs + zoneOffsetMs;
  return shifted - Math.floor(shifted / dayMs) * dayMs;
}

/** The live period a time falls in: "20261125-04810" (date and index of the period within the local day). */
function livePeriodIdOf(timeMs: number, periodMs: number): string {
  return `${localDateOf(timeMs)}-${String(Math.floor(localMsOfDay(timeMs) / periodMs)).padStart(5, '0')}`;
}

/** History periods last an hour: "20261104-h13". They never collide with live period ids. */
function historyPeriodIdOf(hourStartMs: number): string {
  return `${localDateOf(hourStartMs)}-h${String(Math.floor(localMsOfDay(hourStartMs) / hourMs)).padStart(2, '0')}`;
}

function checkOptions(options: DemoPlatformOptions): void {
  const integerIn = (name: string, value: number, low: number, high: number): void =>
    invariant(
      Number.isSafeInteger(value) && value >= low && value <= high,
      `demo option ${name} must be an integer in [${low}, ${high}], got ${value}`,
    );
  integerIn('seed', options.seed, 0, Number.MAX_SAFE_INTEGER);
  integerIn('users', options.users, 10, demoBounds.usersMax);
  integerIn('chainDepth', options.chainDepth, 1, demoBounds.chainDepthMax);
  integerIn('historyDays', options.historyDays, 0, demoBounds.historyDaysMax);
  integerIn('stepMs', options.stepMs, 10, 10_000);
  invariant(
    options.historyBetsPerUser >= 0 && options.historyBetsPerUser <= demoBounds.historyBetsPerUserMax,
    'historyBetsPerUser out of range',
  );
  invariant(
    options.liveBetsPerSecond >= 0 && options.liveBetsPerSecond <= demoBounds.liveBetsPerSecondMax,
    'liveBetsPerSecond out of range',
  );
  invariant(
    options.liveNewUsersPerMinute >= 0 && options.liveNewUsersPerMinute <= 6_000,
    'liveNewUsersPerMinute out of range',
  );
  invariant(options.voidShare >= 0 && options.voidShare <= 0.5, 'voidShare must be in [0, 0.5]');
  invariant(
    Number.isSafeInteger(options.startMs) && options.startMs > Date.UTC(2001, 0, 1),
    'startMs must be an epoch time in milliseconds',
  );
}

export class DemoPlatformGenerator {
  readonly options: DemoPlatformOptions;
  readonly counters: DemoCounters = { registrations: 0, bets: 0, voids: 0, periodsClosed: 0 };

  readonly #structure: SeededRandom;
  readonly #activity: SeededRandom;
  /** Forest users: index → parent index (-1 for a root), rate, registration time, agent flag. */
  readonly #parentIndex: Int32Array;
  readonly #ratePpm: Int32Array;
  readonly #isAgent: Uint8Array;
  readonly #tags: (readonly string[] | undefined)[];
  readonly #agentIndices: number[] = [];
  readonly #directCount: Uint32Array;
  /** Bettors: forest users first, then a sample of the chain. */
  readonly #bettorIds: string[] = [];
  readonly #bettorStakeIndex: Uint8Array;
  readonly #bettors: ZipfSampler;
  readonly #gameWeightTotal: number;
  readonly #pending = new PendingQueue();
  readonly #historyStartMs: number;
  readonly #historyHours: number;
  readonly #historyHourlyShare: Float64Array;
  #nextForestIndex: number;
  #nextBetId = firstBetId;
  #pendingOrder = 0;
  #liveCursorMs: number;

  constructor(options: DemoPlatformOptions) {
    checkOptions(options);
    this.options = options;
    this.#structure = new SeededRandom(options.seed);
    this.#historyStartMs = options.startMs - options.historyDays * dayMs;
    this.#historyHours = options.historyDays * 24;
    this.#liveCursorMs = options.startMs;

    const users = options.users;
    this.#parentIndex = new Int32Array(users);
    this.#ratePpm = new Int32Array(users);
    this.#isAgent = new Uint8Array(users);
    this.#directCount = new Uint32Array(users);
    this.#tags = new Array<readonly string[] | undefined>(users);
    this.#buildForest();
    this.#nextForestIndex = users;

    for (let index = 0; index < users; index++) this.#bettorIds.push(String(forestFirstId + index));
    for (let position = 0; position <= options.chainDepth; position++) {
      if (position % 50 === 0 || position === options.chainDepth) this.#bettorIds.push(String(chainFirstId + position));
    }
    this.#activity = new SeededRandom(this.#structure.nextUint32() + 1);
    // The deepest user of the chain bets steadily, so every settlement walks the whole chain.
    const deepestBettor = this.#bettorIds.length - 1;
    this.#bettors = new ZipfSampler(this.#bettorIds.length, options.zipfExponent, this.#structure, [
      { index: deepestBettor, rank: Math.min(deepestBettor, 30) },
    ]);
    this.#bettorStakeIndex = new Uint8Array(this.#bettorIds.length);
    for (let index = 0; index < this.#bettorIds.length; index++) {
      const rank = this.#bettors.rankOf[index] as number;
      const bonus = rank < 20 ? 6 : rank < 200 ? 4 : rank < 2_000 ? 2 : 0;
      this.#bettorStakeIndex[index] = Math.min(stakesUnits.length - 1, this.#structure.between(0, 3) + bonus);
    }
    this.#gameWeightTotal = demoGames.reduce((sum, game) => sum + game.popularity, 0);

    const share = new Float64Array(this.#historyHours);
    let weightTotal = 0;
    for (let hour = 0; hour < this.#historyHours; hour++) {
      const localHour = Math.floor(localMsOfDay(this.#historyStartMs + hour * hourMs) / hourMs);
      share[hour] = hourlyWeights[localHour] ?? 1;
      weightTotal += share[hour] as number;
    }
    for (let hour = 0; hour < this.#historyHours; hour++) share[hour] = (share[hour] as number) / weightTotal;
    this.#historyHourlyShare = share;
  }

  /** Where live time stands: the start of the next live step. */
  get liveCursorMs(): number {
    return this.#liveCursorMs;
  }

  get historyHourCount(): number {
    return this.#historyHours;
  }

  /** Forest users plus the chain. */
  get initialUserCount(): number {
    return this.options.users + this.options.chainDepth + 1;
  }

  summary(): DemoPlatformSummary {
    const rootCount = this.#rootAgentCount();
    const heavy: { id: string; rank: number }[] = [];
    for (let index = 0; index < this.#bettorIds.length; index++) {
      const rank = this.#bettors.rankOf[index] as number;
      if (rank < 10) heavy.push({ id: this.#bettorIds[index] as string, rank });
    }
    heavy.sort((left, right) => left.rank - right.rank);
    const sampleAgentIds: string[] = [];
    for (const index of this.#agentIndices) {
      if (sampleAgentIds.length >= 8) break;
      if (this.#parentIndex[index] !== -1 && (this.#directCount[index] as number) >= 3)
        sampleAgentIds.push(String(forestFirstId + index));
    }
    return {
      forestUsers: this.options.users,
      agentRootIds: Array.from({ length: rootCount }, (_, index) => String(forestFirstId + index)),
      chainRootId: String(chainFirstId),
      chainDeepestId: String(chainFirstId + this.options.chainDepth),
      chainDepth: this.options.chainDepth,
      heavyBettorIds: heavy.map((entry) => entry.id),
      sampleAgentIds,
      games: demoGames,
    };
  }

  /** Every initial user, parents before children, in arrays of at most `chunkSize`. */
  *registrations(chunkSize: number): Generator<DemoRecord[]> {
    invariant(Number.isSafeInteger(chunkSize) && chunkSize > 0, 'chunkSize must be a positive integer');
    let chunk: DemoRecord[] = [];
    const flush = (): DemoRecord[] => {
      const full = chunk;
      chunk = [];
      return full;
    };
    const users = this.options.users;
    const spanStartMs = this.#historyStartMs - registrationSpanMs;
    for (let index = 0; index < users; index++) {
      const parent = this.#parentIndex[index] as number;
      chunk.push(
        this.#registration(
          String(forestFirstId + index),
          parent === -1 ? null : String(forestFirstId + parent),
          this.#ratePpm[index] as number,
          spanStartMs + Math.floor((registrationSpanMs * index) / users),
          this.#tags[index],
        ),
      );
      if (chunk.length >= chunkSize) yield flush();
    }
    const chainUsers = this.options.chainDepth + 1;
    for (let position = 0; position < chainUsers; position++) {
      chunk.push(
        this.#registration(
          String(chainFirstId + position),
          position === 0 ? null : String(chainFirstId + position - 1),
          Math.floor((chainRootRatePpm * (chainUsers - position)) / chainUsers),
          spanStartMs + Math.floor((registrationSpanMs * position) / chainUsers),
          position === 0 ? ['agent', 'chain'] : ['chain'],
        ),
      );
      if (chunk.length >= chunkSize) yield flush();
    }
    if (chunk.length > 0) yield flush();
  }

  /** One array per history hour, oldest first: the hour's bets in time order, its voids, then its period closes. */
  *historyHours(): Generator<DemoRecord[]> {
    const totalBets = this.options.users * this.options.historyBetsPerUser;
    for (let hour = 0; hour < this.#historyHours; hour++) {
      const hourStartMs = this.#historyStartMs + hour * hourMs;
      const periodId = historyPeriodIdOf(hourStartMs);
      const count = this.#activity.poisson(totalBets * (this.#historyHourlyShare[hour] as number));
      const offsets: number[] = [];
      for (let bet = 0; bet < count; bet++) offsets.push(this.#activity.nextInt(hourMs));
      offsets.sort((left, right) => left - right);
      const records: DemoRecord[] = [];
      const voids: DemoRecord[] = [];
      for (const offsetMs of offsets) {
        const placedAtMs = hourStartMs + offsetMs;
        const bettor = this.#bettors.sample(this.#activity);
        const game = this.#pickGame();
        const bet = this.#bet(
          this.#bettorIds[bettor] as string,
          game.gameId,
          periodId,
          this.#amountMinorFor(bettor),
          placedAtMs,
        );
        records.push(bet);
        if (this.#activity.chance(this.options.voidShare)) {
          voids.push(
            this.#void(
              (bet.event as BetPlacedEvent).betId,
              bet.key,
              placedAtMs + this.#activity.between(60_000, 40 * 60_000),
            ),
          );
        }
      }
      records.push(...voids);
      for (const game of demoGames) records.push(this.#periodClosed(game.gameId, periodId, hourStartMs + hourMs));
      yield records;
    }
  }

  /** Live activity in [liveCursorMs, liveCursorMs + stepMs), in time order; advances the cursor. */
  liveStep(): DemoRecord[] {
    const fromMs = this.#liveCursorMs;
    const toMs = fromMs + this.options.stepMs;
    this.#liveCursorMs = toMs;
    const timed: { atMs: number; order: number; record: DemoRecord }[] = [];
    let order = 0;

    const newBets = this.#activity.poisson((this.options.liveBetsPerSecond * this.options.stepMs) / 1000);
    for (let bet = 0; bet < newBets; bet++) {
      const placedAtMs = fromMs + this.#activity.nextInt(this.options.stepMs);
      const bettor = this.#bettors.sample(this.#activity);
      this.#schedule({
        kind: 'bet',
        atMs: placedAtMs,
        order: 0,
        userId: this.#bettorIds[bettor] as string,
        amountMinor: this.#amountMinorFor(bettor),
        gameIndex: this.#pickGameIndex(),
      });
    }
    if (
      this.#activity.chance((this.options.liveNewUsersPerMinute * this.options.stepMs) / 60_000) &&
      this.#agentIndices.length > 0
    ) {
      const registeredAtMs = fromMs + this.#activity.nextInt(this.options.stepMs);
      const registration = this.#newLiveUser(registeredAtMs);
      timed.push({ atMs: registeredAtMs, order: order++, record: registration });
    }

    for (let popped = 0; popped < pendingMax; popped++) {
      const next = this.#pending.peek();
      if (next === undefined || next.atMs >= toMs) break;
      this.#pending.pop();
      if (next.kind === 'void') {
        timed.push({ atMs: next.atMs, order: order++, record: this.#void(next.betId, next.userId, next.atMs) });
        continue;
      }
      const game = demoGames[next.gameIndex] as DemoGame;
      const record = this.#bet(
        next.userId,
        game.gameId,
        livePeriodIdOf(next.atMs, game.livePeriodMs),
        next.amountMinor,
        next.atMs,
      );
      timed.push({ atMs: next.atMs, order: order++, record });
      if (this.#activity.chance(this.options.voidShare)) {
        this.#schedule({
          kind: 'void',
          atMs: next.atMs + this.#activity.between(500, 15_000),
          order: 0,
          betId: (record.event as BetPlacedEvent).betId,
          userId: next.userId,
        });
      }
    }

    // A period closes at its boundary: the period that ends at boundary b is the one holding b - 1.
    for (const game of demoGames) {
      const firstBoundary =
        Math.floor((fromMs + zoneOffsetMs) / game.livePeriodMs + 1) * game.livePeriodMs - zoneOffsetMs;
      for (let boundary = firstBoundary; boundary <= toMs; boundary += game.livePeriodMs) {
        if (boundary <= fromMs) continue;
        timed.push({
          atMs: boundary,
          order: order++,
          record: this.#periodClosed(game.gameId, livePeriodIdOf(boundary - 1, game.livePeriodMs), boundary),
        });
      }
    }
    timed.sort((left, right) => left.atMs - right.atMs || left.order - right.order);
    return timed.map((entry) => entry.record);
  }

  #rootAgentCount(): number {
    return Math.max(2, Math.ceil(this.options.users / 5_000));
  }

  #buildForest(): void {
    const random = this.#structure;
    const roots = this.#rootAgentCount();
    for (let index = 0; index < this.options.users; index++) {
      if (index < roots) {
        this.#parentIndex[index] = -1;
        this.#ratePpm[index] = random.pick(rootRatesPpm);
        this.#isAgent[index] = 1;
        this.#agentIndices.push(index);
        this.#tags[index] = ['agent', 'affiliate'];
        continue;
      }
      const roll = random.nextFloat();
      if (roll < 0.03) {
        // An organic player who came without an agent.
        this.#parentIndex[index] = -1;
        this.#ratePpm[index] = random.pick(playerRatesPpm);
        this.#tags[index] = random.chance(0.3) ? ['mobile'] : undefined;
        continue;
      }
      const parent = this.#pickAgent(random);
      const parentRate = this.#ratePpm[parent] as number;
      this.#parentIndex[index] = parent;
      this.#directCount[parent] = (this.#directCount[parent] as number) + 1;
      if (roll < 0.08) {
        // A sub-agent keeps 55-95 % of its parent's rate, in steps of 0.0001.
        this.#ratePpm[index] = Math.floor((parentRate * (0.55 + 0.4 * random.nextFloat())) / 100) * 100;
        this.#isAgent[index] = 1;
        this.#agentIndices.push(index);
        this.#tags[index] = ['agent'];
      } else {
        this.#ratePpm[index] = Math.min(parentRate, random.pick(playerRatesPpm));
        const tags: string[] = [];
        if (random.chance(0.4)) tags.push('mobile');
        if (random.chance(0.02)) tags.push('vip-invite');
        this.#tags[index] = tags.length > 0 ? tags : undefined;
      }
      invariant((this.#ratePpm[index] as number) <= parentRate, 'a demo child rate must not exceed its parent rate');
    }
  }

  /** Older agents are likelier parents (u² skews towards the front), as big networks grow bigger. */
  #pickAgent(random: SeededRandom): number {
    const agents = this.#agentIndices;
    const position = Math.floor(agents.length * random.nextFloat() ** 2);
    return agents[Math.min(position, agents.length - 1)] as number;
  }

  #newLiveUser(registeredAtMs: number): DemoRecord {
    const parent = this.#pickAgent(this.#activity);
    const userId = String(forestFirstId + this.#nextForestIndex);
    this.#nextForestIndex++;
    const ratePpm = Math.min(this.#ratePpm[parent] as number, this.#activity.pick(playerRatesPpm));
    // A new player places a few first bets soon after signing up.
    const firstBets = this.#activity.between(1, 3);
    for (let bet = 0; bet < firstBets; bet++) {
      this.#schedule({
        kind: 'bet',
        atMs: registeredAtMs + this.#activity.between(2_000, 20_000),
        order: 0,
        userId,
        amountMinor: BigInt(this.#activity.pick(stakesUnits.slice(0, 6))) * minorPerUnit,
        gameIndex: this.#pickGameIndex(),
      });
    }
    return this.#registration(userId, String(forestFirstId + parent), ratePpm, registeredAtMs, ['new']);
  }

  #schedule(item: Pending): void {
    this.#pending.push({ ...item, order: this.#pendingOrder++ });
  }

  #pickGameIndex(): number {
    let target = this.#activity.nextFloat() * this.#gameWeightTotal;
    for (let index = 0; index < demoGames.length; index++) {
      target -= (demoGames[index] as DemoGame).popularity;
      if (target < 0) return index;
    }
    return demoGames.length - 1;
  }

  #pickGame(): DemoGame {
    return demoGames[this.#pickGameIndex()] as DemoGame;
  }

  #amountMinorFor(bettor: number): bigint {
    const stake = stakesUnits[this.#bettorStakeIndex[bettor] as number] as number;
    const multiplier = this.#activity.pick(stakeMultipliers);
    const halfUnit = this.#activity.chance(0.1) ? minorPerUnit / 2n : 0n;
    return BigInt(stake * multiplier) * minorPerUnit + halfUnit;
  }

  #registration(
    userId: string,
    parentId: string | null,
    ratePpm: number,
    registeredAtMs: number,
    tags: readonly string[] | undefined,
  ): DemoRecord {
    this.counters.registrations++;
    const event: UserRegisteredEvent = {
      type: 'user.registered',
      userId,
      parentId,
      rebateRate: formatPpm(ratePpm),
      registeredAt: isoOf(registeredAtMs),
      ...(tags === undefined ? {} : { tags }),
    };
    return { topic: 'users', key: userId, event };
  }

  #bet(userId: string, gameId: string, periodId: string, amountMinor: bigint, placedAtMs: number): DemoRecord {
    this.counters.bets++;
    const betId = String(this.#nextBetId++);
    return {
      topic: 'bets',
      key: userId,
      event: {
        type: 'bet.placed',
        betId,
        userId,
        gameId,
        periodId,
        amount: formatMinor(amountMinor),
        placedAt: isoOf(placedAtMs),
      },
    };
  }

  /** Keyed by the bettor, so the void follows its bet on the same partition. */
  #void(betId: string, userId: string, voidedAtMs: number): DemoRecord {
    this.counters.voids++;
    return { topic: 'bets', key: userId, event: { type: 'bet.voided', betId, voidedAt: isoOf(voidedAtMs) } };
  }

  #periodClosed(gameId: string, periodId: string, closedAtMs: number): DemoRecord {
    this.counters.periodsClosed++;
    return {
      topic: 'periods',
      key: gameId,
      event: { type: 'period.closed', gameId, periodId, closedAt: isoOf(closedAtMs) },
    };
  }
}
