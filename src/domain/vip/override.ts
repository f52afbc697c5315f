// Manual overrides (DESIGN.md §3), with reason, actor and optional expiry:
//   set    pins the level to L: no promotion, no demotion, no keep cycle while active.
//   floor  lifts the level to L at once if below, and no demotion goes below L; promotions go on.
//   freeze pins the current level, like set without moving it.
// A new override replaces the previous one. When an override ends (expiry or removal) the user
// is evaluated at once: promotion by the metrics of that moment; a pin's suspended keep cycle
// starts afresh at that moment, so demotion comes only at a boundary, as usual.
import { topLevel, type Ladder } from './ladder.ts';
import type { MetricValues } from './metrics.ts';
import { assertReadyAt, effectiveTimeMs, finishDraft, record, startDraft, type PlanDraft } from './plan-draft.ts';
import { promoteIfEarned } from './promotion.ts';
import { invariant } from '../assert.ts';
import { accept, refuse, type Result } from '../result.ts';
import { nextDue } from './schedule.ts';
import type { VipCause, VipOverride, VipPlan, VipState } from './vip-state.ts';

/** Audit text, not prose: long enough for a ticket reference and a sentence. */
export const overrideReasonLengthMax = 500;
export const overrideActorLengthMax = 128;

export interface OverrideRemoval {
  readonly actor: string;
  readonly reason: string;
}

function checkText(value: string, field: 'reason' | 'actor', lengthMax: number): Result<string> {
  if (value.trim().length === 0 || value.length > lengthMax) {
    return refuse('override_invalid', `${field} must be 1-${lengthMax} characters, not blank`, `/${field}`);
  }
  return accept(value);
}

/** Checks an override against the ladder and the clock; paths name the request field at fault. */
export function validateOverride(override: VipOverride, ladder: Ladder, nowMs: number): Result<VipOverride> {
  const reason = checkText(override.reason, 'reason', overrideReasonLengthMax);
  if (!reason.ok) return reason;
  const actor = checkText(override.actor, 'actor', overrideActorLengthMax);
  if (!actor.ok) return actor;
  if (
    override.kind !== 'freeze' &&
    (!Number.isSafeInteger(override.level) || override.level < 0 || override.level > topLevel(ladder))
  ) {
    return refuse('override_level_unknown', `level must be a level of the ladder, 0 to ${topLevel(ladder)}`, '/level');
  }
  // An override that is already over would be recorded and expire in the same breath.
  if (override.expiresAtMs !== null && (!Number.isSafeInteger(override.expiresAtMs) || override.expiresAtMs <= nowMs)) {
    return refuse('override_invalid', 'expiresAt must be in the future', '/expiresAt');
  }
  return accept(override);
}

/**
 * Places (or replaces) an override at `nowMs`. `metricsNow` serve the promotion check when
 * the result is not pinned (a floor, possibly replacing a pin). Precondition as for bets:
 * nothing due at or before nowMs (see assertReadyAt).
 */
export function decideOverride(
  state: VipState,
  override: VipOverride,
  metricsNow: MetricValues,
  ladder: Ladder,
  nowMs: number,
): Result<VipPlan> {
  const atMs = effectiveTimeMs(state, nowMs);
  const valid = validateOverride(override, ladder, atMs);
  if (!valid.ok) return valid;
  assertReadyAt(state, ladder, atMs);
  const toLevel =
    override.kind === 'set'
      ? override.level
      : override.kind === 'floor'
        ? Math.max(state.level, override.level)
        : state.level;
  const cause: VipCause = { kind: 'override', override };
  const draft = startDraft(state, ladder);
  record(draft, { atMs, reason: 'override', toLevel, cause });
  promoteIfEarned(draft, metricsNow, atMs, cause);
  return accept(finishDraft(draft));
}

/**
 * The override's expiry has passed. decideOnReview calls this logic itself at the expiry, in
 * order with the boundaries, using metrics as of the expiry; call it directly only when the
 * expiry is the next thing due. The rows are dated at the expiry, not at nowMs.
 */
export function decideOverrideExpiry(
  state: VipState,
  metricsNow: MetricValues,
  ladder: Ladder,
  nowMs: number,
): VipPlan {
  const due = nextDue(state, ladder);
  invariant(
    state.override !== null && due !== null && due.kind === 'expiry' && due.atMs <= nowMs,
    'no override expiry is due',
  );
  const draft = startDraft(state, ladder);
  endOverride(draft, metricsNow, effectiveTimeMs(state, due.atMs), 'expired');
  return finishDraft(draft);
}

/** An operator lifts the override early. Without an override this succeeds with no change ("already gone" is success). */
export function decideOverrideRemoval(
  state: VipState,
  removal: OverrideRemoval,
  metricsNow: MetricValues,
  ladder: Ladder,
  nowMs: number,
): Result<VipPlan> {
  const reason = checkText(removal.reason, 'reason', overrideReasonLengthMax);
  if (!reason.ok) return reason;
  const actor = checkText(removal.actor, 'actor', overrideActorLengthMax);
  if (!actor.ok) return actor;
  const atMs = effectiveTimeMs(state, nowMs);
  assertReadyAt(state, ladder, atMs);
  const draft = startDraft(state, ladder);
  if (state.override !== null) endOverride(draft, metricsNow, atMs, removal);
  return accept(finishDraft(draft));
}

/** Ends the active override at `atMs` and evaluates promotion at once. */
export function endOverride(
  draft: PlanDraft,
  metrics: MetricValues,
  atMs: number,
  ending: 'expired' | OverrideRemoval,
): void {
  const override = draft.state.override;
  invariant(override !== null, 'no override to end');
  const cause: VipCause =
    ending === 'expired'
      ? { kind: 'override_expired', override }
      : { kind: 'override_removed', override, actor: ending.actor, reason: ending.reason };
  record(draft, {
    atMs,
    reason: ending === 'expired' ? 'override_expired' : 'override_removed',
    toLevel: draft.state.level,
    cause,
  });
  promoteIfEarned(draft, metrics, atMs, cause);
}
