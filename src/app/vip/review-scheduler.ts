// Demotion at cycle boundaries, grace deadlines and override expiries (DESIGN §3). VIP time is
// event time: the scheduler only decides when to look. Each tick takes the users whose
// next review is due from the due index (never a scan of everyone), in bounded pages, and
// catches each up over every boundary it missed. One process reviews at a time (a lock), so
// two ticks never decide the same user twice.
import { metricsAsOfReader } from '../../domain/vip/metrics.ts';
import { decideOnReview } from '../../domain/vip/review.ts';
import { changesLevel } from '../../domain/vip/vip-state.ts';
import { alignToLadder } from './align-to-ladder.ts';
import { dayNumberOf } from '../../domain/vip/zone-day.ts';
import { vipChangedRecord } from '../outbox/messages.ts';
import { UserChangeSet } from '../ports/user-changes.ts';
import type { OutboxRecord, StoredVipState, VipHistoryRow } from '../ports/store.ts';
import { historyRowOf, loadMetricInputs } from '../ingest/vip-step.ts';
import { vipCacheEntries } from './vip-cache.ts';
import type { VipAdminDependencies } from './vip-admin.ts';

/** The review scheduler needs exactly what the VIP admin use cases need. */
export type ReviewDependencies = VipAdminDependencies;

export interface ReviewPageResult {
  readonly examined: number;
  readonly changed: number;
  readonly levelChanges: number;
}

/** Reviews one page of due users at `nowMs` in one transaction. */
export async function reviewDuePage(
  deps: ReviewDependencies,
  nowMs: number,
  pageSize: number,
): Promise<ReviewPageResult> {
  const outcome = await deps.store.transaction(async (session) => {
    const { ladder, version } = await deps.ladders.current(session.ladders);
    const due = await session.vipStates.dueForReview(nowMs, pageSize);
    if (due.length === 0)
      return {
        examined: 0,
        states: [] as StoredVipState[],
        history: [] as VipHistoryRow[],
        outbox: [] as OutboxRecord[],
        ladder,
      };
    const stored = await session.vipStates.getMany(due);
    const windowMax = Math.max(...deps.windowDays);
    let earliestDay = dayNumberOf(nowMs, ladder.timeZone);
    for (const row of stored.values()) {
      if (row.state.nextReviewMs !== null)
        earliestDay = Math.min(earliestDay, dayNumberOf(row.state.nextReviewMs, ladder.timeZone) - 1);
    }
    const inputs = await loadMetricInputs(session, due, earliestDay - windowMax);
    const states: StoredVipState[] = [];
    const history: VipHistoryRow[] = [];
    const outbox: OutboxRecord[] = [];
    for (const userId of due) {
      const row = stored.get(userId);
      const input = inputs.get(userId);
      if (row === undefined || input === undefined) continue;
      const aligned = alignToLadder(row.state, ladder, nowMs);
      const review = decideOnReview(
        aligned.state,
        metricsAsOfReader(input.buckets, input.lifetime, ladder.timeZone, deps.windowDays),
        ladder,
        nowMs,
      );
      const changes = [...aligned.changes, ...review.changes];
      states.push({ userId, state: review.state, ladderVersion: version });
      for (const change of changes) {
        history.push(historyRowOf(userId, change, version));
        if (changesLevel(change)) outbox.push(vipChangedRecord(deps.vipChangesTopic, userId, change, version));
      }
    }
    await session.vipStates.upsertMany(states, nowMs);
    await session.vipHistory.append(history);
    const changes = new UserChangeSet();
    for (const row of history) if (row.fromLevel !== row.toLevel) changes.add(row.userId, 'vip.level');
    if (deps.afterApply !== undefined && changes.size > 0)
      outbox.push(...(await deps.afterApply(session, changes.toMap(), nowMs)));
    await session.outbox.append(outbox, nowMs);
    return { examined: due.length, states, history, outbox, ladder };
  });
  try {
    await deps.cache.setMany(vipCacheEntries(outcome.states, outcome.ladder));
  } catch (error) {
    deps.onCacheError?.(error);
  }
  return {
    examined: outcome.examined,
    changed: new Set(outcome.history.map((row) => row.userId)).size,
    levelChanges: outcome.history.filter((row) => row.fromLevel !== row.toLevel).length,
  };
}

/** Reviews every user due at `nowMs`, page by page, at most `pagesMax` pages per call. */
export async function reviewAllDue(
  deps: ReviewDependencies,
  nowMs: number,
  pageSize = 500,
  pagesMax = 1_000,
): Promise<ReviewPageResult & { complete: boolean }> {
  let examined = 0;
  let changed = 0;
  let levelChanges = 0;
  for (let page = 0; page < pagesMax; page += 1) {
    const result = await reviewDuePage(deps, nowMs, pageSize);
    examined += result.examined;
    changed += result.changed;
    levelChanges += result.levelChanges;
    if (result.examined < pageSize) return { examined, changed, levelChanges, complete: true };
  }
  return { examined, changed, levelChanges, complete: false };
}
