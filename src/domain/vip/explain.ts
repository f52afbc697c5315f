// "Why this tier, and what is left to keep it or rise, by when" (DESIGN.md §6 /explain), as
// plain data: the HTTP layer formats amounts and times. Values are as of now (metricsNow);
// the keep is judged at the deadline on the days before it, so "current" is the trend, and
// the rolling window will have moved by then.
import { levelAt, topLevel, type Ladder } from './ladder.ts';
import type { MetricValues } from './metrics.ts';
import { promotionTarget } from './promotion.ts';
import { compareRequirement, requirementHolds, type MetricComparison } from './requirement.ts';
import { keepOutcome, type KeepOutcome } from './review.ts';
import { nextKeepDue } from './schedule.ts';
import type { VipOverride, VipState, VipStatus } from './vip-state.ts';

/**
 * override: a set/freeze pins the level, or a floor is what holds it.
 * base: level 0. promote_met: the level's own promote holds now. keep_met: its keep holds now.
 * no_keep: the level has no keep requirement, so it is kept once reached.
 * protected: the keep is missed but new-tier protection covers the next boundary.
 * until_review: the keep is missed now; the level stands until the deadline judges it.
 */
export type VipBasis = 'override' | 'base' | 'promote_met' | 'keep_met' | 'no_keep' | 'protected' | 'until_review';

export interface VipExplanation {
  readonly level: number;
  readonly name: string;
  readonly status: VipStatus;
  readonly levelSinceMs: number;
  readonly basis: VipBasis;
  /** The active override (expiry after nowMs), if any. */
  readonly override: VipOverride | null;
  readonly protectedUntilMs: number | null;
  /** null without a running keep cycle (level 0, no keep requirement, or pinned). */
  readonly keep: {
    readonly deadlineMs: number;
    readonly deadlineKind: 'cycle' | 'grace';
    readonly met: boolean;
    readonly metrics: readonly MetricComparison[];
    /** What the deadline would do with today's values. */
    readonly ifJudgedNow: KeepOutcome;
  } | null;
  /** null at the top level. */
  readonly rise: {
    readonly level: number;
    readonly name: string;
    /** null: the next level has no promote requirement (reachable by override only). */
    readonly metrics: readonly MetricComparison[] | null;
    readonly met: boolean;
    /** The level the current metrics would promote to on the next bet, cap included. */
    readonly targetLevel: number;
    /** A set or freeze override blocks every promotion while active. */
    readonly blockedBy: 'set' | 'freeze' | null;
  } | null;
}

export function explainVip(state: VipState, metricsNow: MetricValues, ladder: Ladder, nowMs: number): VipExplanation {
  const current = levelAt(ladder, state.level);
  const override =
    state.override !== null && (state.override.expiresAtMs === null || state.override.expiresAtMs > nowMs)
      ? state.override
      : null;
  const keepDue = nextKeepDue(state, ladder);
  const keep =
    keepDue === null || current.keep === null || keepDue.kind === 'expiry'
      ? null
      : {
          deadlineMs: keepDue.atMs,
          deadlineKind: keepDue.kind,
          met: requirementHolds(current.keep, metricsNow),
          metrics: compareRequirement(current.keep, metricsNow),
          ifJudgedNow: keepOutcome(state, ladder, metricsNow, keepDue.atMs),
        };

  const next = state.level < topLevel(ladder) ? levelAt(ladder, state.level + 1) : null;
  const blockedBy = override === null || override.kind === 'floor' ? null : override.kind;
  const rise =
    next === null
      ? null
      : {
          level: next.level,
          name: next.name,
          metrics: next.promote === null ? null : compareRequirement(next.promote, metricsNow),
          met: next.promote !== null && requirementHolds(next.promote, metricsNow),
          targetLevel: promotionTarget(ladder, metricsNow, state.level),
          blockedBy,
        };

  return {
    level: state.level,
    name: current.name,
    status: state.status,
    levelSinceMs: state.levelSinceMs,
    basis: basisOf(state, override, metricsNow, ladder, keep?.ifJudgedNow ?? null),
    override,
    protectedUntilMs: state.protectedUntilMs,
    keep,
    rise,
  };
}

function basisOf(
  state: VipState,
  override: VipOverride | null,
  metrics: MetricValues,
  ladder: Ladder,
  ifJudgedNow: KeepOutcome | null,
): VipBasis {
  if (override !== null && override.kind !== 'floor') return 'override';
  if (state.level === 0) return 'base';
  const current = levelAt(ladder, state.level);
  if (current.promote !== null && requirementHolds(current.promote, metrics)) return 'promote_met';
  if (current.keep === null) return 'no_keep';
  if (requirementHolds(current.keep, metrics)) return 'keep_met';
  if (override !== null && override.level >= state.level) return 'override';
  if (ifJudgedNow?.reason === 'held' && ifJudgedNow.detail === 'protection') return 'protected';
  return 'until_review';
}
