// When VIP things fall due, in calendar days of the ladder's zone (DESIGN.md §3).
//
// Boundaries are local midnights: a cycle started at any instant of zone day D ends at the
// start of day D + cycleDays. So a 30-day cycle covers the start day and the 29 days after it,
// and a keep window of 30 days evaluated at the boundary (days before the boundary's day)
// covers exactly the cycle's days, including the part of the start day before the start.
// Midnight boundaries also mean "metrics as of B" is exactly "every bet before B".
import { levelAt, type Ladder } from './ladder.ts';
import type { VipState } from './vip-state.ts';
import { dayNumberOf, startOfDayMs } from './zone-day.ts';

export type DueKind = 'cycle' | 'grace' | 'expiry';

export interface Due {
  readonly kind: DueKind;
  readonly atMs: number;
}

/** The end of a keep cycle that started at `cycleStartMs`. */
export function cycleBoundaryMs(cycleStartMs: number, ladder: Ladder): number {
  return startOfDayMs(dayNumberOf(cycleStartMs, ladder.timeZone) + ladder.demotion.cycleDays, ladder.timeZone);
}

/** The end of the grace that began at boundary `atRiskSinceMs`. */
export function graceDeadlineMs(atRiskSinceMs: number, ladder: Ladder): number {
  return startOfDayMs(dayNumberOf(atRiskSinceMs, ladder.timeZone) + ladder.demotion.graceDays, ladder.timeZone);
}

/**
 * New-tier protection after a promotion at `promotedAtMs`: boundaries at or before the start
 * of day (promotion day + N) cannot demote. Inclusive on purpose: with N equal to cycleDays
 * the first review is the one protected, which is what "N days of protection" reads as.
 */
export function protectionEndMs(promotedAtMs: number, ladder: Ladder): number | null {
  const days = ladder.demotion.newTierProtectionDays;
  return days === 0 ? null : startOfDayMs(dayNumberOf(promotedAtMs, ladder.timeZone) + days, ladder.timeZone);
}

/** Whether the current level has a keep cycle at all. */
export function hasKeepCycle(level: number, ladder: Ladder): boolean {
  return level > 0 && levelAt(ladder, level).keep !== null;
}

/**
 * The next thing to handle for this user, derived from the state and the ladder (never from
 * the stored nextReviewMs, which may predate a ladder change). An override expiry comes first
 * when it falls at the same instant as a boundary: an override is active strictly before its
 * expiry, so a floor expiring at B no longer holds at B.
 */
export function nextDue(state: VipState, ladder: Ladder): Due | null {
  const keepDue = nextKeepDue(state, ladder);
  const expiresAtMs = state.override?.expiresAtMs ?? null;
  if (expiresAtMs !== null && (keepDue === null || expiresAtMs <= keepDue.atMs))
    return { kind: 'expiry', atMs: expiresAtMs };
  return keepDue;
}

/** The boundary or grace deadline at which the keep is next judged; null without a running cycle. */
export function nextKeepDue(state: VipState, ladder: Ladder): Due | null {
  if (state.cycleStartMs === null) return null;
  return state.status === 'at_risk' && state.atRiskSinceMs !== null
    ? { kind: 'grace', atMs: graceDeadlineMs(state.atRiskSinceMs, ladder) }
    : { kind: 'cycle', atMs: cycleBoundaryMs(state.cycleStartMs, ladder) };
}

export function nextReviewMsOf(state: VipState, ladder: Ladder): number | null {
  return nextDue(state, ladder)?.atMs ?? null;
}

/** Whether a boundary, grace deadline or expiry at or before `atMs` is still unhandled. */
export function isReviewDue(state: VipState, ladder: Ladder, atMs: number): boolean {
  const due = nextDue(state, ladder);
  return due !== null && due.atMs <= atMs;
}
