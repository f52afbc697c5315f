// Demotion happens only at cycle boundaries (DESIGN.md §3). The scheduler calls this for
// users whose nextReviewMs has passed; it handles, in time order, every cycle boundary,
// grace deadline and override expiry at or before `nowMs`, so a scheduler that was down for
// three cycles catches up exactly as if it had run at each one.
//
// At a boundary B (a zone midnight, see schedule.ts), with metrics as of B = the zone days
// strictly before B's day:
//   keep met                                   -> renewal, the next cycle starts at B
//   B within new-tier protection               -> held (protection), next cycle from B
//   demotion target (one_down: level-1; recalc: highest level <= current whose keep holds,
//     level 0 always) raised to an active floor, not below the current level -> held (floor)
//   graceDays > 0 and not yet at risk          -> at_risk until G = start of (B's day + graceDays)
//   otherwise                                  -> demotion to the target, next cycle from B
// At the grace deadline G the same rules run again with metrics as of G, without a second grace.
import { invariant } from '../assert.ts';
import { levelAt, topLevel, type Ladder } from './ladder.ts';
import type { MetricValues } from './metrics.ts';
import { endOverride } from './override.ts';
import { finishDraft, record, startDraft, type PlanDraft } from './plan-draft.ts';
import { requirementHolds } from './requirement.ts';
import { nextDue, type Due } from './schedule.ts';
import type { VipCause, VipChangeDetail, VipPlan, VipState } from './vip-state.ts';

/**
 * Every step moves the next due time forward (or removes it), so the loop ends on its own;
 * the bound caps one call's work. 1000 steps is 82 years of daily cycles; a user further
 * behind gets caughtUp: false and is due again at once, never silently skipped.
 */
export const reviewStepsMax = 1000;

export interface VipReviewPlan extends VipPlan {
  /** false when reviewStepsMax was reached with more due at or before nowMs: call again. */
  readonly caughtUp: boolean;
}

/** Metrics over the zone days strictly before the day containing `atMs` (see metricsAsOfReader). */
export type MetricsAsOf = (atMs: number) => MetricValues;

export function decideOnReview(
  state: VipState,
  metricsAsOf: MetricsAsOf,
  ladder: Ladder,
  nowMs: number,
): VipReviewPlan {
  invariant(
    state.level <= topLevel(ladder),
    `level ${state.level} is above the ladder's top: call decideOnLadderChange first`,
  );
  const draft = startDraft(state, ladder);
  for (let step = 0; ; step++) {
    const due = nextDue(draft.state, ladder);
    if (due === null || due.atMs > nowMs) return { ...finishDraft(draft), caughtUp: true };
    if (step === reviewStepsMax) return { ...finishDraft(draft), caughtUp: false };
    // A ladder edit can pull a boundary before the latest row; VIP time still never runs backwards.
    const atMs = Math.max(due.atMs, draft.state.changedAtMs);
    if (due.kind === 'expiry') {
      endOverride(draft, metricsAsOf(atMs), atMs, 'expired');
    } else {
      reviewKeep(draft, metricsAsOf(atMs), atMs, due);
    }
    const after = nextDue(draft.state, ladder);
    invariant(
      after === null || after.atMs > due.atMs || (after.kind !== due.kind && after.atMs === due.atMs),
      'a review step did not move the schedule forward',
    );
  }
}

function reviewKeep(draft: PlanDraft, metrics: MetricValues, atMs: number, due: Due): void {
  const cause: VipCause = {
    kind: 'boundary',
    boundaryMs: due.atMs,
    deadline: due.kind === 'grace' ? 'grace' : 'cycle',
  };
  const outcome = keepOutcome(draft.state, draft.ladder, metrics, due.atMs);
  record(draft, { atMs, reason: outcome.reason, toLevel: outcome.toLevel, detail: outcome.detail, cause });
}

export interface KeepOutcome {
  readonly reason: 'renewal' | 'held' | 'at_risk' | 'demotion';
  readonly toLevel: number;
  readonly detail: VipChangeDetail | null;
}

/** What judging the keep at `boundaryMs` with these metrics does; explain uses it to say what a miss would mean. */
export function keepOutcome(state: VipState, ladder: Ladder, metrics: MetricValues, boundaryMs: number): KeepOutcome {
  const keep = levelAt(ladder, state.level).keep;
  if (keep === null || requirementHolds(keep, metrics))
    return { reason: 'renewal', toLevel: state.level, detail: null };
  if (state.protectedUntilMs !== null && boundaryMs <= state.protectedUntilMs)
    return { reason: 'held', toLevel: state.level, detail: 'protection' };
  let target = ladder.demotion.mode === 'one_down' ? state.level - 1 : recalcTarget(ladder, metrics, state.level);
  // The floor counts only while active: an expiry at or before the boundary was handled first.
  const floor = state.override?.kind === 'floor' ? state.override.level : null;
  if (floor !== null && target < floor) target = floor;
  if (target >= state.level) return { reason: 'held', toLevel: state.level, detail: 'floor' };
  if (ladder.demotion.graceDays > 0 && state.status === 'ok')
    return { reason: 'at_risk', toLevel: state.level, detail: null };
  return { reason: 'demotion', toLevel: target, detail: ladder.demotion.mode };
}

/** recalc: the highest level below the current one whose keep holds (a level without keep always does; level 0 is the last resort). */
function recalcTarget(ladder: Ladder, metrics: MetricValues, currentLevel: number): number {
  for (let level = currentLevel - 1; level > 0; level--) {
    const keep = levelAt(ladder, level).keep;
    if (keep === null || requirementHolds(keep, metrics)) return level;
  }
  return 0;
}
