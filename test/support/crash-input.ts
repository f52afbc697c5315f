// The deterministic input of the crash harness (test/fault/crash-service.test.ts): an agent
// tree of four levels registered on the users topic, bets of registered and unregistered
// (placeholder) users over several periods of one game, voids of unsettled and of settled
// bets, a few malformed events, and the period closes that trigger settlement.
//
// The input is fed in steps (see CrashStep): a step's events go out together and their
// order inside the step is left to Kafka (several partitions), but the next step waits for
// the step's effect in the database. The steps sit where the platform itself orders events
// and where the outcome would otherwise depend on timing, not on correctness:
// - parents register before their children (a child before its parent makes a placeholder
//   parent for a while, so its group rules would see a different history);
// - a period closes after its bets, and one close at a time, each waiting for its settlement:
//   which periods share a settlement (and so how each line is floored) is decided by the
//   debounce timing, which a restart legitimately changes;
// - a void of a settled bet waits for that settlement, and for the next close to be sent
//   only once it is applied: it becomes an adjustment line in the next settlement.
// Bets of the next period are ingested while a settlement runs, so kills hit both at once.
import { seededRandom } from './settlement-world.ts';

export const crashGame = 'crash';

export interface CrashEvent {
  readonly topic: 'users' | 'bets' | 'periods';
  readonly key: string;
  /** The message text: JSON for well-formed events, anything for the malformed ones. */
  readonly value: string;
}

/** What the harness waits for, in the database, before it sends the next step. */
export type CrashWait =
  | { readonly kind: 'users_registered'; readonly userIds: readonly string[] }
  | { readonly kind: 'bets_applied'; readonly betIds: readonly string[]; readonly voidedBetIds: readonly string[] }
  | { readonly kind: 'period_settled'; readonly periodId: string };

export interface CrashStep {
  readonly name: string;
  readonly events: readonly CrashEvent[];
  /** All must hold before the next step is sent. */
  readonly waits: readonly CrashWait[];
}

export interface CrashInput {
  readonly seed: number;
  readonly steps: readonly CrashStep[];
  readonly userCount: number;
  readonly betCount: number;
  readonly periodIds: readonly string[];
  /** Bets voided after their period was settled: each must become one adjustment. */
  readonly settledVoidCount: number;
  readonly malformedCount: number;
}

export interface CrashInputShape {
  /** Children per node on levels 0..3 (roots first). */
  readonly fanOut: readonly [roots: number, level1: number, level2: number, level3: number];
  readonly placeholderBettors: number;
  readonly betsPerPeriod: number;
  readonly periods: number;
  /** Share of a period's bets voided before the period closes. */
  readonly voidShare: number;
  /** Bets of each settled period voided after its settlement. */
  readonly settledVoidsPerPeriod: number;
}

export const crashInputShapeDefault: CrashInputShape = {
  fanOut: [3, 3, 3, 2],
  placeholderBettors: 4,
  betsPerPeriod: 400,
  periods: 4,
  voidShare: 0.05,
  settledVoidsPerPeriod: 6,
};

/** Rates by level in ppm, parents' first: every choice on a level is <= every choice above. */
const ratesPpmByLevel: readonly (readonly number[])[] = [
  [60_000, 55_000],
  [40_000, 35_000, 30_000],
  [20_000, 15_000],
  [10_000, 5_000, 0],
];

const userIdBase = 7_000_000_000n;
const betIdBase = 90_000_000_000n;

/** The VIP ladder the harness puts before any event: promotions from lifetime turnover. */
export const crashLadder = {
  timezone: 'Asia/Shanghai',
  levels: [
    { level: 0, name: 'Member' },
    { level: 1, name: 'Bronze', promote: { turnoverLifetime: '800' }, keep: { turnover30d: '100' } },
    { level: 2, name: 'Silver', promote: { turnoverLifetime: '2500', betCountLifetime: 10 } },
    { level: 3, name: 'Gold', promote: { turnoverLifetime: '6000' }, keep: { turnover30d: '3000' } },
  ],
  promotion: { maxStepsPerEvent: 1 },
  demotion: { mode: 'one_down', cycleDays: 30, graceDays: 0, newTierProtectionDays: 0 },
};

/**
 * Dynamic groups read by every event kind: VIP level, turnover (a void can make a user
 * leave), depth and bet count, a downline, tags. Two carry rebate policies (compression and a
 * cap) so that settlement depends on group membership too; their rules read only what is
 * fixed before the first close (tags, depth). A settlement takes eligibility and caps as they
 * are when it computes, and a run resumed after a crash recomputes with them as they are then
 * (ADR 0011, "Consequences"): a policy group whose membership moves with the bets that arrive
 * meanwhile would make the ledger depend on when the (re)computation ran, with or without a
 * crash. The harness found exactly that with a bet-count rule on the capped group.
 */
export function crashGroups(firstRootId: string): Record<string, unknown>[] {
  return [
    { id: 'crash.silver', name: 'Silver+', kind: 'dynamic', rule: { field: 'vip.level', op: 'gte', value: 2 } },
    {
      id: 'crash.turnover',
      name: 'Turnover 1500+',
      kind: 'dynamic',
      rule: { field: 'metrics.turnoverLifetime', op: 'gte', value: '1500' },
    },
    {
      id: 'crash.deep-busy',
      name: 'Depth 2+ with 8+ bets',
      kind: 'dynamic',
      rule: {
        all: [
          { field: 'agent.depth', op: 'gte', value: 2 },
          { field: 'metrics.betCountLifetime', op: 'gte', value: 8 },
        ],
      },
    },
    {
      id: 'crash.deep-capped',
      name: 'Depth 2+: rebate capped at 3 per settlement',
      kind: 'dynamic',
      rule: { field: 'agent.depth', op: 'gte', value: 2 },
      policy: { 'rebate.maxPerSettlement': '3' },
      priority: 20,
    },
    { id: 'crash.first-tree', name: 'Downline of the first root', kind: 'dynamic', rule: { downlineOf: firstRootId } },
    {
      id: 'crash.suspended',
      name: 'Suspended agents: no rebate',
      kind: 'dynamic',
      rule: { field: 'user.tags', op: 'has', value: 'suspended' },
      policy: { 'rebate.enabled': false },
      priority: 50,
    },
  ];
}

/** The instant the input's event times are counted from: midnight UTC two days ago, so no VIP review is due. */
export function crashTimeBaseMs(nowMs: number): number {
  const dayMs = 86_400_000;
  return Math.floor(nowMs / dayMs) * dayMs - 2 * dayMs;
}

export function buildCrashInput(
  seed: number,
  timeBaseMs: number,
  shape: CrashInputShape = crashInputShapeDefault,
): CrashInput {
  const next = seededRandom(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!;
  const steps: CrashStep[] = [];

  // The tree, level by level, each level one step.
  const levels: { userId: string; ratePpm: number }[][] = [];
  let nextUser = userIdBase;
  for (let level = 0; level < shape.fanOut.length; level += 1) {
    const parents = level === 0 ? [null] : levels[level - 1]!;
    const members: { userId: string; ratePpm: number }[] = [];
    const events: CrashEvent[] = [];
    for (const parent of parents) {
      for (let child = 0; child < shape.fanOut[level]!; child += 1) {
        nextUser += 1n;
        const userId = nextUser.toString();
        const choices = ratesPpmByLevel[level]!.filter((ratePpm) => parent === null || ratePpm <= parent.ratePpm);
        const ratePpm = pick(choices);
        members.push({ userId, ratePpm });
        const tags = level > 0 && next() < 0.15 ? ['suspended'] : [];
        events.push({
          topic: 'users',
          key: userId,
          value: JSON.stringify({
            type: 'user.registered',
            userId,
            ...(parent === null ? {} : { parentId: parent.userId }),
            rebateRate: (ratePpm / 1_000_000).toFixed(6),
            registeredAt: new Date(timeBaseMs + level * 60_000).toISOString(),
            ...(tags.length === 0 ? {} : { tags }),
          }),
        });
      }
    }
    levels.push(members);
    steps.push({
      name: `register level ${level}`,
      events,
      waits: [{ kind: 'users_registered', userIds: members.map((member) => member.userId) }],
    });
  }
  const registered = levels.flat().map((member) => member.userId);
  const placeholders = Array.from({ length: shape.placeholderBettors }, () => {
    nextUser += 1n;
    return nextUser.toString();
  });
  const bettors = [...registered, ...placeholders];

  // Bets by period; voids of a share of them follow on the bettor's key (after the bet).
  let nextBet = betIdBase;
  const periodIds = Array.from({ length: shape.periods }, (_, index) => `p${index + 1}`);
  const betsByPeriod: { betId: string; userId: string; voided: boolean }[][] = [];
  const eventsByPeriod: CrashEvent[][] = [];
  let malformedCount = 0;
  for (const [periodIndex, periodId] of periodIds.entries()) {
    const periodStartMs = timeBaseMs + 3_600_000 + periodIndex * 3_600_000;
    const events: CrashEvent[] = [];
    const bets: { betId: string; userId: string; voided: boolean }[] = [];
    for (let index = 0; index < shape.betsPerPeriod; index += 1) {
      nextBet += 1n;
      const betId = nextBet.toString();
      const userId = pick(bettors);
      // Whole currency units with 0-4 fraction digits, up to 400.
      const amount = (Math.floor(next() * 4_000_000) / 10_000 + 1).toFixed(pick([0, 2, 4]));
      const placedAtMs = periodStartMs + index * 1_000;
      events.push({
        topic: 'bets',
        key: userId,
        value: JSON.stringify({
          type: 'bet.placed',
          betId,
          userId,
          gameId: crashGame,
          periodId,
          amount,
          placedAt: new Date(placedAtMs).toISOString(),
        }),
      });
      const voided = next() < shape.voidShare;
      bets.push({ betId, userId, voided });
      if (voided) {
        events.push({
          topic: 'bets',
          key: userId,
          value: JSON.stringify({
            type: 'bet.voided',
            betId,
            voidedAt: new Date(placedAtMs + 30_000).toISOString(),
          }),
        });
      }
    }
    // Bad input travels with the rest: it must reach the DLQ, once per message, whatever the crashes.
    const badUser = pick(registered);
    events.push({ topic: 'bets', key: badUser, value: `{"type":"bet.placed","betId":"${periodId}` });
    events.push({
      topic: 'bets',
      key: badUser,
      value: JSON.stringify({
        type: 'bet.placed',
        betId: (nextBet + 1_000_000n).toString(),
        userId: badUser,
        gameId: crashGame,
        periodId,
        amount: '-5',
        placedAt: new Date(periodStartMs).toISOString(),
      }),
    });
    malformedCount += 2;
    betsByPeriod.push(bets);
    eventsByPeriod.push(events);
  }

  // Period k: its bets go out together with the close of period k-1 (settlement and ingest
  // at once); then the voids of period k-1's bets, now settled; then the next close.
  let settledVoidCount = 0;
  const closeOf = (periodIndex: number): CrashEvent => ({
    topic: 'periods',
    key: crashGame,
    value: JSON.stringify({
      type: 'period.closed',
      gameId: crashGame,
      periodId: periodIds[periodIndex]!,
      closedAt: new Date(timeBaseMs + 3_600_000 + (periodIndex + 1) * 3_600_000).toISOString(),
    }),
  });
  for (let periodIndex = 0; periodIndex <= periodIds.length; periodIndex += 1) {
    const events: CrashEvent[] = [];
    const waits: CrashWait[] = [];
    const bets = betsByPeriod[periodIndex];
    if (bets !== undefined) {
      events.push(...eventsByPeriod[periodIndex]!);
      waits.push({
        kind: 'bets_applied',
        betIds: bets.map((bet) => bet.betId),
        voidedBetIds: bets.filter((bet) => bet.voided).map((bet) => bet.betId),
      });
    }
    if (periodIndex > 0) {
      events.push(closeOf(periodIndex - 1));
      waits.push({ kind: 'period_settled', periodId: periodIds[periodIndex - 1]! });
    }
    steps.push({
      name: [
        bets === undefined ? null : `bets of ${periodIds[periodIndex]}`,
        periodIndex > 0 ? `close ${periodIds[periodIndex - 1]}` : null,
      ]
        .filter((part) => part !== null)
        .join(' + '),
      events,
      waits,
    });
    // Voids of bets already settled (the last period's too: they stay pending adjustments
    // unless another close follows, which is the case only for earlier periods).
    if (periodIndex > 0 && periodIndex < periodIds.length) {
      const settled = betsByPeriod[periodIndex - 1]!.filter((bet) => !bet.voided);
      const chosen = new Set<number>();
      for (let attempt = 0; attempt < 1_000 && chosen.size < shape.settledVoidsPerPeriod; attempt += 1) {
        chosen.add(Math.floor(next() * settled.length));
      }
      const voids = [...chosen].sort((left, right) => left - right).map((index) => settled[index]!);
      settledVoidCount += voids.length;
      steps.push({
        name: `voids of settled ${periodIds[periodIndex - 1]}`,
        events: voids.map((bet) => ({
          topic: 'bets' as const,
          key: bet.userId,
          value: JSON.stringify({
            type: 'bet.voided',
            betId: bet.betId,
            voidedAt: new Date(timeBaseMs + 3_600_000 + (periodIndex + 1) * 3_600_000 + 60_000).toISOString(),
          }),
        })),
        waits: [{ kind: 'bets_applied', betIds: [], voidedBetIds: voids.map((bet) => bet.betId) }],
      });
    }
  }

  return {
    seed,
    steps,
    userCount: bettors.length,
    betCount: betsByPeriod.reduce((sum, bets) => sum + bets.length, 0),
    periodIds,
    settledVoidCount,
    malformedCount,
  };
}
