// One bounded batch of a full re-evaluation: the next page of users in id order, every given
// group's rule evaluated for each, and the membership of exactly that id range brought in
// line (members in the range who are not among the users, e.g. rows left by a bug, leave
// too). A rule edit's diff, a new group's first fill and the day tick are each a sequence of
// these, one transaction per batch; the caller locks the groups and keeps the cursor.
import { evaluateRule } from '../../domain/groups/evaluate.ts';
import type { UserId } from '../../domain/ids.ts';
import type { OutboxRecord, StoreSession } from '../ports/store.ts';
import type { DynamicGroup } from './group-catalog.ts';
import type { GroupsObserver } from './groups-deps.ts';
import { memberKey, writeMembershipChanges, type MembershipDecision } from './membership-writes.ts';
import { needsOf } from './rule-needs.ts';
import { loadRuleSubjects, type SubjectContext } from './rule-subjects.ts';

export interface PageContext extends SubjectContext {
  readonly topic: string;
  readonly observer?: GroupsObserver | undefined;
}

export interface PageResult {
  readonly users: number;
  /** The last user of the page; null when the page was empty. */
  readonly lastUserId: UserId | null;
  /** True when no user comes after this page. */
  readonly complete: boolean;
  readonly joined: number;
  readonly left: number;
  readonly records: OutboxRecord[];
}

export async function reevaluateUsersPage(
  session: StoreSession,
  context: PageContext,
  groups: readonly DynamicGroup[],
  afterUserId: UserId | null,
  limit: number,
): Promise<PageResult> {
  const users = await session.users.page(afterUserId, limit);
  const complete = users.length < limit;
  const lastUserId = users.at(-1)?.userId ?? null;
  if (groups.length === 0) return { users: users.length, lastUserId, complete, joined: 0, left: 0, records: [] };

  const subjects = await loadRuleSubjects(session, users, needsOf(groups.map((group) => group.rule)), context);
  // The range this page owns: (afterUserId, lastUserId], open-ended on the last page.
  const members = await session.groups.membersInRange(
    groups.map((group) => group.groupId),
    afterUserId,
    complete ? null : lastUserId,
  );
  const current = new Set(members.map((member) => memberKey(member.groupId, member.userId)));
  const membersByGroup = new Map<string, UserId[]>();
  for (const member of members) {
    const ids = membersByGroup.get(member.groupId);
    if (ids === undefined) membersByGroup.set(member.groupId, [member.userId]);
    else ids.push(member.userId);
  }

  const joins: MembershipDecision[] = [];
  const leaves: MembershipDecision[] = [];
  for (const group of groups) {
    const inGroup = new Set<UserId>();
    for (const user of users) {
      const subject = subjects.get(user.userId);
      if (subject === undefined || !evaluateRule(group.rule, subject)) continue;
      inGroup.add(user.userId);
      if (!current.has(memberKey(group.groupId, user.userId))) {
        joins.push({ groupId: group.groupId, userId: user.userId, ruleVersion: group.ruleVersion });
      }
    }
    context.observer?.groupEvaluated?.(group.groupId, users.length);
    for (const userId of membersByGroup.get(group.groupId) ?? []) {
      if (!inGroup.has(userId)) leaves.push({ groupId: group.groupId, userId, ruleVersion: group.ruleVersion });
    }
  }
  const written = await writeMembershipChanges(
    session,
    { joins, leaves },
    { topic: context.topic, nowMs: context.nowMs, source: 'rule' },
  );
  return {
    users: users.length,
    lastUserId,
    complete,
    joined: written.joined,
    left: written.left,
    records: written.records,
  };
}
