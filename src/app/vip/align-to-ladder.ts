// A stored state can sit above the current ladder after an edit removed levels; it is brought
// onto the ladder (decideOnLadderChange) before any other decision is made for it.
import { decideOnLadderChange } from '../../domain/vip/ladder-change.ts';
import { topLevel, type Ladder } from '../../domain/vip/ladder.ts';
import type { VipChange, VipState } from '../../domain/vip/vip-state.ts';

/** Brings a state onto the current ladder (levels removed) before any other decision. */
export function alignToLadder(
  state: VipState,
  ladder: Ladder,
  nowMs: number,
): { state: VipState; changes: VipChange[] } {
  if (
    state.level <= topLevel(ladder) &&
    (state.override === null || !('level' in state.override) || state.override.level <= topLevel(ladder))
  ) {
    return { state, changes: [] };
  }
  const plan = decideOnLadderChange(state, ladder, nowMs);
  return { state: plan.state, changes: [...plan.changes] };
}
