// The agent-rate invariant r(child) <= r(parent) (DESIGN §5), as pure checks that register,
// rate change and move all use. A placeholder parent (created by a bet before its user
// registered) has no known rate yet, so it constrains nobody until it registers.
import type { UserId } from '../ids.ts';
import { formatPpm } from '../rate.ts';
import { accept, refuse, type Result } from '../result.ts';

export interface RatedUser {
  readonly userId: UserId;
  readonly rebateRatePpm: number;
  readonly placeholder: boolean;
}

/** `child` at `childRatePpm` under `parent` (null: a root). */
export function checkRateAgainstParent(childId: UserId, childRatePpm: number, parent: RatedUser | null): Result<void> {
  if (parent === null || parent.placeholder || childRatePpm <= parent.rebateRatePpm) return accept(undefined);
  return refuse(
    'rate_above_parent',
    `rebate rate ${formatPpm(childRatePpm)} of user ${childId} would be above the rate ${formatPpm(parent.rebateRatePpm)} of its parent ${parent.userId}`,
  );
}

/** `userId` at `ratePpm` over its highest-rated non-placeholder child (null: none). */
export function checkRateAgainstChildren(
  userId: UserId,
  ratePpm: number,
  highestChild: { readonly childId: UserId; readonly ratePpm: number } | null,
): Result<void> {
  if (highestChild === null || highestChild.ratePpm <= ratePpm) return accept(undefined);
  return refuse(
    'rate_below_child',
    `rebate rate ${formatPpm(ratePpm)} of user ${userId} would be below the rate ${formatPpm(highestChild.ratePpm)} of its child ${highestChild.childId}`,
  );
}
