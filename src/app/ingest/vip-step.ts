// The VIP part of an ingest batch: for every user with an applied bet, replay the batch's
// metric deltas in event order over the stored buckets, catch reviews up before each bet (a
// promotion must never jump ahead of an earlier, missed demotion) and decide per bet.
// Two queries load the inputs for all users at once (none for users the batch creates);
// nothing here is per user or per event.
import type { UserId } from '../../domain/ids.ts';
import type { Ladder } from '../../domain/vip/ladder.ts';
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
import { changesLevel, initialVipState, type VipChange, type VipState } from '../../domain/vip/vip-state.ts';
import { dayNumberOf } from '../../domain/vip/zone-day.ts';
import { vipChangedRecord } from '../outbox/messages.ts';
import type { BetRow, OutboxRecord, StoreSession, StoredVipState, VipHistoryRow } from '../ports/store.ts';
import { alignToLadder } from '../vip/align-to-ladder.ts';

export interface VipBatchEvent {
  readonly kind: 'placed' | 'voided';
  readonly bet: BetRow;
}

export interface VipBatchInput {
  readonly session: StoreSession;
  readonly ladder: Ladder;
  readonly ladderVersion: number;
  readonly windowDays: readonly number[];
  readonly topic: string;
  /** In event order. */
  readonly events: readonly VipBatchEvent[];
  readonly registeredAtOf: (userId: UserId) => number | null;
  /**
   * Users this batch's transaction creates: nothing is stored for them yet (VIP state and
   * metrics exist only for stored users), so they are not looked up. A concurrent writer
   * that created one first makes this transaction's user insert fail and the batch retry.
   */
  readonly createdInBatch: ReadonlySet<UserId>;
}

export interface VipBatchOutput {
  readonly states: StoredVipState[];
  readonly history: VipHistoryRow[];
  readonly outbox: OutboxRecord[];
}

interface UserWork {
  state: VipState;
  buckets: DayBucket[];
  lifetime: LifetimeTotals;
  changes: VipChange[];
  touched: boolean;
}

export function historyRowOf(userId: UserId, change: VipChange, ladderVersion: number): VipHistoryRow {
  return {
    userId,
    seq: change.seq,
    fromLevel: change.fromLevel,
    toLevel: change.toLevel,
    reason: change.reason,
    detail: change.detail,
    ladderVersion,
    cause: change.cause,
    atMs: change.atMs,
  };
}

/** Loads buckets from `fromDay` on and lifetime totals for the users, keyed by user. */
export async function loadMetricInputs(
  session: StoreSession,
  userIds: readonly UserId[],
  fromDay: number,
): Promise<Map<UserId, { buckets: DayBucket[]; lifetime: LifetimeTotals }>> {
  const { days: rows, totals } = await session.metrics.windowInputs(userIds, fromDay);
  const inputs = new Map<UserId, { buckets: DayBucket[]; lifetime: LifetimeTotals }>();
  for (const userId of userIds) {
    const total = totals.get(userId);
    inputs.set(userId, {
      buckets: [],
      lifetime: total ? { turnoverMinor: total.turnoverMinor, betCount: total.betCount } : emptyLifetime,
    });
  }
  for (const row of rows)
    inputs.get(row.userId)?.buckets.push({ day: row.day, turnoverMinor: row.turnoverMinor, betCount: row.betCount });
  for (const input of inputs.values()) input.buckets.sort((a, b) => a.day - b.day);
  return inputs;
}

export async function decideVipForBatch(input: VipBatchInput): Promise<VipBatchOutput> {
  const { ladder, windowDays } = input;
  const deciding = new Set(input.events.filter((event) => event.kind === 'placed').map((event) => event.bet.userId));
  if (deciding.size === 0) return { states: [], history: [], outbox: [] };
  const userIds = [...deciding];
  const storedUserIds = userIds.filter((userId) => !input.createdInBatch.has(userId));
  const stored = await input.session.vipStates.getMany(storedUserIds);

  // Buckets far enough back for every window of every decision, including reviews of
  // boundaries the scheduler has not reached yet.
  const windowMax = Math.max(...windowDays);
  let earliestDay = Number.POSITIVE_INFINITY;
  for (const event of input.events) {
    if (deciding.has(event.bet.userId)) earliestDay = Math.min(earliestDay, event.bet.day);
  }
  for (const row of stored.values()) {
    if (row.state.nextReviewMs !== null)
      earliestDay = Math.min(earliestDay, dayNumberOf(row.state.nextReviewMs, ladder.timeZone) - 1);
  }
  const metricInputs = await loadMetricInputs(input.session, storedUserIds, earliestDay - windowMax);

  // One pass, not a search per user: a 2,000-bet batch has up to 2,000 users.
  const firstPlacedAtMs = new Map<UserId, number>();
  for (const event of input.events) {
    if (!firstPlacedAtMs.has(event.bet.userId)) firstPlacedAtMs.set(event.bet.userId, event.bet.placedAtMs);
  }
  const work = new Map<UserId, UserWork>();
  for (const userId of userIds) {
    const since = input.registeredAtOf(userId) ?? firstPlacedAtMs.get(userId) ?? 0;
    const metrics = metricInputs.get(userId) ?? { buckets: [], lifetime: emptyLifetime };
    work.set(userId, {
      state: stored.get(userId)?.state ?? initialVipState(since),
      buckets: metrics.buckets,
      lifetime: metrics.lifetime,
      changes: [],
      touched: !stored.has(userId),
    });
  }

  for (const event of input.events) {
    const user = work.get(event.bet.userId);
    if (user === undefined) continue;
    const delta =
      event.kind === 'placed' ? betPlacedDelta(event.bet.amountMinor) : betVoidedDelta(event.bet.amountMinor);
    user.buckets = applyBetDelta(user.buckets, event.bet.day, delta);
    user.lifetime = applyLifetimeDelta(user.lifetime, delta);
    if (event.kind !== 'placed') continue;
    const atMs = event.bet.placedAtMs;
    const aligned = alignToLadder(user.state, ladder, atMs);
    user.state = aligned.state;
    user.changes.push(...aligned.changes);
    if (isReviewDue(user.state, ladder, atMs)) {
      const review = decideOnReview(
        user.state,
        metricsAsOfReader(user.buckets, user.lifetime, ladder.timeZone, windowDays),
        ladder,
        atMs,
      );
      user.state = review.state;
      user.changes.push(...review.changes);
    }
    const metricsNow = computeMetrics(user.buckets, user.lifetime, dayNumberOf(atMs, ladder.timeZone), windowDays);
    const plan = decideOnBet(user.state, metricsNow, ladder, atMs, { kind: 'bet', betId: event.bet.betId });
    user.state = plan.state;
    user.changes.push(...plan.changes);
  }

  const output: VipBatchOutput = { states: [], history: [], outbox: [] };
  for (const [userId, user] of work) {
    if (user.changes.length === 0 && !user.touched) continue;
    output.states.push({ userId, state: user.state, ladderVersion: input.ladderVersion });
    for (const change of user.changes) {
      output.history.push(historyRowOf(userId, change, input.ladderVersion));
      if (changesLevel(change)) output.outbox.push(vipChangedRecord(input.topic, userId, change, input.ladderVersion));
    }
  }
  return output;
}
