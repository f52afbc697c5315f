// Promotion on a qualifying event (DESIGN.md §3): target = the highest level whose promote
// requirement holds, capped by maxStepsPerEvent; promote when it is above the current level
// and no override pins the level. A floor never blocks a promotion.
import { invariant } from '../assert.ts';
import { levelAt, topLevel, type Ladder } from './ladder.ts';
import type { MetricValues } from './metrics.ts';
import { assertReadyAt, effectiveTimeMs, finishDraft, record, startDraft, type PlanDraft } from './plan-draft.ts';
import { requirementHolds } from './requirement.ts';
import { isPinned, type VipCause, type VipPlan, type VipState } from './vip-state.ts';

/**
 * The level the metrics earn from `currentLevel`: the highest level whose promote holds (not
 * necessarily every level below it), at most maxStepsPerEvent above the current level.
 * It may be at or below the current level; only a higher target promotes.
 */
export function promotionTarget(ladder: Ladder, metrics: MetricValues, currentLevel: number): number {
  invariant(currentLevel >= 0 && currentLevel <= topLevel(ladder), `level ${currentLevel} is not on the ladder`);
  let earned = 0;
  for (let level = topLevel(ladder); level > 0; level--) {
    const promote = levelAt(ladder, level).promote;
    if (promote !== null && requirementHolds(promote, metrics)) {
      earned = level;
      break;
    }
  }
  const cap = ladder.promotion.maxStepsPerEvent;
  return cap === null ? earned : Math.min(earned, currentLevel + cap);
}

/** Records a promotion if the metrics earn one and no override pins the level. */
export function promoteIfEarned(draft: PlanDraft, metrics: MetricValues, atMs: number, cause: VipCause): void {
  if (isPinned(draft.state.override)) return;
  const target = promotionTarget(draft.ladder, metrics, draft.state.level);
  if (target > draft.state.level) record(draft, { atMs, reason: 'promotion', toLevel: target, cause });
}

/**
 * An applied bet (or any event that changed the metrics upward). `metricsNow` are the
 * metrics as of the event's zone day, the bet included. levelSince and the keep cycle
 * restart at the event time. Precondition: nothing is due at or before the event (see
 * assertReadyAt). A void never calls this: it cannot promote and never demotes mid-cycle.
 */
export function decideOnBet(
  state: VipState,
  metricsNow: MetricValues,
  ladder: Ladder,
  eventTimeMs: number,
  cause: VipCause,
): VipPlan {
  const atMs = effectiveTimeMs(state, eventTimeMs);
  assertReadyAt(state, ladder, atMs);
  const draft = startDraft(state, ladder);
  promoteIfEarned(draft, metricsNow, atMs, cause);
  return finishDraft(draft);
}
