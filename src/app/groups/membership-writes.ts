// Writes joins and leaves decided against a view of the current membership, and the events
// that report them. Each join and each leave is reported exactly once: a join is a plain
// insert (a pair that is already there fails the transaction with db_conflict) and a leave
// must delete exactly the rows it expects, else the view was stale (a concurrent writer got
// there first) and the transaction fails with db_conflict, to be retried on a fresh view.
import { compareIds, type UserId } from '../../domain/ids.ts';
import { TiernetError } from '../errors.ts';
import type { GroupMemberRow, MemberSource } from '../ports/groups.ts';
import type { OutboxRecord, StoreSession } from '../ports/store.ts';
import { groupChangeRecord, type GroupChange } from './group-events.ts';

export interface MembershipDecision {
  readonly groupId: string;
  readonly userId: UserId;
  /** The group's rule version the decision was taken under. */
  readonly ruleVersion: number;
}

export interface MembershipChanges {
  readonly joins: readonly MembershipDecision[];
  readonly leaves: readonly MembershipDecision[];
}

export interface WrittenChanges {
  readonly records: OutboxRecord[];
  readonly joined: number;
  readonly left: number;
}

export const memberKey = (groupId: string, userId: UserId): string => `${groupId}\u0000${userId}`;

export async function writeMembershipChanges(
  session: StoreSession,
  changes: MembershipChanges,
  options: { readonly topic: string; readonly nowMs: number; readonly source: MemberSource },
): Promise<WrittenChanges> {
  const { joins, leaves } = changes;
  if (joins.length > 0) {
    await session.groups.addMembers(
      joins.map((join): GroupMemberRow => ({ ...join, source: options.source, sinceMs: options.nowMs })),
    );
  }
  if (leaves.length > 0) {
    const removed = await session.groups.removeMembers(leaves);
    if (removed !== leaves.length) {
      throw new TiernetError(
        'db_conflict',
        `expected to remove ${leaves.length} group memberships, removed ${removed}: a concurrent writer changed them`,
      );
    }
  }
  const events: GroupChange[] = [
    ...joins.map((join): GroupChange => ({ type: 'group.joined', ...join })),
    ...leaves.map((leave): GroupChange => ({ type: 'group.left', ...leave })),
  ];
  // By user, then group: one user's changes are adjacent and the order is reproducible.
  events.sort(
    (left, right) =>
      compareIds(left.userId, right.userId) ||
      (left.groupId < right.groupId ? -1 : left.groupId > right.groupId ? 1 : 0),
  );
  return {
    records: events.map((event) => groupChangeRecord(options.topic, event, options.nowMs)),
    joined: joins.length,
    left: leaves.length,
  };
}
