// Deciding a move of an agent (with its whole downline) under a new parent or to the root.
// Pure: the caller reads the three users and whether the new parent sits in the mover's
// downline, and commits the plan in one transaction. The plan names every counter to
// change, so nothing else needs to know how depth and direct counts follow a move.
import type { UserId } from '../ids.ts';
import { accept, refuse, type Result } from '../result.ts';
import { checkRateAgainstParent, type RatedUser } from './rate-rules.ts';

export interface TreeUser extends RatedUser {
  readonly parentId: UserId | null;
  readonly depth: number;
}

export interface MoveInput {
  readonly user: TreeUser;
  /** The user's current parent as stored, or null (a root, or a parent row that is missing). */
  readonly oldParent: TreeUser | null;
  /** Null: the user becomes a root. */
  readonly newParent: TreeUser | null;
  /** Whether newParent is a strict descendant of the user. */
  readonly newParentInDownline: boolean;
}

export type MovePlan =
  | { readonly kind: 'unchanged'; readonly userId: UserId; readonly parentId: UserId | null; readonly depth: number }
  | {
      readonly kind: 'move';
      readonly userId: UserId;
      readonly fromParentId: UserId | null;
      readonly toParentId: UserId | null;
      readonly depthBefore: number;
      readonly depthAfter: number;
      /** Added to the depth of the user and of every descendant. */
      readonly depthDelta: number;
      readonly directCountChanges: readonly { readonly userId: UserId; readonly delta: number }[];
    };

export function planMove(input: MoveInput): Result<MovePlan> {
  const { user, oldParent, newParent, newParentInDownline } = input;
  const toParentId = newParent === null ? null : newParent.userId;
  if (toParentId === user.userId) return refuse('move_cycle', `user ${user.userId} cannot become its own parent`);
  if (toParentId === user.parentId)
    return accept({ kind: 'unchanged', userId: user.userId, parentId: user.parentId, depth: user.depth });
  if (newParentInDownline) {
    return refuse(
      'move_cycle',
      `moving user ${user.userId} under ${toParentId} would make a cycle: ${toParentId} is in the downline of ${user.userId}`,
    );
  }
  const rate = checkRateAgainstParent(user.userId, user.rebateRatePpm, newParent);
  if (!rate.ok) return rate;
  const depthAfter = newParent === null ? 0 : newParent.depth + 1;
  const directCountChanges: { userId: UserId; delta: number }[] = [];
  if (oldParent !== null) directCountChanges.push({ userId: oldParent.userId, delta: -1 });
  if (newParent !== null) directCountChanges.push({ userId: newParent.userId, delta: 1 });
  return accept({
    kind: 'move',
    userId: user.userId,
    fromParentId: user.parentId,
    toParentId,
    depthBefore: user.depth,
    depthAfter,
    depthDelta: depthAfter - user.depth,
    directCountChanges,
  });
}
