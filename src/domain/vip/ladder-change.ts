// A new ladder version may have fewer levels than a user holds. The app calls this for the
// users above the new top (an index on level finds them) before any other decider: they
// move down to the new top at once, and set/floor overrides above it are clamped the same way.
// Other ladder edits need no per-user rows: schedules are derived from the ladder at each
// decision, and metric thresholds apply at the next event or boundary.
import { topLevel, type Ladder } from './ladder.ts';
import { effectiveTimeMs, finishDraft, record, startDraft } from './plan-draft.ts';
import type { VipOverride, VipPlan, VipState } from './vip-state.ts';

export function decideOnLadderChange(state: VipState, ladder: Ladder, nowMs: number): VipPlan {
  const top = topLevel(ladder);
  const override = clampOverride(state.override, top);
  const draft = startDraft(state, ladder);
  if (state.level > top || override !== state.override) {
    record(draft, {
      atMs: effectiveTimeMs(state, nowMs),
      reason: 'ladder_changed',
      toLevel: Math.min(state.level, top),
      cause: { kind: 'ladder_changed', topLevel: top, override },
    });
  }
  return finishDraft(draft);
}

function clampOverride(override: VipOverride | null, top: number): VipOverride | null {
  if (override === null || override.kind === 'freeze' || override.level <= top) return override;
  return { ...override, level: top };
}
