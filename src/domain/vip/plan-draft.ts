// The scratch pad a decider writes its changes on: each recorded change gets the next seq,
// is folded into the state with evolveVip at once, and the next rule sees that state.
import { invariant } from '../assert.ts';
import { evolveVip } from './evolve.ts';
import { topLevel, type Ladder } from './ladder.ts';
import { isReviewDue, nextDue, nextReviewMsOf } from './schedule.ts';
import type { VipCause, VipChange, VipChangeDetail, VipChangeReason, VipPlan, VipState } from './vip-state.ts';

export interface PlanDraft {
  state: VipState;
  readonly changes: VipChange[];
  readonly ladder: Ladder;
}

export interface ChangeFields {
  readonly atMs: number;
  readonly reason: VipChangeReason;
  readonly toLevel: number;
  readonly detail?: VipChangeDetail | null;
  readonly cause: VipCause;
}

export function startDraft(state: VipState, ladder: Ladder): PlanDraft {
  return { state, changes: [], ladder };
}

export function record(draft: PlanDraft, fields: ChangeFields): void {
  const change: VipChange = {
    seq: draft.state.seq + 1,
    atMs: fields.atMs,
    reason: fields.reason,
    fromLevel: draft.state.level,
    toLevel: fields.toLevel,
    detail: fields.detail ?? null,
    cause: fields.cause,
  };
  draft.state = evolveVip(draft.state, change, draft.ladder);
  draft.changes.push(change);
}

/** The plan; the state's review index is refreshed even when nothing changed (a ladder edit may have moved it). */
export function finishDraft(draft: PlanDraft): VipPlan {
  const nextReviewMs = nextReviewMsOf(draft.state, draft.ladder);
  const state = nextReviewMs === draft.state.nextReviewMs ? draft.state : { ...draft.state, nextReviewMs };
  return { state, changes: draft.changes };
}

/** VIP time never runs backwards: a decision takes effect at its own time or the latest row's, whichever is later. */
export function effectiveTimeMs(state: VipState, requestedMs: number): number {
  invariant(Number.isSafeInteger(requestedMs), `time must be integer epoch ms, got ${requestedMs}`);
  return Math.max(requestedMs, state.changedAtMs);
}

/**
 * Event deciders (bet, override) act at one instant and assume everything due before it was
 * handled: otherwise a promotion at t could precede a demotion at an earlier boundary and the
 * result would depend on when the scheduler ran. The app calls decideOnReview(state, ..., t)
 * first whenever isReviewDue(state, ladder, t).
 */
export function assertReadyAt(state: VipState, ladder: Ladder, atMs: number): void {
  invariant(
    state.level <= topLevel(ladder),
    `level ${state.level} is above the ladder's top ${topLevel(ladder)}: call decideOnLadderChange first`,
  );
  invariant(
    !isReviewDue(state, ladder, atMs),
    `a review is due at ${nextDue(state, ladder)?.atMs} before ${atMs}: call decideOnReview up to ${atMs} first`,
  );
}
