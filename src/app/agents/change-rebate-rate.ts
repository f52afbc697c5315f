// Changing an agent's rebate rate, keeping r(child) <= r(parent) on both sides: the new rate
// may not exceed the parent's (unless the parent is a placeholder) nor fall below the
// highest child's. The user and its parent are locked first, so a concurrent change of the
// parent's rate or of a child's (which locks this user as its parent) waits for this one.
import { checkRateAgainstChildren, checkRateAgainstParent } from '../../domain/agents/rate-rules.ts';
import type { UserId } from '../../domain/ids.ts';
import { accept, refuse, type Result } from '../../domain/result.ts';
import type { AgentCommandDeps } from './agent-command-deps.ts';
import { runRefusable } from './refusable-transaction.ts';

export interface ChangeRebateRate {
  readonly userId: UserId;
  readonly ratePpm: number;
  /** Who asked: kept in the result for the caller's audit log. */
  readonly actor: string;
}

export interface RebateRateChange {
  readonly userId: UserId;
  readonly parentId: UserId | null;
  readonly fromRatePpm: number;
  readonly toRatePpm: number;
  /** False when the user already had this rate (nothing was written). */
  readonly changed: boolean;
  readonly actor: string;
  readonly atMs: number;
}

export async function changeRebateRate(
  deps: AgentCommandDeps,
  command: ChangeRebateRate,
): Promise<Result<RebateRateChange>> {
  const { userId, ratePpm, actor } = command;
  return runRefusable<RebateRateChange>(deps.transaction, async (tree) => {
    const nowMs = deps.clock.nowMs();
    const user = (await tree.lockUsers([userId])).get(userId);
    if (user === undefined) return refuse('user_unknown', `user ${userId} does not exist`);
    const unchanged = {
      userId,
      parentId: user.parentId,
      fromRatePpm: user.rebateRatePpm,
      toRatePpm: ratePpm,
      actor,
      atMs: nowMs,
    };
    if (user.rebateRatePpm === ratePpm) return accept({ ...unchanged, changed: false });
    // A parent row that is missing constrains nothing, like a placeholder: its rate is unknown.
    const parent = user.parentId === null ? null : ((await tree.lockUsers([user.parentId])).get(user.parentId) ?? null);
    const againstParent = checkRateAgainstParent(userId, ratePpm, parent);
    if (!againstParent.ok) return againstParent;
    const againstChildren = checkRateAgainstChildren(userId, ratePpm, await tree.childrenRateMax(userId));
    if (!againstChildren.ok) return againstChildren;
    await tree.setRebateRate(userId, ratePpm, nowMs);
    await deps.afterChange?.(tree, { kind: 'rate', userId }, nowMs);
    return accept({ ...unchanged, changed: true });
  });
}
