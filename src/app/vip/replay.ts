// `tiernet replay`: recompute every user's VIP state from the stored bets under the ladder in
// force (after a ladder edit), in event-time order, exactly as ingest would have decided it.
// Users are processed in keyset pages and each page's bets are streamed in bounded chunks,
// so memory is bounded by one page of users plus one chunk of bets, never by the table.
// A dry run reports who would move and writes nothing. A real run writes, per user whose
// state changes, the recomputed state and one history row (reason `replay`), plus vip.changed
// when the level moves. Run it with ingestion paused: it reads and writes the same users.
import { invariant } from '../../domain/assert.ts';
import type { UserId } from '../../domain/ids.ts';
import {
  applyBetDelta,
  applyLifetimeDelta,
  betPlacedDelta,
  betVoidedDelta,
  computeMetrics,
  emptyLifetime,
  metricsAsOfReader,
  type DayBucket,
  type LifetimeTotals,
} from '../../domain/vip/metrics.ts';
import { decideOnBet } from '../../domain/vip/promotion.ts';
import { decideOnReview } from '../../domain/vip/review.ts';
import { isReviewDue } from '../../domain/vip/schedule.ts';
import { initialVipState, type VipState } from '../../domain/vip/vip-state.ts';
import { dayNumberOf } from '../../domain/vip/zone-day.ts';
import type { Ladder } from '../../domain/vip/ladder.ts';
import { vipChangedWireRecord } from '../outbox/messages.ts';
import type { Clock } from '../ports/clock.ts';
import type {
  BetRow,
  MetricDayRow,
  OutboxRecord,
  Store,
  StoreSession,
  StoredVipState,
  UserRow,
  UserTotalsRow,
  VipHistoryRow,
} from '../ports/store.ts';
import type { LadderSource } from './ladder-source.ts';

export interface ReplayOptions {
  readonly dryRun: boolean;
  /** Rebuild day buckets in the ladder's time zone too (needed after a time-zone change). */
  readonly rebuildMetrics: boolean;
  readonly usersPerPage?: number;
  readonly betsPerChunk?: number;
  readonly onProgress?: (done: number, total: number) => void;
}

export interface ReplayMove {
  readonly userId: UserId;
  readonly fromLevel: number;
  readonly toLevel: number;
}

export interface ReplayReport {
  readonly users: number;
  readonly bets: number;
  readonly changed: number;
  readonly moves: ReplayMove[];
  readonly ladderVersion: number;
  readonly dryRun: boolean;
}

export interface ReplayDependencies {
  readonly store: Store;
  readonly clock: Clock;
  readonly ladders: LadderSource;
  readonly windowDays: readonly number[];
  readonly vipChangesTopic: string;
}

/** The report lists at most this many moves; the count is always exact. */
const reportedMovesMax = 10_000;
/** Bound on chunks per page: a page of users with more bets than this × chunk size is an error, not a silent cut. */
const chunksPerPageMax = 100_000;

interface UserReplay {
  state: VipState;
  buckets: DayBucket[];
  lifetime: LifetimeTotals;
  voids: { atMs: number; bet: BetRow }[];
  betCount: number;
}

function applyDueVoids(user: UserReplay, untilMs: number, ladder: Ladder): void {
  while (user.voids.length > 0 && (user.voids[0]?.atMs ?? Infinity) <= untilMs) {
    const entry = user.voids.shift();
    invariant(entry !== undefined, 'a void is due');
    const delta = betVoidedDelta(entry.bet.amountMinor);
    user.buckets = applyBetDelta(user.buckets, dayNumberOf(entry.bet.placedAtMs, ladder.timeZone), delta);
    user.lifetime = applyLifetimeDelta(user.lifetime, delta);
  }
}

function replayBet(user: UserReplay, bet: BetRow, ladder: Ladder, windowDays: readonly number[]): void {
  applyDueVoids(user, bet.placedAtMs, ladder);
  const day = dayNumberOf(bet.placedAtMs, ladder.timeZone);
  const delta = betPlacedDelta(bet.amountMinor);
  user.buckets = applyBetDelta(user.buckets, day, delta);
  user.lifetime = applyLifetimeDelta(user.lifetime, delta);
  user.betCount += 1;
  if (bet.voidedAtMs !== null) {
    // Keep voids sorted by time: they take effect at their own time, between later bets.
    const at = Math.max(bet.voidedAtMs, bet.placedAtMs);
    const index = user.voids.findIndex((entry) => entry.atMs > at);
    user.voids.splice(index < 0 ? user.voids.length : index, 0, { atMs: at, bet });
  }
  if (isReviewDue(user.state, ladder, bet.placedAtMs)) {
    user.state = decideOnReview(
      user.state,
      metricsAsOfReader(user.buckets, user.lifetime, ladder.timeZone, windowDays),
      ladder,
      bet.placedAtMs,
    ).state;
  }
  const metrics = computeMetrics(user.buckets, user.lifetime, day, windowDays);
  user.state = decideOnBet(user.state, metrics, ladder, bet.placedAtMs, { kind: 'bet', betId: bet.betId }).state;
}

async function replayPage(
  deps: ReplayDependencies,
  session: StoreSession,
  users: readonly UserRow[],
  options: ReplayOptions,
  nowMs: number,
): Promise<{ bets: number; changed: number; moves: ReplayMove[] }> {
  const { ladder, version } = await deps.ladders.current(session.ladders);
  const work = new Map<UserId, UserReplay>();
  for (const user of users) {
    work.set(user.userId, {
      state: initialVipState(user.registeredAtMs ?? 0),
      buckets: [],
      lifetime: emptyLifetime,
      voids: [],
      betCount: 0,
    });
  }
  const firstBetSeen = new Set<UserId>();
  const userIds = users.map((user) => user.userId);
  const betsPerChunk = options.betsPerChunk ?? 5_000;
  let after: { userId: UserId; placedAtMs: number; betId: string } | null = null;
  let bets = 0;
  for (let chunk = 0; ; chunk += 1) {
    invariant(chunk < chunksPerPageMax, `replay page has more than ${chunksPerPageMax * betsPerChunk} bets`);
    const rows = await session.bets.pageForUsers(userIds, after, betsPerChunk);
    for (const bet of rows) {
      const user = work.get(bet.userId);
      invariant(user !== undefined, "bets are only read for the page's users");
      if (!firstBetSeen.has(bet.userId)) {
        firstBetSeen.add(bet.userId);
        // A user first seen through a bet (a placeholder) starts its VIP time at that bet.
        if (users.find((candidate) => candidate.userId === bet.userId)?.registeredAtMs == null)
          user.state = initialVipState(bet.placedAtMs);
      }
      replayBet(user, bet, ladder, deps.windowDays);
    }
    bets += rows.length;
    const last = rows[rows.length - 1];
    if (rows.length < betsPerChunk || last === undefined) break;
    after = { userId: last.userId, placedAtMs: last.placedAtMs, betId: last.betId };
  }

  const stored = await session.vipStates.getMany(userIds);
  const states: StoredVipState[] = [];
  const history: VipHistoryRow[] = [];
  const outbox: OutboxRecord[] = [];
  const moves: ReplayMove[] = [];
  const days: MetricDayRow[] = [];
  const totals: UserTotalsRow[] = [];
  for (const [userId, user] of work) {
    applyDueVoids(user, Number.POSITIVE_INFINITY, ladder);
    if (isReviewDue(user.state, ladder, nowMs)) {
      user.state = decideOnReview(
        user.state,
        metricsAsOfReader(user.buckets, user.lifetime, ladder.timeZone, deps.windowDays),
        ladder,
        nowMs,
      ).state;
    }
    for (const bucket of user.buckets)
      days.push({ userId, day: bucket.day, turnoverMinor: bucket.turnoverMinor, betCount: bucket.betCount });
    if (user.betCount > 0)
      totals.push({ userId, turnoverMinor: user.lifetime.turnoverMinor, betCount: user.lifetime.betCount });
    const previous = stored.get(userId);
    const fromLevel = previous?.state.level ?? 0;
    // seq and changedAtMs are bookkeeping of when rows were written, not part of the decision.
    const comparable = (state: VipState): string => JSON.stringify({ ...state, seq: 0, changedAtMs: 0 });
    const sameState = previous !== undefined && comparable(previous.state) === comparable(user.state);
    if (sameState || (previous === undefined && user.betCount === 0)) continue;
    if (fromLevel !== user.state.level) moves.push({ userId, fromLevel, toLevel: user.state.level });
    const seq = (previous?.state.seq ?? 0) + 1;
    const atMs = Math.max(nowMs, previous?.state.changedAtMs ?? 0);
    states.push({
      userId,
      state: { ...user.state, seq, changedAtMs: Math.max(user.state.changedAtMs, atMs) },
      ladderVersion: version,
    });
    const change = {
      seq,
      atMs,
      reason: 'replay',
      fromLevel,
      toLevel: user.state.level,
      detail: null,
      cause: { kind: 'replay' as const, ladderVersion: version },
    };
    history.push({ userId, ...change, ladderVersion: version });
    if (fromLevel !== user.state.level) {
      outbox.push(
        vipChangedWireRecord(
          deps.vipChangesTopic,
          userId,
          { ...change, cause: { replay: true, ruleVersion: version } },
          version,
        ),
      );
    }
  }
  if (!options.dryRun) {
    await session.vipStates.upsertMany(states, nowMs);
    await session.vipHistory.append(history);
    await session.outbox.append(outbox, nowMs);
    if (options.rebuildMetrics) await session.metrics.replaceForUsers(userIds, days, totals);
  }
  return { bets, changed: states.length, moves };
}

export async function replayVip(deps: ReplayDependencies, options: ReplayOptions): Promise<ReplayReport> {
  const nowMs = deps.clock.nowMs();
  const usersPerPage = options.usersPerPage ?? 200;
  const total = await deps.store.users.count();
  const ladderVersion = (await deps.ladders.current(deps.store.ladders)).version;
  let after: UserId | null = null;
  let users = 0;
  let bets = 0;
  let changed = 0;
  const moves: ReplayMove[] = [];
  let moveCount = 0;
  // Bounded by the user count read at the start (plus slack for users added meanwhile).
  const pagesMax = Math.ceil(total / usersPerPage) + 1_000;
  for (let page = 0; page < pagesMax; page += 1) {
    const pageUsers = await deps.store.users.page(after, usersPerPage);
    if (pageUsers.length === 0) break;
    const result = await deps.store.transaction((session) => replayPage(deps, session, pageUsers, options, nowMs));
    users += pageUsers.length;
    bets += result.bets;
    changed += result.changed;
    moveCount += result.moves.length;
    for (const move of result.moves) if (moves.length < reportedMovesMax) moves.push(move);
    after = pageUsers[pageUsers.length - 1]?.userId ?? null;
    options.onProgress?.(users, Math.max(total, users));
  }
  invariant(moveCount >= moves.length, 'moves counted');
  return { users, bets, changed, moves, ladderVersion, dryRun: options.dryRun };
}
