// A user's VIP state and the changes that move it (DESIGN.md §3). Deciders return a plan:
// the changes (one history row each) and the state after folding them with evolveVip. The
// app writes state, rows and outbox in one transaction.
//
// Which rows go out as `vip.changed`: exactly those whose level differs (changesLevel), i.e.
// promotion, demotion, ladder_changed, and override when it moves the level. Every other
// row (renewal, held, at_risk, override_expired, override_removed, an override that keeps the
// level) is history only, so operators can see why nothing moved.

/** `set` pins the level; `floor` bounds demotion from below and lifts to the floor at once; `freeze` pins the current level. */
export type VipOverride =
  | {
      readonly kind: 'set';
      readonly level: number;
      readonly reason: string;
      readonly actor: string;
      readonly expiresAtMs: number | null;
    }
  | {
      readonly kind: 'floor';
      readonly level: number;
      readonly reason: string;
      readonly actor: string;
      readonly expiresAtMs: number | null;
    }
  | { readonly kind: 'freeze'; readonly reason: string; readonly actor: string; readonly expiresAtMs: number | null };

export type VipStatus = 'ok' | 'at_risk';

export interface VipState {
  readonly level: number;
  /** When the current level was entered (event time). */
  readonly levelSinceMs: number;
  /** Start of the running keep cycle; null when there is none (level 0, a level without keep, or pinned by set/freeze). */
  readonly cycleStartMs: number | null;
  /**
   * When the scheduler must next call decideOnReview: the earliest of the cycle boundary, the
   * grace deadline (when at risk) and the override expiry. null: nothing to review. This is
   * an index hint; the deciders always recompute it from the state and the ladder.
   */
  readonly nextReviewMs: number | null;
  readonly status: VipStatus;
  /** The boundary at which the keep was missed and grace began; null unless at risk. */
  readonly atRiskSinceMs: number | null;
  /** Boundaries at or before this instant cannot demote (new-tier protection); null: none. */
  readonly protectedUntilMs: number | null;
  readonly override: VipOverride | null;
  /** Per-user change counter: the seq of the latest row. Gaps in vip.changed seqs are history-only rows. */
  readonly seq: number;
  /** Time of the latest row. VIP time never runs backwards: a late event takes effect at this time at the earliest. */
  readonly changedAtMs: number;
}

export type VipChangeReason =
  | 'promotion'
  | 'demotion'
  | 'renewal'
  | 'held'
  | 'at_risk'
  | 'override'
  | 'override_expired'
  | 'override_removed'
  | 'ladder_changed';

/** Refines a reason: the demotion mode, or what held a level whose keep was missed. */
export type VipChangeDetail = 'one_down' | 'recalc' | 'protection' | 'floor';

export type VipCause =
  | { readonly kind: 'bet'; readonly betId: string }
  /** A cycle boundary or the end of a grace period. */
  | { readonly kind: 'boundary'; readonly boundaryMs: number; readonly deadline: 'cycle' | 'grace' }
  | { readonly kind: 'override'; readonly override: VipOverride }
  | { readonly kind: 'override_expired'; readonly override: VipOverride }
  | {
      readonly kind: 'override_removed';
      readonly override: VipOverride;
      readonly actor: string;
      readonly reason: string;
    }
  /** The active ladder lost levels; `override` is the override after clamping to the new top. */
  | { readonly kind: 'ladder_changed'; readonly topLevel: number; readonly override: VipOverride | null };

export interface VipChange {
  readonly seq: number;
  readonly atMs: number;
  readonly reason: VipChangeReason;
  readonly fromLevel: number;
  readonly toLevel: number;
  readonly detail: VipChangeDetail | null;
  readonly cause: VipCause;
}

export interface VipPlan {
  readonly state: VipState;
  /** In order; seqs are state.seq+1, +2, ... of the input state. Empty: nothing to write. */
  readonly changes: readonly VipChange[];
}

/** A user's state before any VIP event: level 0 since `sinceMs` (registration or first event). */
export function initialVipState(sinceMs: number): VipState {
  return {
    level: 0,
    levelSinceMs: sinceMs,
    cycleStartMs: null,
    nextReviewMs: null,
    status: 'ok',
    atRiskSinceMs: null,
    protectedUntilMs: null,
    override: null,
    seq: 0,
    changedAtMs: sinceMs,
  };
}

/** Whether the row must also go out as a `vip.changed` event. */
export function changesLevel(change: VipChange): boolean {
  return change.fromLevel !== change.toLevel;
}

/** set and freeze pin the level: no promotion, no demotion, no keep cycle while active. */
export function isPinned(override: VipOverride | null): boolean {
  return override !== null && override.kind !== 'floor';
}
