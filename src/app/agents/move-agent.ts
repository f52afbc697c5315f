// Moving an agent, with its whole downline, under another parent or to the root, in one
// transaction: parent pointer, both parents' direct counts and the depth of every user in
// the moved subtree (one statement however deep). Refused, nothing changes.
//
// Moves are serialised by a lock row taken first: two concurrent moves could each pass the
// cycle check alone and make a cycle together (A under B's downline while B goes under A's),
// and the check reads a whole path that row locks on three users would not cover. Moves are
// rare operator actions, so one at a time costs nothing.
import { planMove } from '../../domain/agents/move-plan.ts';
import type { UserId } from '../../domain/ids.ts';
import { accept, refuse, type Result } from '../../domain/result.ts';
import type { AgentCommandDeps } from './agent-command-deps.ts';
import { runRefusable } from './refusable-transaction.ts';

export interface MoveAgent {
  readonly userId: UserId;
  /** Null: the user becomes a root. */
  readonly newParentId: UserId | null;
  readonly actor: string;
  readonly reason: string | null;
}

export interface AgentMove {
  readonly userId: UserId;
  readonly fromParentId: UserId | null;
  readonly toParentId: UserId | null;
  readonly depthBefore: number;
  readonly depthAfter: number;
  /** Users whose depth changed: the user and its whole downline, 0 when the depth stayed. */
  readonly depthsShifted: number;
  /** False when the user already had this parent (nothing was written). */
  readonly changed: boolean;
  readonly actor: string;
  readonly reason: string | null;
  readonly atMs: number;
}

export async function moveAgent(deps: AgentCommandDeps, command: MoveAgent): Promise<Result<AgentMove>> {
  const { userId, newParentId, actor, reason } = command;
  return runRefusable<AgentMove>(deps.transaction, async (tree) => {
    const nowMs = deps.clock.nowMs();
    await tree.lockTreeMoves(nowMs);
    const user = (await tree.lockUsers([userId])).get(userId);
    if (user === undefined) return refuse('user_unknown', `user ${userId} does not exist`);
    const parents = await tree.lockUsers([user.parentId, newParentId].filter((id): id is UserId => id !== null));
    const newParent = newParentId === null ? null : (parents.get(newParentId) ?? null);
    if (newParentId !== null && newParent === null)
      return refuse('parent_unknown', `new parent ${newParentId} does not exist`, '/parentId');
    const oldParent = user.parentId === null ? null : (parents.get(user.parentId) ?? null);
    const needsCycleCheck = newParentId !== null && newParentId !== userId && newParentId !== user.parentId;
    const newParentInDownline = needsCycleCheck ? await tree.isAncestor(userId, newParentId) : false;
    const plan = planMove({ user, oldParent, newParent, newParentInDownline });
    if (!plan.ok) return plan;
    const base = { userId, actor, reason, atMs: nowMs };
    if (plan.value.kind === 'unchanged') {
      const { parentId, depth } = plan.value;
      return accept({
        ...base,
        fromParentId: parentId,
        toParentId: parentId,
        depthBefore: depth,
        depthAfter: depth,
        depthsShifted: 0,
        changed: false,
      });
    }
    const move = plan.value;
    await tree.setParent(userId, move.toParentId, nowMs);
    for (const change of move.directCountChanges) await tree.addDirectCount(change.userId, change.delta, nowMs);
    const depthsShifted = await tree.shiftSubtreeDepth(userId, move.depthDelta, nowMs);
    await deps.afterChange?.(
      tree,
      { kind: 'move', userId, fromParentId: move.fromParentId, toParentId: move.toParentId },
      nowMs,
    );
    return accept({
      ...base,
      fromParentId: move.fromParentId,
      toParentId: move.toParentId,
      depthBefore: move.depthBefore,
      depthAfter: move.depthAfter,
      depthsShifted,
      changed: true,
    });
  });
}
