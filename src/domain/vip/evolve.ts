// evolve(state, change) -> state: the only place VIP state changes. Deciders choose the
// changes; folding them here gives the plan's state, so the history rows alone (with the
// ladder version they were made under) rebuild the state, and a decider cannot produce a
// state its rows do not explain.
import { invariant } from '../assert.ts';
import { topLevel, type Ladder } from './ladder.ts';
import { hasKeepCycle, nextReviewMsOf, protectionEndMs } from './schedule.ts';
import { isPinned, type VipChange, type VipState } from './vip-state.ts';

export function evolveVip(state: VipState, change: VipChange, ladder: Ladder): VipState {
  invariant(change.seq === state.seq + 1, `change seq ${change.seq} does not follow ${state.seq}`);
  invariant(change.fromLevel === state.level, `change from level ${change.fromLevel} applied at level ${state.level}`);
  invariant(
    change.atMs >= state.changedAtMs,
    `change at ${change.atMs} is before the previous change at ${state.changedAtMs}`,
  );
  invariant(
    Number.isSafeInteger(change.toLevel) && change.toLevel >= 0 && change.toLevel <= topLevel(ladder),
    `level ${change.toLevel} is not on the ladder`,
  );
  const atMs = change.atMs;
  const levelChanges = change.toLevel !== state.level;
  let { cycleStartMs, status, atRiskSinceMs, protectedUntilMs, override } = state;

  switch (change.reason) {
    case 'promotion':
      invariant(change.toLevel > state.level && !isPinned(state.override), 'a promotion raises an unpinned level');
      protectedUntilMs = protectionEndMs(atMs, ladder);
      break;
    case 'demotion':
      invariant(change.toLevel < state.level && !isPinned(state.override), 'a demotion lowers an unpinned level');
      // Protection belongs to a newly reached tier; a lower tier has none.
      protectedUntilMs = null;
      break;
    case 'ladder_changed':
      invariant(change.cause.kind === 'ladder_changed', 'ladder_changed rows carry the new top');
      invariant(
        change.toLevel < state.level || change.cause.override !== state.override,
        'ladder_changed rows change something',
      );
      override = change.cause.override;
      break;
    case 'renewal':
    case 'held':
      invariant(!levelChanges && state.cycleStartMs !== null, `${change.reason} keeps the level of a running cycle`);
      cycleStartMs = atMs;
      status = 'ok';
      atRiskSinceMs = null;
      break;
    case 'at_risk':
      invariant(
        !levelChanges && state.status === 'ok' && state.cycleStartMs !== null,
        'at_risk starts from ok within a cycle',
      );
      status = 'at_risk';
      atRiskSinceMs = atMs;
      break;
    case 'override':
      invariant(change.cause.kind === 'override', 'override rows carry the override');
      override = change.cause.override;
      break;
    case 'override_expired':
    case 'override_removed':
      invariant(!levelChanges && state.override !== null, `${change.reason} ends an override and keeps the level`);
      override = null;
      break;
  }

  if (levelChanges) {
    // A new level starts its own keep cycle, from the time of the change that caused it.
    cycleStartMs = atMs;
    status = 'ok';
    atRiskSinceMs = null;
  }
  if (!hasKeepCycle(change.toLevel, ladder) || isPinned(override)) {
    cycleStartMs = null;
    status = 'ok';
    atRiskSinceMs = null;
  } else if (cycleStartMs === null) {
    // A pin just ended or the level gained a keep: the cycle starts now.
    cycleStartMs = atMs;
  }

  const withoutSchedule: VipState = {
    level: change.toLevel,
    levelSinceMs: levelChanges ? atMs : state.levelSinceMs,
    cycleStartMs,
    nextReviewMs: null,
    status,
    atRiskSinceMs,
    protectedUntilMs,
    override,
    seq: change.seq,
    changedAtMs: atMs,
  };
  return { ...withoutSchedule, nextReviewMs: nextReviewMsOf(withoutSchedule, ladder) };
}
